using System.Globalization;
using System.Security.Cryptography;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// Known container escapes, replayed against Berth with the real docker CLI: each test runs the attack of one CVE
/// (or its closest form here) and proves that nothing of the host was read, written, mounted or run. The attackers
/// are small C programs built for the test (<c>escape.c</c>: static with musl, so it runs in any image, and as an
/// ELF interpreter; <c>evil.c</c>: a shared library that leaves a marker wherever it is loaded).
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class EscapeTests(BerthEngine engine)
{
    private const string EscapeSource = """
        #define _GNU_SOURCE
        #include <dirent.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/stat.h>
        #include <sys/syscall.h>
        #include <time.h>
        #include <unistd.h>

        static const char *err(int e) {
            return e == ETXTBSY ? "ETXTBSY" : e == EACCES ? "EACCES" : e == EROFS ? "EROFS" : e == EPERM ? "EPERM" : e == ENOENT ? "ENOENT" : strerror(e);
        }

        /* CVE-2019-5736's PoC: open the file behind an exe link for writing, directly and by re-opening a read-only
           descriptor through /proc/self/fd (retried a while, as the PoC waits for the runtime to exit). Never
           writes a byte: an open for writing that succeeds is the escape. */
        static void attack(const char *label, const char *exe, unsigned long only) {
            char target[4096] = "";
            ssize_t n = readlink(exe, target, sizeof target - 1);
            if (n > 0) target[n] = 0;
            int ro = open(exe, O_RDONLY | O_CLOEXEC);
            struct stat st;
            if (ro < 0 || fstat(ro, &st) < 0) { if (!only) printf("%s %s unreadable %s\n", label, target, err(errno)); if (ro >= 0) close(ro); return; }
            if (only && st.st_ino != only) { close(ro); return; }
            printf("%s %s ino=%lu\n", label, target, (unsigned long)st.st_ino);
            int w = open(exe, O_WRONLY | O_CLOEXEC);
            printf("%s write %s\n", label, w >= 0 ? "OPENED" : err(errno));
            char again[64];
            snprintf(again, sizeof again, "/proc/self/fd/%d", ro);
            /* access(2) answers for the mount of the file opened, busy or not: root may write one on a writable mount */
            printf("%s access %s\n", label, access(again, W_OK) == 0 ? "WRITABLE" : err(errno));
            for (int i = 0; i < 10; i++) {
                w = open(again, O_WRONLY | O_CLOEXEC);
                if (w >= 0 || i == 9) { printf("%s reopen %s\n", label, w >= 0 ? "OPENED" : err(errno)); break; }
                usleep(20000);
            }
            close(ro);
        }

        int main(int argc, char **argv) {
            setvbuf(stdout, NULL, _IOLBF, 0);
            if (argc >= 4 && strcmp(argv[1], "swap") == 0) {
                /* swap A B: exchange two names for ever (the racer of CVE-2018-15664 and CVE-2021-30465) */
                printf("swapping\n");
                for (;;) syscall(SYS_renameat2, AT_FDCWD, argv[2], AT_FDCWD, argv[3], 2 /* RENAME_EXCHANGE */);
            }
            if (argc >= 3 && strcmp(argv[1], "exe") == 0) {
                attack("exe", argv[2], 0);
                return 0;
            }
            if (argc >= 4 && strcmp(argv[1], "watch") == 0) {
                /* watch SECONDS INODE: attack every process that appears running the file INODE (the host's runtime,
                   as docker exec's process is until it execs) */
                printf("watching\n");
                time_t end = time(NULL) + atoi(argv[2]);
                unsigned long only = strtoul(argv[3], NULL, 10);
                while (time(NULL) < end) {
                    DIR *d = opendir("/proc");
                    struct dirent *e;
                    while (d && (e = readdir(d))) {
                        char link[64];
                        if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid()) continue;
                        snprintf(link, sizeof link, "/proc/%s/exe", e->d_name);
                        attack("pid", link, only);
                    }
                    if (d) closedir(d);
                }
                return 0;
            }
            /* Run as the ELF interpreter of the binary a #!/proc/self/exe script made the kernel execute. */
            attack("self", "/proc/self/exe", 0);
            return 0;
        }
        """;

    private const string EvilLibrarySource = """
        #include <fcntl.h>
        #include <unistd.h>
        /* CVE-2019-14271: whoever loads this library leaves a marker, on the host (MARKER) or in the container. */
        __attribute__((constructor)) static void loaded(void) {
            int fd = open(MARKER, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
            if (fd >= 0) close(fd);
            fd = open("/loaded-by-cp", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
            if (fd >= 0) close(fd);
        }
        """;

    /// <summary>The ELF interpreter berth-runtime names (glibc's, x86_64): a container that has a file there runs it
    /// whenever the host binary is executed inside it.</summary>
    private const string Interpreter = "/lib64/ld-linux-x86-64.so.2";

    private static readonly string[] HostBinaries = ["berthd", "berth-runtime", "berth-init"];

    // CVE-2019-5736: a container makes the kernel execute the runtime's own binary (a `#!/proc/self/exe` entrypoint
    // or exec'd program), loads its own code as that binary's interpreter, and opens /proc/self/exe — the host's
    // runtime — for writing, to overwrite it; or it opens /proc/PID/exe of a runtime process it can see.
    [Fact]
    public void TheRuntimeCannotBeOverwrittenThroughProcExeDuringRunOrExec()
    {
        var before = HostBinaryHashes();
        var image = EscapeImage("5736");
        var runtimeInode = Inode(RepoLayout.Binary("berth-runtime"));

        // docker run: the init execs the script, the kernel runs /proc/self/exe (the init's binary) inside.
        var run = engine.Docker("run", "--rm", image, "/self.sh").Ok();
        AssertReachedButNotWritten(run, "self", runtimeInode);

        // docker exec: the exec'd program is the script; meanwhile the container's PID 1 watches for the runtime's
        // exec processes in its pid namespace and attacks their /proc/PID/exe.
        var name = "escape-5736";
        engine.Docker("run", "-d", "--name", name, image, "/escape", "watch", "5", runtimeInode).Ok();
        engine.WaitForLog(name, "watching");
        var exec = engine.Docker("exec", name, "/self.sh").Ok();
        AssertReachedButNotWritten(exec, "self", runtimeInode);
        for (var i = 0; i < 8; i++)
        {
            engine.Docker("exec", name, "true").Ok();
        }
        var watched = engine.Docker("logs", name).Stdout;
        engine.Docker("rm", "-f", name).Ok();
        // The watcher may or may not catch an exec process in its window (a few ms each); what it catches it cannot
        // write: EACCES while the process still holds the runtime's capabilities, ETXTBSY or EROFS after, ENOENT once
        // it has gone.
        Assert.DoesNotContain("OPENED", watched, StringComparison.Ordinal);
        Assert.All(watched.Split('\n').Where(l => l.Contains(" write ", StringComparison.Ordinal) || l.Contains(" reopen ", StringComparison.Ordinal) || l.Contains(" access ", StringComparison.Ordinal)),
            l => Assert.Matches(" (ETXTBSY|EROFS|EACCES|ENOENT)$", l));

        // --init: PID 1 is berth-init, the host's file bound in read-only.
        var init = engine.Docker("run", "--rm", "--init", image, "/escape", "exe", "/proc/1/exe").Ok();
        AssertReachedButNotWritten(init, "exe", Inode(RepoLayout.Binary("berth-init")));

        Assert.Equal(before, HostBinaryHashes());
    }

    /// <summary>The attack reached the host's binary (same inode: it is what the container could write), every open
    /// for writing failed (ETXTBSY, which the kernel checks first while a shim runs the binary, or EROFS), and the
    /// file is reached through a read-only mount (access(W_OK) is EROFS): were no process running the binary, the
    /// write would fail all the same.</summary>
    private static void AssertReachedButNotWritten(string output, string label, string hostInode)
    {
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith(label + " ", StringComparison.Ordinal) && l.EndsWith(" ino=" + hostInode, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(label + " write ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith(label + " reopen ", StringComparison.Ordinal));
        Assert.All(lines.Where(l => l.StartsWith(label + " write ", StringComparison.Ordinal) || l.StartsWith(label + " reopen ", StringComparison.Ordinal)),
            l => Assert.Matches(" (ETXTBSY|EROFS)$", l));
        Assert.Contains(label + " access EROFS", lines);
        Assert.DoesNotContain("OPENED", output, StringComparison.Ordinal);
    }

    // CVE-2018-15664: docker cp resolved a container path, then used it, while the container swapped a directory of
    // that path with a symlink to the host's /: the copy read or wrote the host. Here the symlink points at a host
    // directory by its absolute path, and cp goes both ways many times during the swap.
    [Fact]
    public void DockerCpRacingASymlinkSwapNeverReachesTheHost()
    {
        var image = EscapeImage("15664");
        var host = HostDirectory("15664");
        var name = "escape-15664";
        engine.Docker("run", "-d", "--name", name, image, "sh", "-c",
            $"mkdir -p /w/dir && echo container > /w/dir/marker && ln -s {host} /w/link && exec /escape swap /w/dir /w/link").Ok();
        engine.WaitForLog(name, "swapping");
        var upload = engine.Scratch("upload");
        File.WriteAllText(upload, "from-cp\n");
        var copiedOut = 0;
        for (var i = 0; i < 25; i++)
        {
            var into = engine.Scratch("15664-out");
            if (engine.Docker("cp", name + ":/w/dir/marker", into).ExitCode == 0)
            {
                Assert.Equal("container\n", File.ReadAllText(into));
                copiedOut++;
            }
            engine.Docker("cp", upload, name + ":/w/dir/");
            engine.Docker("cp", upload, name + ":/w/dir/upload-" + i.ToString(CultureInfo.InvariantCulture));
        }
        engine.Docker("rm", "-f", name).Ok();

        Assert.True(copiedOut > 0, "no copy succeeded: the race was never run through");
        AssertUntouched(host);
    }

    // CVE-2019-14271: docker cp ran a helper chrooted in the container that loaded the container's libnss (and
    // honoured its ld.so.preload), so the image's code ran as root on the host. Berth copies in berthd itself:
    // whatever cp does, in either direction and with -a (which looks users up), the library is never loaded.
    [Fact]
    public void DockerCpNeverLoadsCodeFromTheContainer()
    {
        var marker = engine.Scratch("14271-loaded");
        var dir = engine.Scratch("14271-context");
        Directory.CreateDirectory(dir);
        Compile("gcc", ["-shared", "-fPIC", "-O2", $"-DMARKER=\"{marker}\""], EvilLibrarySource, Path.Join(dir, "evil.so"));
        File.WriteAllText(Path.Join(dir, "ld.so.preload"), "/evil.so\n");
        File.WriteAllText(Path.Join(dir, "nsswitch.conf"), "passwd: files\ngroup: files\n");
        File.WriteAllText(Path.Join(dir, "Dockerfile"), """
            FROM busybox
            COPY evil.so /evil.so
            COPY evil.so /lib/x86_64-linux-gnu/libnss_files.so.2
            COPY evil.so /usr/lib/x86_64-linux-gnu/libnss_files.so.2
            COPY evil.so /lib64/libnss_files.so.2
            COPY evil.so /lib/libnss_files.so.2
            COPY ld.so.preload /etc/ld.so.preload
            COPY nsswitch.conf /etc/nsswitch.conf
            USER nobody
            """);
        var image = "escape-14271";
        engine.CliSlow("docker", "build", "-q", "-t", image, dir).Ok();
        var name = "escape-14271";
        engine.Docker("run", "-d", "--name", name, image, "sleep", "60").Ok();

        var upload = engine.Scratch("14271-upload");
        File.WriteAllText(upload, "x\n");
        engine.Docker("cp", name + ":/etc/passwd", engine.Scratch("14271-passwd")).Ok();
        engine.Docker("cp", name + ":/etc", engine.Scratch("14271-etc")).Ok();
        engine.Docker("cp", upload, name + ":/tmp/").Ok();
        engine.Docker("cp", "-a", upload, name + ":/tmp/as-nobody").Ok();
        engine.Docker("stop", "-t", "0", name).Ok();
        engine.Docker("cp", "-a", upload, name + ":/tmp/stopped").Ok();
        engine.Docker("cp", name + ":/tmp/stopped", engine.Scratch("14271-back")).Ok();
        var loadedInside = engine.Docker("cp", name + ":/loaded-by-cp", engine.Scratch("14271-inside"));
        engine.Docker("rm", "-f", name).Ok();

        Assert.False(File.Exists(marker), "the container's library was loaded on the host");
        Assert.NotEqual(0, loadedInside.ExitCode);
        Assert.Contains("Could not find the file /loaded-by-cp", loadedInside.Stderr, StringComparison.Ordinal);
    }

    // CVE-2021-30465: runc checked a mount destination inside the root, then mounted by path; a second container
    // sharing the volume swapped a directory under the destination for a symlink meanwhile, and the mount landed
    // on a host path. Berth's init mounts onto a descriptor opened with openat2(RESOLVE_IN_ROOT): a symlink, even
    // swapped in at the last moment, is followed inside the container's root only (where this one leads nowhere: the
    // start is refused). The link points at a host directory the container also binds, deeper (so later): a mount
    // that landed on the host path would show there.
    [Fact]
    public void AMountDestinationSwappedForASymlinkStaysInsideTheRoot()
    {
        var image = EscapeImage("30465");
        var host = HostDirectory("30465");
        var inner = engine.Scratch("30465-inner");
        Directory.CreateDirectory(inner);
        File.WriteAllText(Path.Join(inner, "marker"), "inner\n");
        var volume = "escape-30465";
        var racer = "escape-30465-racer";
        engine.Docker("run", "--rm", "-v", volume + ":/v", "busybox", "sh", "-c", $"mkdir -p /v/b && echo volume > /v/b/marker && ln -s {host} /v/link").Ok();
        engine.Docker("run", "-d", "--name", racer, "-v", volume + ":/v", image, "/escape", "swap", "/v/b", "/v/link").Ok();
        engine.WaitForLog(racer, "swapping");
        var outputs = new List<string>();
        // Ten starts, and more (up to 30) until one has run: on a busy machine the racer can sit in one state a while,
        // and every start may be refused.
        for (var i = 0; i < 30 && (i < 10 || outputs.Count == 0); i++)
        {
            var r = engine.Docker("run", "--rm", "-v", volume + ":/a", "-v", inner + ":/a/b:ro", "-v", host + ":/x/y/z:ro", "busybox", "sh", "-c",
                "cat /x/y/z/marker; cat /a/b/marker");
            Assert.DoesNotContain("inner", r.Stdout.Split('\n')[0], StringComparison.Ordinal);
            if (r.ExitCode != 0 && r.Stdout.Length == 0)
            {
                // The link was there when the init resolved /a/b: it leads nowhere inside the root, and the start
                // is refused.
                Assert.True(r.Stderr.Contains("openat2 `/a/b`: No such file or directory", StringComparison.Ordinal), r.ToString());
                continue;
            }
            outputs.Add(r.Stdout);
            // The host directory, bound after the racing mount, still shows its own file; /a/b shows the bind or
            // nothing (the name was swapped after the mount), never the host's.
            Assert.StartsWith("host\n", r.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("host", r.Stdout["host\n".Length..], StringComparison.Ordinal);
        }
        engine.Docker("rm", "-f", racer).Ok();
        engine.Docker("volume", "rm", volume).Ok();

        AssertUntouched(host);
    }

    // CVE-2021-30465's kind, through a volume subpath: the engine checked that no part of the subpath was a symlink,
    // and the runtime bound the path later; a container sharing the volume swapped the subpath for a symlink to a
    // host directory in between, and the new container got the host directory as its volume.
    [Fact]
    public void AVolumeSubpathSwappedForASymlinkNeverBindsTheHost()
    {
        var image = EscapeImage("subpath");
        var host = HostDirectory("subpath");
        var volume = "escape-subpath";
        var racer = "escape-subpath-racer";
        var mount = $"type=volume,src={volume},dst=/data,volume-subpath=sub";
        engine.Docker("run", "--rm", "-v", volume + ":/v", "busybox", "sh", "-c", $"mkdir -p /v/sub && echo volume > /v/sub/marker && ln -s {host} /v/link").Ok();
        Assert.Equal("volume", engine.Docker("run", "--rm", "--mount", mount, "busybox", "cat", "/data/marker").Ok());
        engine.Docker("run", "-d", "--name", racer, "-v", volume + ":/v", image, "/escape", "swap", "/v/sub", "/v/link").Ok();
        engine.WaitForLog(racer, "swapping");
        var started = 0; // runs up to 40 starts until one has run
        var refused = new List<string>();
        for (var i = 0; i < 40 && (i < 20 || started == 0); i++)
        {
            var r = engine.Docker("run", "--rm", "--mount", mount, "busybox", "cat", "/data/marker");
            Assert.DoesNotContain("host", r.Stdout, StringComparison.Ordinal);
            if (r.ExitCode == 0)
            {
                Assert.Equal("volume", r.Text);
                started++;
            }
            else
            {
                refused.Add(r.Stderr.Trim());
            }
        }
        engine.Docker("rm", "-f", racer).Ok();
        engine.Docker("volume", "rm", volume).Ok();

        // A start the swap spoils is refused, for what berthd saw: a link, or the path changing under its check. (On a
        // loaded machine every start may be refused; before the fix about half the started ones had the host's.)
        Assert.All(refused, e => Assert.Matches("it is a symbolic link|it changed while it was checked", e));
        AssertUntouched(host);
    }

    // CVE-2025-31133: runc masked /proc files by binding the container's /dev/null over them; a container whose
    // /dev/null was a symlink (to /proc/sys/kernel/core_pattern) got that file bound, writable, where a masked
    // file was, and one without /dev/null was left unmasked. Here /dev is a volume the attacker fills.
    [Theory]
    [InlineData("a symlink to core_pattern", "ln -s /proc/sys/kernel/core_pattern /x/null")]
    [InlineData("a regular file", "echo not-null > /x/null")]
    [InlineData("missing", "true")]
    public void AFakeDevNullNeverUnmasksOrExposesProcFiles(string row, string plant)
    {
        var pattern = File.ReadAllText("/proc/sys/kernel/core_pattern");
        var volume = "escape-31133-" + row.Split(' ')[^1].Replace('_', '-');
        engine.Docker("run", "--rm", "-v", volume + ":/x", "busybox", "sh", "-c", "rm -f /x/null; " + plant).Ok();
        // compat(docker): a /dev of the user's must hold a null, or the start is refused before anything runs.
        CommandResult r;
        try
        {
            r = engine.Docker("run", "--rm", "-v", volume + ":/dev", "busybox", "sh", "-c",
                "cat /proc/timer_list /proc/keys 2>&1 | head -c 200; echo '|/tmp/escape %p' > /proc/timer_list && echo WROTE");
        }
        finally
        {
            RestoreCorePattern(pattern);
        }
        engine.Docker("volume", "rm", volume).Ok();

        Assert.DoesNotContain("WROTE", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not-null", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(pattern.Trim(), r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Timer List", r.Stdout, StringComparison.Ordinal);
    }

    // CVE-2022-0492: a container mounts a cgroup v1 hierarchy and writes its release_agent, which the kernel runs
    // as root on the host when a cgroup empties. Tried by default, with CAP_SYS_ADMIN, and as root of a user namespace
    // made inside (busybox's unshare has no -C; cgroup v1 cannot be mounted from a user namespace anyway).
    [Theory]
    [InlineData("default")]
    [InlineData("cap-add SYS_ADMIN")]
    [InlineData("user namespace")]
    public void ACgroupReleaseAgentCannotBeSetFromAContainer(string row)
    {
        var agents = HostReleaseAgents();
        var script = "mkdir -p /tmp/cg; for o in memory pids rdma none,name=escape0492 name=systemd; do " +
            "mount -t cgroup -o $o cgroup /tmp/cg 2>/dev/null || continue; echo mounted $o; " +
            "test -e /tmp/cg/release_agent && echo /tmp/escape > /tmp/cg/release_agent && echo WROTE $o; umount /tmp/cg; done; echo done";
        string[] args = row switch
        {
            "default" => ["run", "--rm", "busybox", "sh", "-c", script],
            "cap-add SYS_ADMIN" => ["run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", script],
            _ => ["run", "--rm", "--cap-add", "SYS_ADMIN", "busybox", "unshare", "-U", "-r", "-m", "sh", "-c", script],
        };
        CommandResult r;
        try
        {
            r = engine.Docker(args);
        }
        finally
        {
            RestoreReleaseAgents(agents);
        }

        Assert.True(r.Stdout.Trim().EndsWith("done", StringComparison.Ordinal), "the attack did not run to its end\n" + r);
        Assert.DoesNotContain("WROTE", r.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/cgroup"), l => l.Contains("escape0492", StringComparison.Ordinal));
    }

    // CVE-2022-0811: CRI-O split a sysctl's value on '+' and set each part, so `kernel.shm_rmid_forced=1+
    // kernel.core_pattern=|cmd` set the host's core_pattern. Berth writes a value whole, and one the kernel takes
    // for a namespaced key only.
    [Theory]
    [InlineData("kernel.shm_rmid_forced=1+kernel.core_pattern=|/tmp/escape %p")]
    [InlineData("kernel.shmmax=1 kernel.core_pattern=|/tmp/escape")]
    [InlineData("net.ipv4.ip_forward=1+kernel.core_pattern=|/tmp/escape")]
    [InlineData("fs.mqueue.msg_max=10\nkernel.core_pattern=|/tmp/escape")]
    public void ASysctlValueCannotSetAnotherSysctl(string sysctl)
    {
        var pattern = File.ReadAllText("/proc/sys/kernel/core_pattern");
        // The kernel refuses most such values; one it reads a number from ("1 kernel…") sets that key alone.
        CommandResult r;
        try
        {
            r = engine.Docker("run", "--rm", "--sysctl", sysctl, "busybox", "cat", "/proc/sys/kernel/core_pattern");
        }
        finally
        {
            RestoreCorePattern(pattern);
        }

        if (r.ExitCode == 0)
        {
            Assert.Equal(pattern, r.Stdout);
        }
    }

    // CVE-2022-23648: containerd copied an image's VOLUME path into the new volume without keeping it in the root,
    // so `VOLUME /../../../../../etc` (or a VOLUME over a symlink to a host path) filled the volume with the host's
    // files. Berth cleans the path and resolves it in the root: the volume gets the image's content or nothing; a
    // VOLUME whose link leads nowhere inside the root is refused at start (runc would create the link's target).
    [Theory]
    [InlineData("dot-dot", "/../../../../../../../../etc", "/etc")]
    [InlineData("symlink", "/data", "/data")]
    public void AnImageVolumeOutsideTheRootCopiesNothingOfTheHost(string row, string volumePath, string destination)
    {
        var host = HostDirectory("23648-" + row);
        File.WriteAllText(Path.Join(host, "os-release"), "host\n");
        var dir = engine.Scratch("23648-context");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Join(dir, "Dockerfile"), $"""
            FROM busybox
            RUN ln -s {host} /data
            VOLUME ["{volumePath}"]
            """);
        var image = "escape-23648-" + row;
        engine.CliSlow("docker", "build", "-q", "-t", image, dir).Ok();

        var name = "escape-23648-" + row;
        engine.Docker("create", "--name", name, image, "sh", "-c", $"ls -A {destination}/; touch {destination}/from-container").Ok();
        var r = engine.Docker("start", "-a", name);
        var volume = engine.Inspect(name, "{{range .Mounts}}{{.Destination}}={{.Source}}{{end}}");
        var inVolume = Directory.EnumerateFileSystemEntries(volume.Split('=')[1]).Select(Path.GetFileName).ToList();
        engine.Docker("rm", "-v", name).Ok();

        Assert.Equal(destination, volume.Split('=')[0]);
        Assert.DoesNotContain("marker", inVolume);
        Assert.DoesNotContain("os-release", inVolume);
        Assert.DoesNotContain("marker", r.Stdout, StringComparison.Ordinal);
        if (row == "dot-dot")
        {
            // The image's /etc (busybox's passwd and group), not the host's.
            r.ExpectExit(0);
            Assert.Contains("passwd", inVolume);
            Assert.DoesNotContain("shadow", inVolume);
        }
        else
        {
            Assert.True(r.ExitCode == 0 || r.Stderr.Contains("openat2 `/data`: No such file or directory", StringComparison.Ordinal), r.ToString());
        }
        AssertUntouched(host, "marker", "os-release");
    }

    /// <summary>busybox with the attacker's tools: <c>/escape</c>, the same program as the ELF interpreter berth-runtime
    /// names, and <c>/self.sh</c>, a script whose interpreter is <c>/proc/self/exe</c>.</summary>
    private string EscapeImage(string cve)
    {
        var dir = engine.Scratch(cve + "-context");
        Directory.CreateDirectory(dir);
        Compile("musl-gcc", ["-static", "-Os"], EscapeSource, Path.Join(dir, "escape"));
        File.WriteAllText(Path.Join(dir, "self.sh"), "#!/proc/self/exe\n");
        File.WriteAllText(Path.Join(dir, "Dockerfile"), $"""
            FROM busybox
            COPY escape /escape
            COPY escape {Interpreter}
            COPY self.sh /self.sh
            RUN chmod 755 /escape {Interpreter} /self.sh
            """);
        var image = "escape-" + cve;
        engine.CliSlow("docker", "build", "-q", "-t", image, dir).Ok();
        return image;
    }

    private void Compile(string compiler, string[] flags, string source, string output)
    {
        var file = output + ".c";
        File.WriteAllText(file, source);
        ProcessRunner.Run(compiler, [.. flags, "-o", output, file]).ExpectExit(0);
    }

    /// <summary>A host directory holding one file, <c>marker</c>, that says "host": what an escape would read, or
    /// write beside.</summary>
    private string HostDirectory(string name)
    {
        var dir = engine.Scratch(name + "-host");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Join(dir, "marker"), "host\n");
        return dir;
    }

    private static void AssertUntouched(string hostDirectory, params string[] files)
    {
        files = files.Length == 0 ? ["marker"] : files;
        Assert.Equal(files.Order(StringComparer.Ordinal), Directory.EnumerateFileSystemEntries(hostDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(files, f => Assert.Equal("host\n", File.ReadAllText(Path.Join(hostDirectory, f))));
    }

    /// <summary>Puts the host's core_pattern back if an escape changed it, and then fails the test.</summary>
    private static void RestoreCorePattern(string pattern)
    {
        var now = File.ReadAllText("/proc/sys/kernel/core_pattern");
        if (now != pattern)
        {
            File.WriteAllText("/proc/sys/kernel/core_pattern", pattern);
        }
        Assert.Equal(pattern, now);
    }

    private static Dictionary<string, string> HostBinaryHashes() =>
        HostBinaries.ToDictionary(b => b, b => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(RepoLayout.Binary(b)))));

    private static string Inode(string path) => ProcessRunner.Run("stat", ["-L", "-c", "%i", path]).Ok();

    /// <summary>Puts back what an escape wrote (no cgroup of the host has notify_on_release, so nothing ran), and
    /// fails the test if there was anything to put back.</summary>
    private static void RestoreReleaseAgents(Dictionary<string, string> agents)
    {
        var changed = HostReleaseAgents().Where(a => agents.GetValueOrDefault(a.Key) != a.Value).Select(a => a.Key).ToList();
        foreach (var path in changed)
        {
            File.WriteAllText(path, agents.GetValueOrDefault(path, "") + "\n");
        }
        Assert.True(changed.Count == 0, "the container set the host's release_agent: " + string.Join(", ", changed));
    }

    /// <summary>Every cgroup v1 release_agent of the host, with its content.</summary>
    private static Dictionary<string, string> HostReleaseAgents() =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' '))
            .Where(f => f.SkipWhile(x => x != "-").ElementAtOrDefault(1) == "cgroup")
            .Select(f => Path.Join(f[4], "release_agent"))
            .Where(File.Exists)
            .ToDictionary(p => p, File.ReadAllText);
}

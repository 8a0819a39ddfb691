using System.Formats.Tar;
using System.Globalization;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// berthd's <c>--userns-remap</c>, with a daemon of this class's own and a user of its own (<c>useradd</c>, and a
/// range in /etc/subuid and /etc/subgid), both removed at the end, the files left as found. Root in a container is
/// the range's first id on the host: the real docker CLI sees the map, the host sees the process's uid, a root-only
/// host file stays closed, a volume's files belong to the mapped ids; exec, cp and commit keep the container's ids;
/// <c>--userns host</c> opts out; privileged and the host's network are refused with dockerd's words.
/// </summary>
public sealed class UsernsRemapTests(UsernsRemapTests.RemappedEngine remapped) : IClassFixture<UsernsRemapTests.RemappedEngine>
{
    public sealed class RemappedEngine : IDisposable
    {
        public const string User = "berth-e2e-remap";
        public const uint Count = 65536;
        // With the backups useradd and userdel rewrite (passwd- and the like).
        private static readonly string[] Files = [.. new[] { "passwd", "group", "shadow", "gshadow", "subuid", "subgid" }.SelectMany(f => new[] { "/etc/" + f, "/etc/" + f + "-" })];
        private readonly Dictionary<string, byte[]?> _saved = [];

        public RemappedEngine()
        {
            foreach (var file in Files)
            {
                _saved[file] = File.Exists(file) ? File.ReadAllBytes(file) : null;
            }
            try
            {
                // A range after every one there, the way useradd picks one.
                var ends = new[] { "/etc/subuid", "/etc/subgid" }.Where(File.Exists).SelectMany(File.ReadAllLines)
                    .Select(l => l.Split(':')).Where(f => f.Length == 3 && uint.TryParse(f[1], out _) && uint.TryParse(f[2], out _))
                    .Select(f => ulong.Parse(f[1], CultureInfo.InvariantCulture) + ulong.Parse(f[2], CultureInfo.InvariantCulture));
                Start = (uint)Math.Max(200_000UL, ends.DefaultIfEmpty(0UL).Max());
                ProcessRunner.Run("useradd", ["--system", "--no-create-home", "--shell", "/bin/false", User]).Ok();
                File.AppendAllText("/etc/subuid", $"{User}:{Start}:{Count}\n");
                File.AppendAllText("/etc/subgid", $"{User}:{Start}:{Count}\n");
                Engine = new BerthEngine(["--userns-remap", User]);
            }
            catch
            {
                Restore();
                throw;
            }
        }

        /// <summary>The host id of the containers' root (uid and gid alike).</summary>
        public uint Start { get; }

        public BerthEngine Engine { get; } = null!;

        public void Dispose()
        {
            try
            {
                Engine.Dispose();
            }
            finally
            {
                Restore();
            }
        }

        /// <summary>userdel, then every file byte for byte as it was (userdel may leave a backup or a newline).</summary>
        private void Restore()
        {
            ProcessRunner.Run("userdel", [User]);
            foreach (var (file, content) in _saved)
            {
                if (content is null)
                {
                    File.Delete(file);
                }
                else if (!File.Exists(file) || !File.ReadAllBytes(file).AsSpan().SequenceEqual(content))
                {
                    File.WriteAllBytes(file, content);
                }
            }
        }
    }

    private BerthEngine Engine => remapped.Engine;

    private uint Start => remapped.Start;

    [Fact]
    public void InfoListsUsernsAmongTheSecurityOptions() =>
        Assert.Contains("name=userns", Engine.Docker("info", "--format", "{{json .SecurityOptions}}").Ok(), StringComparison.Ordinal);

    [Theory]
    [InlineData("uid_map")]
    [InlineData("gid_map")]
    public void TheContainersRootIsTheRangesFirstId(string map)
    {
        var fields = Engine.Docker("run", "--rm", "busybox", "cat", "/proc/self/" + map).Ok().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["0", Start.ToString(CultureInfo.InvariantCulture), RemappedEngine.Count.ToString(CultureInfo.InvariantCulture)], fields);
    }

    [Fact]
    public void UsernsHostOptsOut()
    {
        var fields = Engine.Docker("run", "--rm", "--userns", "host", "busybox", "cat", "/proc/self/uid_map").Ok().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["0", "0", "4294967295"], fields);
    }

    [Fact]
    public void AContainersProcessRunsAsTheMappedUidOnTheHostAndExecJoinsItsNamespace()
    {
        const string name = "userns-sleeper";
        Engine.Docker("run", "-d", "--name", name, "busybox", "sleep", "600").Ok();
        try
        {
            var pid = Engine.Inspect(name, "{{.State.Pid}}");
            Assert.Equal(Start.ToString(CultureInfo.InvariantCulture), ProcessRunner.Run("ps", ["-o", "uid=", "-p", pid]).Ok());

            Assert.Equal(Engine.Docker("run", "--rm", "busybox", "cat", "/proc/self/uid_map").Ok(), Engine.Docker("exec", name, "cat", "/proc/self/uid_map").Ok());
            Assert.Equal("0:0", Engine.Docker("exec", name, "sh", "-c", "echo $(id -u):$(id -g)").Ok());
            // The exec'd process is the mapped uid on the host too.
            Engine.Docker("exec", "-d", name, "sleep", "601").Ok();
            var sleeper = Poll.Until("the exec'd sleep 601", () => ProcessRunner.Run("pgrep", ["-f", "^sleep 601$"]), r => r.ExitCode == 0).Text.Split('\n')[0];
            Assert.Equal(Start.ToString(CultureInfo.InvariantCulture), ProcessRunner.Run("ps", ["-o", "uid=", "-p", sleeper]).Ok());
        }
        finally
        {
            Engine.Docker("rm", "-f", name).Ok();
        }
    }

    [Fact]
    public void ARootOwnedHostFileOfMode0600IsClosedToTheContainersRoot()
    {
        var secret = Engine.Scratch("secret");
        File.WriteAllText(secret, "top secret\n");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var denied = Engine.Docker("run", "--rm", "-v", secret + ":/secret", "busybox", "cat", "/secret").ExpectExit(1);
        Assert.Contains("Permission denied", denied.Stderr, StringComparison.Ordinal);
        Assert.Equal("top secret", Engine.Docker("run", "--rm", "--userns", "host", "-v", secret + ":/secret", "busybox", "cat", "/secret").Ok());
    }

    [Fact]
    public void ANamedVolumesFilesBelongToTheMappedIds()
    {
        const string volume = "userns-data";
        try
        {
            Engine.Docker("run", "--rm", "-v", volume + ":/data", "busybox", "sh", "-c", "echo x > /data/f && mkdir /data/d && chown 1000:1000 /data/d").Ok();
            var data = Engine.Docker("volume", "inspect", "-f", "{{.Mountpoint}}", volume).Ok();
            Assert.Equal((Start, Start), Owner(data));
            Assert.Equal((Start, Start), Owner(Path.Join(data, "f")));
            Assert.Equal((Start + 1000, Start + 1000), Owner(Path.Join(data, "d")));
            Assert.Equal("0 0 1000 1000", Engine.Docker("run", "--rm", "-v", volume + ":/data", "busybox", "stat", "-c", "%u %g", "/data/f", "/data/d").Ok().ReplaceLineEndings(" "));
        }
        finally
        {
            Engine.Docker("volume", "rm", "-f", volume);
        }
    }

    [Fact]
    public void CopyExportAndCommitKeepTheContainersIds()
    {
        const string name = "userns-cp";
        Engine.Docker("run", "-d", "--name", name, "busybox", "sh", "-c", "echo made > /made && chown 1000:1000 /made && sleep 600").Ok();
        try
        {
            // Made and handed over: the file exists a moment before its chown.
            Poll.Until("/made owned by 1000", () => Engine.Docker("exec", name, "stat", "-c", "%u %g", "/made"), r => r.ExitCode == 0 && r.Text == "1000 1000");
            var source = Engine.Scratch("copied");
            File.WriteAllText(source, "copied\n");
            Engine.Docker("cp", source, name + ":/copied").Ok();
            Assert.Equal("0 0", Engine.Docker("exec", name, "stat", "-c", "%u %g", "/copied").Ok());

            var tar = Engine.Docker("cp", name + ":/made", "-").ExpectExit(0).StdoutBytes;
            using (var reader = new TarReader(new MemoryStream(tar)))
            {
                var entry = reader.GetNextEntry() ?? throw new InvalidDataException("empty archive");
                Assert.Equal(("made", 1000, 1000), (entry.Name, entry.Uid, entry.Gid));
            }

            var export = Engine.Scratch("userns-export.tar");
            Engine.Docker("export", "-o", export, name).Ok();
            using (var reader = new TarReader(File.OpenRead(export)))
            {
                var owners = new Dictionary<string, (int, int)>();
                while (reader.GetNextEntry() is { } entry)
                {
                    owners[entry.Name] = (entry.Uid, entry.Gid);
                }
                Assert.Equal((1000, 1000), owners["made"]);
                Assert.Equal((0, 0), owners["copied"]);
                Assert.Equal((0, 0), owners["bin/busybox"]);
            }

            // The layer keeps the container's ids: the image shows them in the host's user namespace too.
            Engine.Docker("commit", name, "userns-committed").Ok();
            Assert.Equal("1000 1000\n0 0", Engine.Docker("run", "--rm", "--userns", "host", "userns-committed", "stat", "-c", "%u %g", "/made", "/copied").Ok());
        }
        finally
        {
            Engine.Docker("rm", "-f", name).Ok();
            Engine.Docker("rmi", "userns-committed");
        }
    }

    [Fact]
    public void ABuildsLayersKeepTheContainersIds()
    {
        var context = Engine.Scratch("userns-build");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Join(context, "f"), "f\n");
        File.WriteAllText(Path.Join(context, "Dockerfile"), "FROM busybox\nRUN echo built > /built && chown 1000:1000 /built\nCOPY f /copied\n");
        try
        {
            Engine.CliWithin(TimeSpan.FromMinutes(2), "docker", "build", "-q", "-t", "userns-built", context).Ok();
            foreach (var userns in new[] { "host", "" })
            {
                Assert.Equal("1000 1000\n0 0", Engine.Docker(["run", "--rm", .. userns.Length > 0 ? new[] { "--userns", userns } : [], "userns-built", "stat", "-c", "%u %g", "/built", "/copied"]).Ok());
            }
        }
        finally
        {
            Engine.Docker("rmi", "userns-built");
        }
    }

    [Fact]
    public void AContainerJoinsAnothersNetworkNamespace()
    {
        const string owner = "userns-net-owner";
        Engine.Docker("run", "-d", "--name", owner, "busybox", "sleep", "600").Ok();
        try
        {
            // Its network namespace is not its user namespace's: /sys is the host's, read-only, as runc makes it.
            var seen = Engine.Docker("run", "--rm", "--network", "container:" + owner, "busybox", "sh", "-c", "cat /proc/self/uid_map; ls /sys/class/net; touch /sys/x").ExpectExit(1);
            Assert.Equal(["0", Start.ToString(CultureInfo.InvariantCulture), RemappedEngine.Count.ToString(CultureInfo.InvariantCulture)], seen.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("lo", seen.Lines);
            Assert.Contains("Read-only file system", seen.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Engine.Docker("rm", "-f", owner).Ok();
        }
    }

    [Theory]
    [InlineData("--privileged", "privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode")]
    [InlineData("--network=host", "cannot share the host's network namespace when user namespaces are enabled")]
    public void WhatUserNamespacesCannotGiveIsRefusedWithDockerdsWords(string flag, string message)
    {
        var refused = Engine.Docker("run", "--rm", flag, "busybox", "true").ExpectExit(125);
        Assert.Contains("Error response from daemon: " + message, refused.Stderr, StringComparison.Ordinal);
        Engine.Docker("run", "--rm", flag, "--userns", "host", "busybox", "true").Ok();
    }

    [Fact]
    public void RemovingAContainerLeavesNoMountBehind()
    {
        var id = Engine.Docker("run", "-d", "busybox", "sleep", "600").Ok();
        Assert.Contains(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(id, StringComparison.Ordinal));
        Engine.Docker("rm", "-f", id).Ok();
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), l => l.Contains(id, StringComparison.Ordinal) || l.Contains(Engine.Daemon.ExecRoot + "/containers/", StringComparison.Ordinal));
    }

    private static (uint Uid, uint Gid) Owner(string path)
    {
        var f = ProcessRunner.Run("stat", ["-c", "%u %g", path]).Ok().Split(' ');
        return (uint.Parse(f[0], CultureInfo.InvariantCulture), uint.Parse(f[1], CultureInfo.InvariantCulture));
    }
}

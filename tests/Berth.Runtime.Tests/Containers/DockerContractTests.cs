using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Containers;

/// <summary>
/// What `docker run` promises a container, seen from inside by the probe: PID 1, the spec's hostname and user,
/// Docker's 14 capabilities, masked and read-only paths, only <c>lo</c>, cgroup limits, and no descriptor beyond
/// 0, 1 and 2 (CVE-2024-21626 leaked a host cgroup directory fd to the container). Every row runs under Berth and
/// under runc: the same assertions hold for both, so runc checks the test as much as the test checks Berth.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class DockerContractTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Runtimes.VariantsTimesRuntimes), MemberType = typeof(Runtimes))]
    public async Task The_probe_sees_what_Docker_promises(string variant, string runtime)
    {
        await using var container = await TestContainer.CreateBundleAsync(runtime, edit: BundleVariant.Named(variant).Edit);
        var run = await container.RunAsync();
        output.WriteLine($"{runtime} {variant}: created in {run.Created.TotalMilliseconds:F0} ms, exited after {run.Exited.TotalMilliseconds:F0} ms");

        Assert.True(run.Exit.ExitCode == 0, $"probe exited {run.Exit.ExitCode} ({run.Exit.Error}): {run.Stderr}");
        Assert.Equal(run.Stdout, run.AttachedStdout); // the log and an attached client see the same bytes
        var probe = run.Probe;
        var spec = container.Spec;
        var user = spec.Process!.User;

        Assert.Equal(1, probe.Pid);
        Assert.Equal(0, probe.Ppid);
        Assert.Equal(spec.Hostname, probe.Hostname);
        Assert.Equal([user.Uid, user.Uid, user.Uid, user.Uid], probe.Uid.Select(u => (uint)u));
        Assert.Equal([user.Gid, user.Gid, user.Gid, user.Gid], probe.Gid.Select(g => (uint)g));
        Assert.Empty(probe.Groups);
        Assert.Equal(spec.Process.Cwd, probe.Cwd);
        Assert.Equal(spec.Process.Env!.Order(StringComparer.Ordinal), probe.Env);

        // Root keeps Docker's set; any other user loses them at exec (no ambient or file capabilities), and keeps
        // only the bounding set.
        var granted = user.Uid == 0 ? DockerSpec.DefaultCapabilityMask : "0000000000000000";
        Assert.Equal(DockerSpec.DefaultCapabilityMask, probe.Cap("CapBnd"));
        Assert.Equal(granted, probe.Cap("CapPrm"));
        Assert.Equal(granted, probe.Cap("CapEff"));
        Assert.Equal("0000000000000000", probe.Cap("CapInh"));
        Assert.Equal("0000000000000000", probe.Cap("CapAmb"));

        foreach (var ns in new[] { "pid", "ipc", "uts", "mnt", "net" })
        {
            Assert.NotEqual(Host.NamespaceLink(ns), probe.Namespaces[ns]);
        }
        Assert.Equal(Host.NamespaceLink("user"), probe.Namespaces["user"]);

        AssertMasked(probe);
        AssertReadOnly(probe, spec.Root!.Readonly);

        var lo = Assert.Single(probe.Interfaces);
        Assert.Equal("lo", lo.Name);
        Assert.True((Convert.ToInt32(lo.Flags, 16) & 0x1) != 0, $"lo is not up (flags {lo.Flags})");

        Assert.Equal([0, 1, 2], probe.Fds.Keys.Order());
        Assert.Equal("/dev/null", probe.Fds[0]);
        Assert.StartsWith("pipe:", probe.Fds[1], StringComparison.Ordinal);
        Assert.StartsWith("pipe:", probe.Fds[2], StringComparison.Ordinal);

        var memory = spec.Linux!.Resources!.Memory?.Limit;
        Assert.Equal(memory?.ToString() ?? "9223372036854771712", probe.CgroupFiles["/sys/fs/cgroup/memory/memory.limit_in_bytes"]);
        Assert.Equal(spec.Linux.Resources.Pids?.Limit.ToString() ?? "max", probe.CgroupFiles["/sys/fs/cgroup/pids/pids.max"]);

        await container.AssertNothingLeftAsync();
    }

    [Theory]
    [MemberData(nameof(Runtimes.Names), MemberType = typeof(Runtimes))]
    public async Task The_program_starts_with_no_signal_ignored_or_blocked(string runtime)
    {
        // Not the probe: a .NET program ignores SIGPIPE itself. cat, as PID 1, shows what it inherited; an ignored
        // SIGPIPE would make `yes | head` in the container print write errors instead of ending quietly.
        await using var container = await TestContainer.CreateBundleAsync(runtime, ["cat", "/proc/self/status"]);
        var run = await container.RunAsync();

        var status = run.Stdout.Split('\n').Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
        Assert.Equal("0000000000000000", status["SigIgn"]);
        Assert.Equal("0000000000000000", status["SigBlk"]);
        await container.AssertNothingLeftAsync();
    }

    private static void AssertMasked(ProbeReport probe)
    {
        foreach (var path in DockerSpec.MaskedPaths.Where(p => File.Exists(p) || Directory.Exists(p)))
        {
            var mount = probe.MountAt(path);
            Assert.True(mount is not null, $"{path} is not masked");
            if (Directory.Exists(path))
            {
                Assert.Equal("tmpfs", mount.FsType);
                Assert.True(mount.IsReadOnly, $"{path} is masked by a writable tmpfs");
            }
            else
            {
                Assert.True(mount.IsDevNull, $"{path} is masked by {mount.Describe()}, not /dev/null");
            }
        }
        // This host's kernel has no /proc/kcore (so nothing to mask); where it has one, it must be /dev/null.
        if (File.Exists("/proc/kcore"))
        {
            Assert.True(probe.MountAt("/proc/kcore")?.IsDevNull, "/proc/kcore is not a bind of /dev/null");
        }
        Assert.True(probe.MountAt("/proc/keys")?.IsDevNull, "/proc/keys is not a bind of /dev/null");
    }

    private static void AssertReadOnly(ProbeReport probe, bool readonlyRootfs)
    {
        foreach (var path in DockerSpec.ReadonlyPaths.Where(p => File.Exists(p) || Directory.Exists(p)))
        {
            Assert.True(probe.MountAt(path)?.IsReadOnly, $"{path} is not read-only");
        }
        Assert.True(probe.MountAt("/sys")?.IsReadOnly, "/sys is not read-only");
        // The cgroup hierarchies are read-only; the v1 tmpfs holding them is ro under Berth, rw under runc 1.1.
        var cgroupMounts = probe.Mounts.Where(m => m.FsType is "cgroup" or "cgroup2").ToList();
        Assert.NotEmpty(cgroupMounts);
        Assert.All(cgroupMounts, m => Assert.True(m.IsReadOnly, m.MountPoint + " is writable"));
        var proc = probe.MountAt("/proc")!;
        Assert.False(proc.IsReadOnly);
        Assert.True(proc.Has("nosuid") && proc.Has("nodev") && proc.Has("noexec"), "/proc is " + proc.Options);
        Assert.Equal(readonlyRootfs, probe.MountAt("/")!.IsReadOnly);
    }
}

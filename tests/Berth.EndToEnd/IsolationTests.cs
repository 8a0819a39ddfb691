using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>What a process sees from inside its container: its own pid namespace, Docker's default capabilities,
/// no network but loopback, and the host's sensitive /proc and /sys files masked or read-only.</summary>
[Collection(BerthCollection.Name)]
public sealed class IsolationTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheContainerIsPid1InItsOwnPidNamespace(string client)
    {
        Assert.Equal("1", engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", "echo $$").Ok());
    }

    // compat(docker): the 14 default capabilities (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
    // NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP), as the real Docker shows them.
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void OnlyDockersDefaultCapabilitiesAreHeld(string client)
    {
        var status = engine.Cli(client, "run", "--rm", "busybox", "grep", "^Cap", "/proc/self/status").Ok();

        Assert.Equal(
            "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000",
            status);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void NetworkNoneLeavesOnlyLoopback(string client)
    {
        var netDev = engine.Cli(client, "run", "--rm", "--network", "none", "busybox", "cat", "/proc/net/dev").Ok();

        var interfaces = netDev.Split('\n').Skip(2).Select(l => l.Split(':')[0].Trim());
        Assert.Equal(["lo"], interfaces);
    }

    // compat(docker): masked paths are /dev/null bound over them (character device 1:3). A kernel without the
    // file (this one has no /proc/kcore) has nothing to mask, and the container must not see it either.
    [Theory]
    [InlineData("docker", "/proc/kcore")]
    [InlineData("berth", "/proc/kcore")]
    [InlineData("docker", "/proc/keys")]
    [InlineData("berth", "/proc/keys")]
    [InlineData("docker", "/proc/timer_list")]
    [InlineData("berth", "/proc/timer_list")]
    public void SensitiveProcFilesAreMasked(string client, string path)
    {
        var seen = engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", $"if [ -e {path} ]; then stat -c %t:%T {path}; wc -c < {path}; else echo absent; fi").Ok();

        Assert.Equal(File.Exists(path) ? "1:3\n0" : "absent", seen);
    }

    [Theory]
    [InlineData("docker", "echo x > /proc/sys/kernel/domainname")]
    [InlineData("berth", "echo x > /proc/sys/kernel/domainname")]
    [InlineData("docker", "touch /sys/berth-e2e")]
    [InlineData("berth", "touch /sys/berth-e2e")]
    [InlineData("docker", "mkdir /sys/fs/cgroup/berth-e2e")]
    [InlineData("berth", "mkdir /sys/fs/cgroup/berth-e2e")]
    public void ProcSysAndSysAreReadOnly(string client, string write)
    {
        var run = engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", write);

        run.ExpectExit(1);
        Assert.Contains("Read-only file system", run.Stderr, StringComparison.Ordinal);
    }
}

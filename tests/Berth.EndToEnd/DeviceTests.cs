using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// Host devices in containers: <c>--device</c> makes the node and lets the container use it as far as its
/// permissions say; <c>--device-cgroup-rule</c> allows nodes the container makes itself; everything else stays
/// denied by the device cgroup, which is what stops a container from opening a disk it made with mknod.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class DeviceTests(BerthEngine engine)
{
    // /dev/fuse (10:229) is a device Docker's default rules do not allow, unlike /dev/null, zero, (u)random, tty.
    private const string Fuse = "/dev/fuse";

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ADeviceIsUsableAsFarAsItsPermissionsSay(string client)
    {
        Assert.True(File.Exists(Fuse), "the host has no /dev/fuse");
        var readOnly = engine.Cli(client, "run", "--rm", "--device", Fuse + ":/dev/myfuse:r", "busybox", "sh", "-c",
            "stat -c '%F %t:%T' /dev/myfuse; exec 3</dev/myfuse && echo readable; exec 4>/dev/myfuse && echo writable");
        Assert.Equal("character special file a:e5\nreadable", readOnly.Text);
        Assert.Contains("can't create /dev/myfuse: Operation not permitted", readOnly.Stderr, StringComparison.Ordinal);
        Assert.Equal("writable", engine.Cli(client, "run", "--rm", "--device", Fuse, "busybox", "sh", "-c", "exec 4>/dev/fuse && echo writable").Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ANodeTheContainerMakesIsDeniedUnlessARuleAllowsIt(string client)
    {
        // mknod is allowed (Docker's "c *:* m"); opening what was made is not, until a rule says so.
        const string Script = "mknod /dev/made c 10 229 && exec 3</dev/made && echo opened";
        var denied = engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", Script);
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("can't open /dev/made: Operation not permitted", denied.Stderr, StringComparison.Ordinal);
        Assert.Equal("opened", engine.Cli(client, "run", "--rm", "--device-cgroup-rule", "c 10:* r", "busybox", "sh", "-c", Script).Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AMissingDeviceIsRefusedWithDockersMessage(string client)
    {
        var r = engine.Cli(client, "run", "--rm", "--device", "/dev/berth-no-such-device", "busybox", "true");
        r.ExpectExit(127); // compat(docker): the CLI turns any "no such file or directory" from start into 127
        Assert.Contains("Error response from daemon: error gathering device information while adding custom device \"/dev/berth-no-such-device\": no such file or directory", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedDeviceCgroupRuleIsRefusedByTheDaemon()
    {
        var r = await engine.Api.PostJsonAsync("/containers/create", """{"Image":"busybox","Cmd":["true"],"HostConfig":{"DeviceCgroupRules":["c 1:9 rwx"]}}""");
        Assert.Equal(400, r.Status);
        Assert.Equal("invalid device cgroup rule format: 'c 1:9 rwx'", System.Text.Json.JsonDocument.Parse(r.Body).RootElement.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void BlockIoThrottlesReachTheContainersCgroup(string client)
    {
        var disk = Directory.EnumerateFileSystemEntries("/dev").Order().First(p => new FileInfo(p).LinkTarget is null && IsBlockDevice(p));
        var name = $"blkio-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "--device-read-bps", disk + ":1mb", "--device-write-iops", disk + ":100", "busybox", "sleep", "300").Ok();
        try
        {
            var id = engine.Inspect(name, "{{.Id}}");
            var numbers = File.ReadAllText($"/sys/class/block/{Path.GetFileName(disk)}/dev").Trim();
            if (HostTraces.CgroupV2)
            {
                Assert.Contains($"{numbers} rbps=1048576 wbps=max riops=max wiops=100", File.ReadAllText($"/sys/fs/cgroup/berth/{id}/io.max"), StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal($"{numbers} 1048576", File.ReadAllText($"/sys/fs/cgroup/blkio/berth/{id}/blkio.throttle.read_bps_device").Trim());
                Assert.Equal($"{numbers} 100", File.ReadAllText($"/sys/fs/cgroup/blkio/berth/{id}/blkio.throttle.write_iops_device").Trim());
            }
            Assert.Contains("1048576", engine.Inspect(name, "{{json .HostConfig.BlkioDeviceReadBps}}"), StringComparison.Ordinal);
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ABlockIoWeightTheKernelCannotApplyIsDiscardedWithAWarning(string client)
    {
        var r = engine.Cli(client, "run", "--rm", "--blkio-weight", "300", "busybox", "echo", "ran");
        Assert.Equal("ran", r.Ok());
        var offered = HostTraces.CgroupV2 ? File.ReadAllText("/sys/fs/cgroup/cgroup.controllers").Split(' ').Contains("io") : File.Exists("/sys/fs/cgroup/blkio/blkio.weight");
        Assert.Equal(!offered, r.Stderr.Contains("WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnUpdatedBlockIoWeightTheKernelCannotApplyIsDiscardedWithAWarningToo(string client)
    {
        var name = $"blkio-update-{client}";
        engine.Docker("run", "-d", "--name", name, "busybox", "sleep", "300").Ok();
        try
        {
            // compat(docker): docker update prints the names it updated, then the warnings, on stdout.
            var output = engine.Cli(client, "update", "--blkio-weight", "300", name).Ok();
            Assert.Equal(name, output.Split('\n')[0]);
            var offered = HostTraces.CgroupV2 ? File.ReadAllText("/sys/fs/cgroup/cgroup.controllers").Split(' ').Contains("io") : File.Exists("/sys/fs/cgroup/blkio/blkio.weight");
            Assert.Equal(!offered, output.Contains("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.", StringComparison.Ordinal));
            Assert.Equal(offered ? "300" : "0", engine.Inspect(name, "{{.HostConfig.BlkioWeight}}"));
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    private static bool IsBlockDevice(string path)
    {
        var name = Path.GetFileName(path);
        return File.Exists($"/sys/class/block/{name}/dev") && !name.StartsWith("loop", StringComparison.Ordinal) && !name.StartsWith("zram", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecPrivilegedGetsEveryCapabilityAndPlainExecTheContainers(string client)
    {
        var name = $"exec-privileged-{client}";
        engine.Docker("run", "-d", "--name", name, "busybox", "sleep", "300").Ok();
        try
        {
            var all = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal))["CapBnd:".Length..].Trim();
            Assert.Equal("CapEff:\t" + all, engine.Cli(client, "exec", "--privileged", name, "grep", "^CapEff", "/proc/self/status").Ok());
            Assert.Equal("CapEff:\t00000000a80425fb", engine.Cli(client, "exec", name, "grep", "^CapEff", "/proc/self/status").Ok());
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnAppArmorProfileIsIgnoredWithAWarningWhereTheHostHasNoAppArmor(string client)
    {
        var r = engine.Cli(client, "run", "--rm", "--security-opt", "apparmor=docker-default", "--security-opt", "label=disable", "busybox", "echo", "ran");
        if (File.Exists("/sys/module/apparmor/parameters/enabled") && File.ReadAllText("/sys/module/apparmor/parameters/enabled").StartsWith('Y'))
        {
            // Berth cannot load AppArmor profiles yet: asking for one where it would matter is refused.
            r.ExpectExit(125);
            Assert.Contains("--security-opt apparmor=docker-default: not supported", r.Stderr, StringComparison.Ordinal);
            return;
        }
        Assert.Equal("ran", r.Ok());
        Assert.Contains("WARNING: AppArmor is not enabled on this host: the apparmor profile \"docker-default\" is ignored", r.Stderr, StringComparison.Ordinal);
    }
}

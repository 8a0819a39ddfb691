using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// <c>--pid</c>, <c>--ipc</c>, <c>--uts</c>, <c>--cgroupns</c> and <c>--userns</c>: a container shares a namespace
/// with the host or with another container only when asked, and a namespace is compared by its inode
/// (<c>readlink /proc/self/ns/X</c>), the way the kernel tells namespaces apart.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class NamespaceModeTests(BerthEngine engine)
{
    private static string HostNamespace(string type) => new FileInfo($"/proc/self/ns/{type}").LinkTarget!;

    private string Namespace(string client, string type, params string[] options) =>
        engine.Cli(client, ["run", "--rm", .. options, "busybox", "readlink", $"/proc/self/ns/{type}"]).Ok();

    private string Running(string name, params string[] options)
    {
        engine.Docker(["run", "-d", "--name", name, .. options, "busybox", "sleep", "300"]).Ok();
        return name;
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void HostModesShareTheHostsNamespacesAndDefaultsDoNot(string client)
    {
        foreach (var (type, option) in new[] { ("pid", "--pid"), ("ipc", "--ipc"), ("uts", "--uts"), ("cgroup", "--cgroupns") })
        {
            Assert.Equal(HostNamespace(type), Namespace(client, type, option, "host"));
        }
        foreach (var type in new[] { "pid", "ipc", "uts", "mnt", "net" })
        {
            Assert.NotEqual(HostNamespace(type), Namespace(client, type));
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PidHostSeesTheHostsProcessesAndUtsHostItsName(string client)
    {
        // berthd is a host process: with the host's PID namespace the container sees it by its host pid.
        var daemonPid = engine.Daemon.Pid;
        Assert.Equal("berthd", engine.Cli(client, "run", "--rm", "--pid", "host", "busybox", "cat", $"/proc/{daemonPid}/comm").Ok());
        Assert.Equal(Environment.MachineName, engine.Cli(client, "run", "--rm", "--uts", "host", "busybox", "hostname").Ok());
        var r = engine.Cli(client, "run", "--rm", "--uts", "host", "-h", "other", "busybox", "true");
        r.ExpectExit(125);
        Assert.Contains("conflicting options: hostname and the UTS mode", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PidContainerJoinsAnotherContainersProcessTree(string client)
    {
        var owner = Running($"pid-owner-{client}");
        try
        {
            Assert.Equal(Namespace(client, "pid", "--pid", $"container:{owner}"), engine.Docker("exec", owner, "readlink", "/proc/self/ns/pid").Ok());
            var ps = engine.Cli(client, "run", "--rm", "--pid", $"container:{owner}", "busybox", "ps", "-o", "pid,args").Ok();
            Assert.Contains("1 sleep 300", ps.Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);

            engine.Docker("stop", "-t", "0", owner).Ok();
            var stopped = engine.Cli(client, "run", "--rm", "--pid", $"container:{owner}", "busybox", "true");
            stopped.ExpectExit(125);
            Assert.Contains($"failed to join PID namespace: container {owner} is not running", stopped.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            engine.Docker("rm", "-f", owner);
        }
        var missing = engine.Cli(client, "run", "--rm", "--pid", "container:no-such-container-here", "busybox", "true");
        missing.ExpectExit(125);
        Assert.Contains("No such container: no-such-container-here", missing.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void IpcContainerSharesTheDonorsNamespaceAndShm(string client)
    {
        var donor = Running($"ipc-donor-{client}", "--ipc", "shareable");
        var id = engine.Inspect(donor, "{{.Id}}");
        try
        {
            engine.Docker("exec", donor, "sh", "-c", "echo from-donor > /dev/shm/marker").Ok();
            var seen = engine.Cli(client, "run", "--rm", "--ipc", $"container:{donor}", "busybox", "sh", "-c", "cat /dev/shm/marker; readlink /proc/self/ns/ipc").Ok();
            Assert.Equal($"from-donor\n{engine.Docker("exec", donor, "readlink", "/proc/self/ns/ipc").Ok()}", seen);
            // The donor's /dev/shm is a tmpfs on the host, so another container can bind it.
            Assert.Contains(HostTraces.MountPoints(engine.Daemon), m => m.Contains(id, StringComparison.Ordinal) && m.EndsWith("/shm", StringComparison.Ordinal));
        }
        finally
        {
            engine.Docker("rm", "-f", donor).Ok();
        }
        Assert.DoesNotContain(HostTraces.MountPoints(engine.Daemon), m => m.Contains(id, StringComparison.Ordinal));
        HostTraces.AssertNoneOf(engine.Daemon, id);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void IpcContainerOfAPrivateDonorIsRefused(string client)
    {
        var donor = Running($"ipc-private-{client}");
        try
        {
            var r = engine.Cli(client, "run", "--rm", "--ipc", $"container:{donor}", "busybox", "true");
            r.ExpectExit(125);
            Assert.Contains("non-shareable IPC (hint: use IpcMode:shareable for the donor container)", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            engine.Docker("rm", "-f", donor).Ok();
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void IpcNoneHasNoShmAndIpcHostHasTheHosts(string client)
    {
        Assert.Equal("", engine.Cli(client, "run", "--rm", "--ipc", "none", "busybox", "sh", "-c", "grep ' /dev/shm ' /proc/mounts; true").Ok());
        var marker = "berth-e2e-ipc-host-" + client;
        File.WriteAllText(Path.Join("/dev/shm", marker), "from-host");
        try
        {
            Assert.Equal("from-host", engine.Cli(client, "run", "--rm", "--ipc", "host", "busybox", "cat", "/dev/shm/" + marker).Ok());
        }
        finally
        {
            File.Delete(Path.Join("/dev/shm", marker));
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void UsernsHostIsAcceptedAndInspectShowsTheModes(string client)
    {
        var name = $"modes-{client}";
        engine.Cli(client, "create", "--name", name, "--userns", "host", "--pid", "host", "--ipc", "shareable", "--uts", "host", "--cgroupns", "host", "busybox", "true").Ok();
        try
        {
            Assert.Equal("host host shareable host host", engine.Inspect(name, "{{.HostConfig.UsernsMode}} {{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.HostConfig.CgroupnsMode}}"));
            engine.Docker("start", "-a", name).Ok();
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    [Fact]
    public async Task AnInvalidModeIsRefusedByTheDaemonWithDockersMessage()
    {
        foreach (var (field, value, message) in new[]
        {
            ("PidMode", "bogus", "invalid PID mode: bogus"), ("IpcMode", "bogus", "invalid IPC mode: bogus"),
            ("UTSMode", "bogus", "invalid UTS mode: bogus"), ("CgroupnsMode", "bogus", "invalid cgroup namespace mode: bogus"),
        })
        {
            var r = await engine.Api.PostJsonAsync("/containers/create", $$$"""{"Image":"busybox","Cmd":["true"],"HostConfig":{"{{{field}}}":"{{{value}}}"}}""");
            Assert.Equal(400, r.Status);
            Assert.Contains(message, r.Body, StringComparison.Ordinal);
        }
    }
}

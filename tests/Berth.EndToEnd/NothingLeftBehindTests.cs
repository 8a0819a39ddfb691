using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// Once a container is gone, so is every trace of it on the host: no mount under the data or exec root, no cgroup
/// in any hierarchy, no state directory, no shim. Read from /proc and /sys directly, never from the daemon.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class NothingLeftBehindTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AfterRmOfARunningContainer(string client)
    {
        var id = engine.Cli(client, "run", "-d", "busybox", "sleep", "100").Ok();
        var traces = HostTraces.Of(engine.Daemon, id);
        // The probes see a running container's traces, so that their silence below means something.
        Assert.Contains(traces, t => t.StartsWith("mount ", StringComparison.Ordinal));
        Assert.Contains(traces, t => t.StartsWith("cgroup ", StringComparison.Ordinal) && t.Contains("/memory/", StringComparison.Ordinal));
        Assert.Contains(traces, t => t.StartsWith("shim process ", StringComparison.Ordinal));
        Assert.Contains($"directory {engine.Daemon.DataRoot}/containers/{id}", traces);
        Assert.Contains($"directory {engine.Daemon.ExecRoot}/containers/{id}", traces);

        engine.Cli(client, "rm", "-f", id).Ok();

        HostTraces.AssertNoneOf(engine.Daemon, id);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnExitedContainerKeepsOnlyItsRecord(string client)
    {
        var id = engine.Cli(client, "run", "-d", "busybox", "true").Ok();
        Assert.Equal("0", engine.Cli(client, "wait", id).Ok());

        Poll.Until($"the shim of {id} to exit", () => HostTraces.Shims(), shims => shims.All(s => s.Id != id));
        Assert.Equal([$"directory {engine.Daemon.DataRoot}/containers/{id}"], HostTraces.Of(engine.Daemon, id));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AfterRunRm(string client)
    {
        var before = HostTraces.InRoots(engine.Daemon);
        var cidFile = engine.Scratch("cid");

        Assert.Equal("bye", engine.Cli(client, "run", "--rm", "--cidfile", cidFile, "busybox", "echo", "bye").Ok());

        HostTraces.AssertNoneOf(engine.Daemon, File.ReadAllText(cidFile).Trim());
        Assert.Empty(HostTraces.InRoots(engine.Daemon).Except(before));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AfterAFailedStartAndRm(string client)
    {
        var before = HostTraces.InRoots(engine.Daemon);
        var name = $"failed-then-removed-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "nosuchcmd").ExpectExit(127);
        var id = engine.Inspect(name, "{{.Id}}");

        engine.Cli(client, "rm", name).Ok();

        HostTraces.AssertNoneOf(engine.Daemon, id);
        Assert.Empty(HostTraces.InRoots(engine.Daemon).Except(before));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AfterAFailedStartWithRunRm(string client)
    {
        var before = HostTraces.InRoots(engine.Daemon);
        var cidFile = engine.Scratch("cid");

        engine.Cli(client, "run", "--rm", "--cidfile", cidFile, "busybox", "nosuchcmd").ExpectExit(127);

        HostTraces.AssertNoneOf(engine.Daemon, File.ReadAllText(cidFile).Trim());
        Assert.Empty(HostTraces.InRoots(engine.Daemon).Except(before));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AfterANameConflict(string client)
    {
        var name = $"conflicted-{client}";
        engine.Cli(client, "create", "--name", name, "busybox").Ok();
        var containers = engine.Docker("ps", "-aq").Lines.Count;
        var before = HostTraces.InRoots(engine.Daemon);

        engine.Cli(client, "run", "--name", name, "busybox", "true").ExpectExit(125);

        Assert.Empty(HostTraces.InRoots(engine.Daemon).Except(before));
        Assert.Equal(containers, engine.Docker("ps", "-aq").Lines.Count);
    }
}

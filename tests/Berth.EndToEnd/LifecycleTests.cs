using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>wait, stop, kill, rm and names: the verbs that end containers, and what they refuse.</summary>
[Collection(BerthCollection.Name)]
public sealed class LifecycleTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker", "exit 5", "5")]
    [InlineData("berth", "exit 5", "5")]
    [InlineData("docker", "sleep 1; exit 4", "4")]
    [InlineData("berth", "sleep 1; exit 4", "4")]
    public void WaitPrintsTheExitCode(string client, string script, string expected)
    {
        var id = engine.Cli(client, "run", "-d", "busybox", "sh", "-c", script).Ok();

        Assert.Equal(expected, engine.Cli(client, "wait", id).Ok());
    }

    // busybox sleep as PID 1 has no SIGTERM handler, and the kernel ignores unhandled signals for a pid namespace's init.
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StopKillsAfterTheTimeoutWhatIgnoresSigterm(string client)
    {
        var name = $"stop-ignores-term-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sleep", "100").Ok();

        var stop = engine.Cli(client, "stop", "-t", "1", name);

        Assert.Equal(name, stop.Ok());
        // Not before the second asked for; well before the default 10 s, with room for a loaded machine's CLI start.
        Assert.InRange(stop.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        Assert.Equal("exited 137", engine.Inspect(name, "{{.State.Status}} {{.State.ExitCode}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StopEndsAContainerThatHandlesSigtermAtOnce(string client)
    {
        var name = $"stop-handles-term-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 1; done").Ok();
        engine.WaitForLog(name, "ready");

        var stop = engine.Cli(client, "stop", name);

        Assert.Equal(name, stop.Ok());
        // Waiting out the 10 s default before a SIGKILL would take longer; a loaded machine takes seconds, not ten.
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(8), $"stop took {stop.Elapsed}, as if SIGTERM had not been delivered");
        Assert.Equal("exited 0", engine.Inspect(name, "{{.State.Status}} {{.State.ExitCode}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StoppingAStoppedContainerSucceeds(string client)
    {
        var name = $"stop-stopped-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "true").Ok();

        Assert.Equal(name, engine.Cli(client, "stop", name).Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void KillSendsSigkillByDefault(string client)
    {
        var name = $"killed-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sleep", "100").Ok();

        Assert.Equal(name, engine.Cli(client, "kill", name).Ok());

        Assert.Equal("137", engine.Cli(client, "wait", name).Ok());
    }

    // compat(docker): a SIGKILL returns once the container has exited, so the next command finds it stopped.
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void KillReturnsOnceTheContainerHasExited(string client)
    {
        var name = $"killed-then-removed-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sleep", "100").Ok();

        engine.Cli(client, "kill", name).Ok();

        Assert.Equal("exited 137", engine.Inspect(name, "{{.State.Status}} {{.State.ExitCode}}"));
        Assert.Equal(name, engine.Cli(client, "rm", name).Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void KillSendsTheSignalItIsGiven(string client)
    {
        var name = $"hung-up-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c", "trap 'echo hangup; exit 3' HUP; echo ready; while true; do sleep 0.1; done").Ok();
        engine.WaitForLog(name, "ready");

        Assert.Equal(name, engine.Cli(client, "kill", "-s", "HUP", name).Ok());

        Assert.Equal("3", engine.Cli(client, "wait", name).Ok());
        Assert.Equal("ready\nhangup\n", engine.Docker("logs", name).Stdout);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void KillingAStoppedContainerIsAnError(string client)
    {
        var name = $"kill-stopped-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "true").Ok();
        var id = engine.Inspect(name, "{{.Id}}");

        var kill = engine.Cli(client, "kill", name);

        kill.ExpectExit(1);
        Assert.Contains($"Cannot kill container: {name}: Container {id} is not running", kill.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RmRefusesARunningContainerAndRmForceRemovesIt(string client)
    {
        var name = $"rm-running-{client}";
        var id = engine.Cli(client, "run", "-d", "--name", name, "busybox", "sleep", "100").Ok();

        var rm = engine.Cli(client, "rm", name);

        rm.ExpectExit(1);
        Assert.Contains($"You cannot remove a running container {id}. Stop the container before attempting removal or force remove", rm.Stderr, StringComparison.Ordinal);
        Assert.Equal("running", engine.Inspect(name, "{{.State.Status}}"));

        Assert.Equal(name, engine.Cli(client, "rm", "-f", name).Ok());
        Assert.Contains($"No such object: {name}", engine.Cli(client, "inspect", name).Stderr, StringComparison.Ordinal);
    }

    // compat(docker): the real docker CLI exits 125 when run fails this way, but 1 when create does.
    [Theory]
    [InlineData("docker", "run", 125)]
    [InlineData("berth", "run", 125)]
    [InlineData("docker", "create", 1)]
    [InlineData("berth", "create", 1)]
    public void ANameInUseIsAConflict(string client, string verb, int exitCode)
    {
        var name = $"name-taken-{verb}-{client}";
        var id = engine.Cli(client, "create", "--name", name, "busybox").Ok();

        var second = engine.Cli(client, verb, "--name", name, "busybox", "true");

        second.ExpectExit(exitCode);
        Assert.Contains($"Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.",
            second.Stderr, StringComparison.Ordinal);
        Assert.Equal([id[..12]], engine.Docker("ps", "-aq", "--filter", $"name={name}").Lines);
    }
}

using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>Restart policies: Docker's rule, its back-off, <c>docker stop</c> holding them, and a daemon restart.</summary>
[Collection(BerthCollection.Name)]
public sealed class RestartPolicyTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void OnFailureRestartsUpToItsCountThenStays(string client)
    {
        var name = $"on-failure-{client}";
        engine.Cli(client, "run", "-d", "--restart", "on-failure:2", "--name", name, "busybox", "sh", "-c", "echo run; exit 3").Ok();

        Poll.Until("two restarts and the end", () => engine.Inspect(name, "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}"), s => s == "2 exited 3");
        Assert.Equal(["run", "run", "run"], engine.Cli(client, "logs", name).Lines);
        Assert.Matches(@"^Exited \(3\) ", engine.PsStatus(client, name));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void OnFailureLeavesASuccessAlone(string client)
    {
        var name = $"on-failure-ok-{client}";

        engine.Cli(client, "run", "--restart", "on-failure", "--name", name, "busybox", "true").Ok();

        Assert.Equal("0 exited", engine.Inspect(name, "{{.RestartCount}} {{.State.Status}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AlwaysRestartsUntilStopped(string client)
    {
        var name = $"always-{client}";
        engine.Cli(client, "run", "-d", "--restart", "always", "--name", name, "busybox", "sh", "-c", "sleep 0.2; exit 0").Ok();
        Poll.Until("a second restart", () => int.Parse(engine.Inspect(name, "{{.RestartCount}}"), System.Globalization.CultureInfo.InvariantCulture), n => n >= 2);

        engine.Cli(client, "stop", "-t", "1", name).Ok();
        var count = engine.Inspect(name, "{{.RestartCount}}");
        Thread.Sleep(TimeSpan.FromSeconds(2)); // proving an absence: no restart comes after a stop

        Assert.Equal($"{count} exited false", engine.Inspect(name, "{{.RestartCount}} {{.State.Status}} {{.State.Restarting}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void KillIsNotAStop(string client)
    {
        var name = $"always-killed-{client}";
        engine.Cli(client, "run", "-d", "--restart", "always", "--name", name, "busybox", "sleep", "100").Ok();
        var pid = engine.Inspect(name, "{{.State.Pid}}");

        engine.Cli(client, "kill", name).Ok();

        Poll.Until("the restart after kill", () => engine.Inspect(name, "{{.RestartCount}} {{.State.Status}} {{.State.Pid}}"), s => s.StartsWith("1 running ", StringComparison.Ordinal) && !s.EndsWith(" " + pid, StringComparison.Ordinal));
    }

    [Fact]
    public void AlwaysComesBackWithTheDaemonUnlessStoppedDoesNot()
    {
        engine.Docker("run", "-d", "--restart", "always", "--name", "policy-always", "busybox", "sleep", "100").Ok();
        engine.Docker("run", "-d", "--restart", "unless-stopped", "--name", "policy-unless", "busybox", "sleep", "100").Ok();
        engine.Docker("run", "-d", "--restart", "unless-stopped", "--name", "policy-unless-killed", "busybox", "sleep", "100").Ok();
        engine.Docker("stop", "-t", "0", "policy-always", "policy-unless").Ok();
        var killedPid = engine.Inspect("policy-unless-killed", "{{.State.Pid}}");

        Assert.Equal(0, engine.Daemon.Stop("KILL") - 137);
        try
        {
            // Dies while no daemon watches: the next daemon finds it exited and its policy wants it back.
            ProcessRunner.Run("kill", ["-9", killedPid]).Ok();
            Poll.Until($"pid {killedPid} to exit", () => Directory.Exists("/proc/" + killedPid), exists => !exists);
        }
        finally
        {
            engine.Daemon.Start();
        }

        Poll.Until("always to be back", () => engine.Inspect("policy-always", "{{.State.Status}}"), s => s == "running");
        Poll.Until("the killed unless-stopped to be back", () => engine.Inspect("policy-unless-killed", "{{.State.Status}}"), s => s == "running");
        Assert.Equal("exited", engine.Inspect("policy-unless", "{{.State.Status}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ARestartingContainerIsRemovedOnlyByForce(string client)
    {
        var name = $"restarting-rm-{client}";
        engine.Cli(client, "run", "-d", "--restart", "always", "--name", name, "busybox", "false").Ok();
        Poll.Until("a long back-off", () => int.Parse(engine.Inspect(name, "{{.RestartCount}}"), System.Globalization.CultureInfo.InvariantCulture), n => n >= 4);
        Poll.Until("the restarting state", () => engine.PsStatus(client, name), s => s.StartsWith("Restarting (1) ", StringComparison.Ordinal));

        var rm = engine.Cli(client, "rm", name);
        if (rm.ExitCode == 0)
        {
            return; // it was running at that instant: a plain rm of a running container is refused elsewhere
        }
        Assert.Contains("You cannot remove a", rm.Stderr);
        engine.Cli(client, "rm", "-f", name).Ok();
        Assert.Equal("", engine.PsStatus(client, name));
    }

    [Theory]
    [InlineData("docker", "bogus", "invalid restart policy")]
    [InlineData("berth", "bogus", "invalid restart policy")]
    [InlineData("docker", "always:3", "maximum retry count can only be used with 'on-failure'")]
    [InlineData("berth", "always:3", "maximum retry count can only be used with 'on-failure'")]
    public void ABadPolicyIsRefused(string client, string policy, string message)
    {
        var r = engine.Cli(client, "create", "--restart", policy, "busybox");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }
}

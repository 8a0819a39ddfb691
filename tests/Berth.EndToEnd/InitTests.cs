using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary><c>--init</c>: Berth's own init as PID 1 forwards signals and reaps zombies; OOM kills are reported.</summary>
[Collection(BerthCollection.Name)]
public sealed class InitTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void InitIsPid1AndTheExitCodePassesThrough(string client)
    {
        var r = engine.Cli(client, "run", "--rm", "--init", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '; exit 5");

        Assert.Equal(5, r.ExitCode);
        Assert.StartsWith("/sbin/docker-init -- sh -c", r.Text, StringComparison.Ordinal);
    }

    // An orphan is reparented to PID 1. `sleep` as PID 1 never waits for it, so it stays a zombie; the init reaps it.
    [Theory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void InitReapsZombies(bool init, bool zombieExpected)
    {
        var name = $"zombies-init-{init}";
        var args = new List<string> { "run", "-d", "--name", name };
        if (init)
        {
            args.Add("--init");
        }
        args.AddRange(["busybox", "sh", "-c", "(sleep 0.2 &); exec sleep 100"]);
        engine.Docker([.. args]).Ok();

        string States() => engine.Docker("exec", name, "ps", "-o", "stat,comm").Stdout;
        if (zombieExpected)
        {
            Poll.Until("the orphan to become a zombie", States, s => s.Contains("Z ", StringComparison.Ordinal));
        }
        else
        {
            Thread.Sleep(1000); // proving an absence: the orphan has long exited by now
            Assert.DoesNotContain("Z ", States());
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void InitForwardsTheStopSignal(string client)
    {
        var name = $"init-stop-{client}";
        engine.Cli(client, "run", "-d", "--init", "--name", name, "busybox", "sleep", "100").Ok();

        var stop = engine.Cli(client, "stop", name);

        Assert.Equal(name, stop.Ok());
        // Under the default 10 s after which a SIGKILL would end it (the exit code tells the two apart too).
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(8), $"stop took {stop.Elapsed}: SIGTERM did not reach sleep through the init");
        Assert.Equal("143", engine.Inspect(name, "{{.State.ExitCode}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StopSignalAndStopTimeoutAreUsed(string client)
    {
        var name = $"stop-signal-{client}";
        engine.Cli(client, "run", "-d", "--stop-signal", "USR1", "--stop-timeout", "1", "--name", name, "busybox", "sh", "-c",
            "trap 'echo got usr1; exit 4' USR1; echo ready; while true; do sleep 0.1; done").Ok();
        engine.WaitForLog(name, "ready");

        engine.Cli(client, "stop", name).Ok();

        Assert.Equal("exited 4", engine.Inspect(name, "{{.State.Status}} {{.State.ExitCode}}"));
        Assert.Contains("got usr1", engine.Docker("logs", name).Stdout);
    }

    [Fact]
    public void AnOomKillIsReported()
    {
        var name = "oom-killed";
        var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        // tail buffers a "line" of /dev/zero that never ends, until the memory limit stops it.
        var r = engine.Docker("run", "-m", "16m", "--memory-swap", "16m", "--name", name, "busybox", "tail", "/dev/zero");

        Assert.Equal(137, r.ExitCode);
        Assert.Equal("true 137", engine.Inspect(name, "{{.State.OOMKilled}} {{.State.ExitCode}}"));
        var until = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var events = engine.Docker("events", "--since", since, "--until", until, "--filter", "container=" + name, "--format", "{{.Action}}").Lines;
        Assert.Contains("oom", events);
        Assert.True(events.ToList().IndexOf("oom") < events.ToList().IndexOf("die"), string.Join(",", events));
    }
}

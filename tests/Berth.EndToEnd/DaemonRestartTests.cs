using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// berthd can go away and come back: its state is on disk, and running containers belong to their shims, so they
/// keep running (and logging) while it is down and it reattaches to them when it starts again.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class DaemonRestartTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ImagesContainersLogsAndExitCodesSurviveARestart(string client)
    {
        var (exited, created, image) = ($"survives-exited-{client}", $"survives-created-{client}", $"survives-{client}:1");
        engine.Cli(client, "tag", "busybox", image).Ok();
        engine.Cli(client, "run", "--name", exited, "busybox", "sh", "-c", "echo before the restart; echo on stderr >&2; exit 3").ExpectExit(3);
        engine.Cli(client, "create", "--name", created, "busybox").Ok();
        var imageId = engine.Inspect(image, "{{.Id}}");

        Restart("TERM");

        Assert.Equal(imageId, engine.Cli(client, "image", "inspect", "-f", "{{.Id}}", image).Ok());
        Assert.Equal("exited 3", engine.Cli(client, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", exited).Ok());
        Assert.Matches(@"^Exited \(3\) .+ ago$", engine.PsStatus(client, exited));
        Assert.Equal("Created", engine.PsStatus(client, created));
        var logs = engine.Cli(client, "logs", exited);
        Assert.Equal(("before the restart\n", "on stderr\n"), (logs.Stdout, logs.Stderr));
        Assert.Equal("after", engine.Cli(client, "run", "--rm", image, "echo", "after").Ok());
    }

    [Theory]
    [InlineData("docker", "TERM")]
    [InlineData("berth", "TERM")]
    [InlineData("docker", "KILL")]
    [InlineData("berth", "KILL")]
    public void RunningContainersOutliveTheDaemon(string client, string signal)
    {
        var (live, dies) = ($"outlives-{signal}-{client}", $"exits-while-down-{signal}-{client}");
        engine.Cli(client, "run", "-d", "--name", live, "busybox", "sh", "-c",
            "trap 'exit 0' TERM; trap 'echo poked while down' USR1; echo ready; while true; do sleep 0.1; done").Ok();
        engine.Cli(client, "run", "-d", "--name", dies, "busybox", "sh", "-c",
            "trap 'echo leaving while down; exit 7' USR1; echo ready; while true; do sleep 0.1; done").Ok();
        engine.WaitForLog(live, "ready");
        engine.WaitForLog(dies, "ready");
        var livePid = engine.Inspect(live, "{{.State.Pid}}");
        var diesPid = engine.Inspect(dies, "{{.State.Pid}}");

        var status = engine.Daemon.Stop(signal);
        try
        {
            Assert.Equal(signal == "TERM" ? 0 : 128 + 9, status);
            // While berthd is down: one container writes to its log, the other exits.
            ProcessRunner.Run("kill", ["-s", "USR1", livePid]).Ok();
            ProcessRunner.Run("kill", ["-s", "USR1", diesPid]).Ok();
            Poll.Until($"pid {diesPid} to exit", () => Directory.Exists("/proc/" + diesPid), exists => !exists);
            Assert.True(Directory.Exists("/proc/" + livePid), "the live container died with the daemon");
        }
        finally
        {
            engine.Daemon.Start();
        }

        Assert.StartsWith("Up ", engine.PsStatus(client, live), StringComparison.Ordinal);
        Assert.Equal($"running {livePid}", engine.Cli(client, "inspect", "-f", "{{.State.Status}} {{.State.Pid}}", live).Ok());
        Poll.Until("the line written while berthd was down", () => engine.Cli(client, "logs", live), r => r.Stdout == "ready\npoked while down\n");
        Assert.Equal("exited 7", engine.Cli(client, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", dies).Ok());
        Assert.Equal("ready\nleaving while down\n", engine.Cli(client, "logs", dies).Stdout);

        var stop = engine.Cli(client, "stop", live);
        Assert.Equal(live, stop.Ok());
        // Under the default 10 s after which a SIGKILL would end it (the exit code tells the two apart too).
        Assert.True(stop.Elapsed < TimeSpan.FromSeconds(8), $"stop took {stop.Elapsed}: the reattached container did not get SIGTERM");
        Assert.Equal("exited 0", engine.Cli(client, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", live).Ok());
        Assert.False(Directory.Exists("/proc/" + livePid), $"pid {livePid} outlived docker stop");
    }

    [Theory]
    [InlineData("docker", "TERM")]
    [InlineData("berth", "KILL")]
    public async Task ReattachedContainersServeExecLogsWaitAndStats(string client, string signal)
    {
        var name = $"reattached-{signal}-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c",
            "trap 'echo bye; exit 6' TERM; echo ready; while true; do sleep 0.1; done").Ok();
        engine.WaitForLog(name, "ready");

        Assert.Equal(signal == "TERM" ? 0 : 137, engine.Daemon.Stop(signal));
        engine.Daemon.Start();

        Assert.Equal("in the same container", engine.Cli(client, "exec", name, "sh", "-c", "echo in the same container").Ok());
        Assert.Matches(@"^\d+$", engine.Cli(client, "stats", "--no-stream", "--format", "{{.PIDs}}", name).Ok());
        using var follow = new System.Diagnostics.Process
        {
            StartInfo = new System.Diagnostics.ProcessStartInfo(client == "berth" ? RepoLayout.Binary("berth") : "docker", ["logs", "-f", name])
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
                Environment = { ["DOCKER_HOST"] = engine.Daemon.Host },
            },
        };
        follow.Start();
        var wait = Task.Run(() => engine.Cli(client, "wait", name));
        engine.Cli(client, "kill", "-s", "TERM", name).Ok();

        Assert.Equal("6", (await wait).Ok());
        Assert.True(follow.WaitForExit(10_000), "logs -f did not end when the reattached container stopped");
        Assert.Equal("ready\nbye\n", follow.StandardOutput.ReadToEnd());
    }

    private void Restart(string signal)
    {
        try
        {
            Assert.Equal(0, engine.Daemon.Stop(signal));
        }
        finally
        {
            engine.Daemon.Start();
        }
    }
}

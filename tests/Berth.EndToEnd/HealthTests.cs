using System.Globalization;
using System.Text.Json;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// Health checks: the probe runs as an exec in the container, its results move <c>State.Health</c> (Docker's JSON),
/// <c>ps</c> words and filters it, events announce its changes, and it follows the container through stop, start and
/// a daemon restart. Intervals are short and every wait is a poll.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class HealthTests(BerthEngine engine)
{
    private string Health(string name) => engine.Inspect(name, "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}");

    private JsonElement HealthJson(string name) => JsonDocument.Parse(engine.Inspect(name, "{{json .State.Health}}")).RootElement;

    private void WaitForHealth(string name, string status) =>
        Poll.Until($"{name} to be {status}", () => Health(name), h => h == status);

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void APassingProbeMakesTheContainerHealthy(string client)
    {
        var name = $"health-ok-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "--health-cmd", "echo probing; true", "--health-interval", "1s", "busybox", "sleep", "300").Ok();

        WaitForHealth(name, "healthy");

        var health = HealthJson(name);
        Assert.Equal(["FailingStreak", "Log", "Status"], health.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(0, health.GetProperty("FailingStreak").GetInt32());
        var result = health.GetProperty("Log")[0];
        Assert.Equal(["End", "ExitCode", "Output", "Start"], result.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal((0, "probing\n"), (result.GetProperty("ExitCode").GetInt32(), result.GetProperty("Output").GetString()));
        Assert.True(result.GetProperty("End").GetDateTimeOffset() >= result.GetProperty("Start").GetDateTimeOffset());
        Assert.Equal("""{"Test":["CMD-SHELL","echo probing; true"],"Interval":1000000000}""", engine.Inspect(name, "{{json .Config.Healthcheck}}"));
        Assert.Matches(@"^Up .+ \(healthy\)$", engine.PsStatus(client, name));
        // The probe is not left among the container's execs.
        Poll.Until("the probes' exec ids to go", () => engine.Inspect(name, "{{json .ExecIDs}}"), ids => ids == "null");
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void DuringTheStartPeriodProbesComeEveryStartInterval(string client)
    {
        // compat(docker): --health-start-interval needs API 1.44; the docker CLI refused it before berthd served 1.44.
        var name = $"health-start-interval-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "--health-cmd", "true", "--health-interval", "1h", "--health-start-period", "2h",
            "--health-start-interval", "200ms", "busybox", "sleep", "300").Ok();
        try
        {
            WaitForHealth(name, "healthy");

            Assert.Equal("""{"Test":["CMD-SHELL","true"],"Interval":3600000000000,"StartPeriod":7200000000000,"StartInterval":200000000}""",
                engine.Inspect(name, "{{json .Config.Healthcheck}}"));
            var started = DateTimeOffset.Parse(engine.Inspect(name, "{{.State.StartedAt}}"), CultureInfo.InvariantCulture);
            var firstProbe = HealthJson(name).GetProperty("Log")[0].GetProperty("Start").GetDateTimeOffset();
            // Not the hour of the interval, nor the default start interval's 5 s (the 200 ms asked for, and what a
            // loaded machine adds).
            Assert.True(firstProbe - started < TimeSpan.FromSeconds(4.5), $"first probe {firstProbe - started} after the start");
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    [Fact]
    public async Task InspectCarriesHealthInDockersShapeAndOnlyWithAProbe()
    {
        var (probed, plain) = ("health-shape", "health-shape-none");
        engine.Docker("run", "-d", "--name", probed, "--health-cmd", "true", "--health-interval", "200ms", "busybox", "sleep", "300").Ok();
        engine.Docker("run", "-d", "--name", plain, "busybox", "sleep", "300").Ok();
        WaitForHealth(probed, "healthy");

        using var withProbe = JsonDocument.Parse((await engine.Api.GetAsync($"/v1.41/containers/{probed}/json")).Body);
        using var without = JsonDocument.Parse((await engine.Api.GetAsync($"/v1.41/containers/{plain}/json")).Body);

        var health = withProbe.RootElement.GetProperty("State").GetProperty("Health");
        Assert.Equal(["Status", "FailingStreak", "Log"], health.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["Start", "End", "ExitCode", "Output"], health.GetProperty("Log")[0].EnumerateObject().Select(p => p.Name));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", health.GetProperty("Log")[0].GetProperty("Start").GetString());
        Assert.False(without.RootElement.GetProperty("State").TryGetProperty("Health", out _));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AFailingProbeMakesItUnhealthyAfterTheRetries(string client)
    {
        var name = $"health-bad-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "--health-cmd", "echo failing >&2; exit 1", "--health-interval", "300ms", "--health-retries", "2", "busybox", "sleep", "300").Ok();

        WaitForHealth(name, "unhealthy");

        var health = HealthJson(name);
        Assert.True(health.GetProperty("FailingStreak").GetInt32() >= 2);
        var last = health.GetProperty("Log").EnumerateArray().Last();
        Assert.Equal((1, "failing\n"), (last.GetProperty("ExitCode").GetInt32(), last.GetProperty("Output").GetString()));
        Assert.Matches(@"^Up .+ \(unhealthy\)$", engine.PsStatus(client, name));
        // The log keeps the last five results.
        Poll.Until("five results in the log", () => HealthJson(name).GetProperty("Log").GetArrayLength(), n => n == 5);
        Assert.Equal(5, HealthJson(name).GetProperty("Log").GetArrayLength());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AProbeThatOutlivesItsTimeoutIsKilledAndFails(string client)
    {
        var name = $"health-slow-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "--health-cmd", "echo started; exec sleep 3141", "--health-timeout", "300ms",
            "--health-interval", "300ms", "--health-retries", "1", "busybox", "sleep", "300").Ok();

        WaitForHealth(name, "unhealthy");

        // Every probe times out. One that a loaded machine starts slowly may not have printed within its 300 ms;
        // those that follow do, and what they printed comes with the timeout.
        const string Between = "\n---\n";
        var log = Poll.Until("a timed-out probe's output", () => string.Join(Between, HealthJson(name).GetProperty("Log").EnumerateArray()
            .Select(r => $"{r.GetProperty("ExitCode").GetInt32()} {r.GetProperty("Output").GetString()}")),
            l => l.Split(Between).Contains("-1 Health check exceeded timeout (300ms): started\n"));
        Assert.All(log.Split(Between), r => Assert.StartsWith("-1 Health check exceeded timeout (300ms)", r, StringComparison.Ordinal));
        // The killed probe is gone (the next one may be running: a moment with none is enough).
        Poll.Until("the killed probes to be gone", () => ProcessRunner.Run("pgrep", ["-f", "sleep 3141"]).Text, pids => pids.Length == 0);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PsWordsAndFiltersHealth(string client)
    {
        var (starting, healthy, unhealthy, none) = ($"hps-starting-{client}", $"hps-healthy-{client}", $"hps-unhealthy-{client}", $"hps-none-{client}");
        engine.Docker("run", "-d", "--name", starting, "--health-cmd", "true", "--health-interval", "1h", "busybox", "sleep", "300").Ok();
        engine.Docker("run", "-d", "--name", healthy, "--health-cmd", "true", "--health-interval", "200ms", "busybox", "sleep", "300").Ok();
        engine.Docker("run", "-d", "--name", unhealthy, "--health-cmd", "false", "--health-interval", "200ms", "--health-retries", "1", "busybox", "sleep", "300").Ok();
        engine.Docker("run", "-d", "--name", none, "busybox", "sleep", "300").Ok();
        WaitForHealth(healthy, "healthy");
        WaitForHealth(unhealthy, "unhealthy");

        Assert.Matches(@"^Up .+ \(health: starting\)$", engine.PsStatus(client, starting));
        Assert.Matches(@"^Up [^(]+$", engine.PsStatus(client, none));
        foreach (var (filter, expected) in new[] { ("starting", starting), ("healthy", healthy), ("unhealthy", unhealthy), ("none", none) })
        {
            var names = engine.Cli(client, "ps", "--filter", "health=" + filter, "--filter", "name=hps-.*-" + client, "--format", "{{.Names}}").Lines;
            Assert.True(names.SequenceEqual([expected]), $"health={filter}: {string.Join(", ", names)}");
        }
        var bad = engine.Cli(client, "ps", "--filter", "health=bogus");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("Unrecognised filter value for health: bogus", bad.Stderr);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheImagesHealthcheckIsUsedMergedOrDisabled(string client)
    {
        var image = $"healthy-image-{client}:1";
        engine.CliWithStdin(client, engine.BusyboxTar, "import", "-c", "HEALTHCHECK --interval=1s --retries=1 CMD true", "-", image).Ok();
        Assert.Equal("""{"Test":["CMD-SHELL","true"],"Interval":1000000000,"Retries":1}""", engine.Docker("image", "inspect", "-f", "{{json .Config.Healthcheck}}", image).Ok());
        var (inherits, overrides, disabled) = ($"himg-inherits-{client}", $"himg-overrides-{client}", $"himg-disabled-{client}");

        engine.Cli(client, "run", "-d", "--name", inherits, image, "sleep", "300").Ok();
        // The command is the container's; the interval and retries still come from the image.
        engine.Cli(client, "run", "-d", "--name", overrides, "--health-cmd", "exit 3", image, "sleep", "300").Ok();
        engine.Cli(client, "run", "-d", "--name", disabled, "--no-healthcheck", image, "sleep", "300").Ok();

        WaitForHealth(inherits, "healthy");
        WaitForHealth(overrides, "unhealthy");
        Assert.Equal("""{"Test":["CMD-SHELL","exit 3"],"Interval":1000000000,"Retries":1}""", engine.Inspect(overrides, "{{json .Config.Healthcheck}}"));
        Assert.Equal("none", Health(disabled));
        // compat(docker): the merge is field by field, so NONE keeps the image's other values (and they do nothing).
        Assert.Equal("""{"Test":["NONE"],"Interval":1000000000,"Retries":1}""", engine.Inspect(disabled, "{{json .Config.Healthcheck}}"));
        Assert.Matches(@"^Up [^(]+$", engine.PsStatus(client, disabled));
    }

    [Fact]
    public void ChangesOfStatusAndTheProbesExecsAreEvents()
    {
        var name = "health-events";
        var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        engine.Docker("run", "-d", "--name", name, "--health-cmd", "test ! -e /tmp/sick", "--health-interval", "200ms", "--health-retries", "1", "busybox", "sleep", "300").Ok();
        WaitForHealth(name, "healthy");
        engine.Docker("exec", name, "touch", "/tmp/sick").Ok();
        WaitForHealth(name, "unhealthy");
        var until = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1).ToString(CultureInfo.InvariantCulture);

        var health = engine.Docker("events", "--since", since, "--until", until, "--filter", "container=" + name, "--filter", "event=health_status", "--format", "{{.Action}}").Ok();
        var execs = engine.Docker("events", "--since", since, "--until", until, "--filter", "container=" + name, "--filter", "event=exec_create",
            "--filter", "event=exec_start", "--filter", "event=exec_die", "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}").Lines;

        Assert.Equal(["health_status: healthy", "health_status: unhealthy"], health.Split('\n'));
        Assert.Contains("exec_create: /bin/sh -c test ! -e /tmp/sick <no value>", execs);
        Assert.Contains("exec_start: /bin/sh -c test ! -e /tmp/sick <no value>", execs);
        Assert.Contains("exec_die 0", execs);
        Assert.Contains("exec_die 1", execs);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AStartBeginsAgainFromStartingAndKeepsTheLog(string client)
    {
        var name = $"health-restart-{client}";
        // The probe fails until /tmp/ok exists, and the container removes it whenever it starts. The interval leaves
        // the checks right after the start seconds before the first probe, even on a loaded machine.
        engine.Cli(client, "run", "-d", "--name", name, "--health-cmd", "test -e /tmp/ok", "--health-interval", "3s", "--health-retries", "1",
            "busybox", "sh", "-c", "rm -f /tmp/ok; exec sleep 300").Ok();
        WaitForHealth(name, "unhealthy");

        engine.Cli(client, "stop", "-t", "0", name).Ok();
        var stopped = HealthJson(name);
        Assert.Equal("unhealthy", stopped.GetProperty("Status").GetString());
        Assert.Matches(@"^Exited \(137\) ", engine.PsStatus(client, name));
        engine.Cli(client, "start", name).Ok();

        // compat(docker): starting again, the failures forgotten, the log kept.
        var started = HealthJson(name);
        Assert.Equal(("starting", 0), (started.GetProperty("Status").GetString(), started.GetProperty("FailingStreak").GetInt32()));
        Assert.Equal(stopped.GetProperty("Log").GetArrayLength(), started.GetProperty("Log").GetArrayLength());
        Assert.Matches(@"^Up .+ \(health: starting\)$", engine.PsStatus(client, name));
        engine.Docker("exec", name, "touch", "/tmp/ok").Ok();
        WaitForHealth(name, "healthy");
    }

    [Fact]
    public void ProbesResumeAfterADaemonRestart()
    {
        var name = "health-live-restore";
        engine.Docker("run", "-d", "--name", name, "--health-cmd", "test ! -e /tmp/sick", "--health-interval", "200ms", "--health-retries", "1", "busybox", "sleep", "300").Ok();
        WaitForHealth(name, "healthy");

        try
        {
            Assert.Equal(0, engine.Daemon.Stop("TERM"));
        }
        finally
        {
            engine.Daemon.Start();
        }
        var restarted = DateTimeOffset.UtcNow;

        Poll.Until("a probe after the restart", () => HealthJson(name).GetProperty("Log").EnumerateArray().Last().GetProperty("Start").GetDateTimeOffset(), t => t > restarted);
        engine.Docker("exec", name, "touch", "/tmp/sick").Ok();
        WaitForHealth(name, "unhealthy");
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void NothingOfAProbeOutlivesTheContainer(string client)
    {
        var name = $"health-gone-{client}";
        // A probe that would run for a day, recognisable on the host by its argument.
        var probe = client == "docker" ? "sleep 86401" : "sleep 86402";
        engine.Cli(client, "run", "-d", "--name", name, "--health-cmd", "exec " + probe, "--health-interval", "100ms", "busybox", "sleep", "300").Ok();
        var id = engine.Inspect(name, "{{.Id}}");
        Poll.Until("the probe to run", () => ProcessRunner.Run("pgrep", ["-f", probe]).Text, pids => pids.Length > 0);

        engine.Cli(client, "rm", "-f", name).Ok();

        HostTraces.AssertNoneOf(engine.Daemon, id);
        Poll.Until("the probe's process to be gone", () => ProcessRunner.Run("pgrep", ["-f", probe]).Text, pids => pids.Length == 0);
    }
}

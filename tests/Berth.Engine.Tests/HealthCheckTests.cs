using System.Text;
using Berth.Engine.Model;
using Berth.Oci;

namespace Berth.Engine.Tests;

/// <summary>Docker's health-check rules: merging with the image, the probe's command, status transitions, intervals.</summary>
public sealed class HealthCheckTests
{
    private const long Second = 1_000_000_000;
    private static readonly DateTimeOffset Started = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_container_values_the_image_healthcheck_is_used()
    {
        var image = new HealthConfig { Test = ["CMD", "true"], Interval = Second };
        Assert.Same(image, HealthCheck.Merge(null, image));
        Assert.Null(HealthCheck.Merge(null, null));
    }

    [Fact]
    public void Container_values_win_and_zero_values_inherit()
    {
        var image = new HealthConfig { Test = ["CMD", "true"], Interval = 5 * Second, Timeout = 3 * Second, StartPeriod = 7 * Second, StartInterval = 2 * Second, Retries = 4 };
        var container = new HealthConfig { Interval = Second, Retries = 2 };

        var merged = HealthCheck.Merge(container, image)!;

        Assert.Equal(["CMD", "true"], merged.Test);
        Assert.Equal((Second, 3 * Second, 7 * Second, 2 * Second, 2), (merged.Interval, merged.Timeout, merged.StartPeriod, merged.StartInterval, merged.Retries));
    }

    [Fact]
    public void No_healthcheck_overrides_the_image()
    {
        var merged = HealthCheck.Merge(new HealthConfig { Test = ["NONE"] }, new HealthConfig { Test = ["CMD", "true"] })!;
        Assert.Null(HealthCheck.ProbeCommand(new ContainerConfig { Healthcheck = merged }));
        Assert.Null(HealthCheck.AtStart(new ContainerConfig { Healthcheck = merged }, null));
    }

    [Theory]
    [InlineData(new[] { "CMD", "curl", "-f", "http://x" }, null, "curl|-f|http://x")]
    [InlineData(new[] { "CMD-SHELL", "exit 1" }, null, "/bin/sh|-c|exit 1")]
    [InlineData(new[] { "CMD-SHELL", "exit 1" }, new[] { "/bin/bash", "-ec" }, "/bin/bash|-ec|exit 1")]
    [InlineData(new[] { "NONE" }, null, null)]
    [InlineData(new[] { "CMD" }, null, null)]
    [InlineData(new[] { "WHAT", "x" }, null, null)]
    public void The_probe_runs_cmd_directly_and_cmd_shell_through_the_shell(string[] test, string[]? shell, string? expected)
    {
        var config = new ContainerConfig { Healthcheck = new HealthConfig { Test = [.. test] }, Shell = shell?.ToList() };
        var command = HealthCheck.ProbeCommand(config);
        Assert.Equal(expected, command is null ? null : string.Join('|', command));
    }

    [Theory]
    [InlineData(500_000L, 0L, 0, "Interval in Healthcheck cannot be less than 1ms")]
    [InlineData(0L, 10L, 0, "Timeout in Healthcheck cannot be less than 1ms")]
    [InlineData(0L, 0L, -1, "Retries in Healthcheck cannot be negative")]
    public void Create_refuses_what_docker_refuses(long interval, long timeout, int retries, string message)
    {
        var e = Assert.Throws<Common.BerthException>(() => HealthCheck.Validate(new HealthConfig { Test = ["CMD", "true"], Interval = interval, Timeout = timeout, Retries = retries }));
        Assert.Equal(message, e.Message);
    }

    private static HealthcheckResult Result(int code, double secondsAfterStart) =>
        new() { Start = Started.AddSeconds(secondsAfterStart), End = Started.AddSeconds(secondsAfterStart), ExitCode = code };

    [Fact]
    public void Failures_count_until_retries_then_unhealthy_and_a_success_resets()
    {
        var config = new HealthConfig { Test = ["CMD", "x"], Retries = 2 };
        var h = new HealthState();

        Assert.Null(HealthCheck.Apply(h, Result(1, 1), config, Started));
        Assert.Equal((HealthStatus.Starting, 1), (h.Status, h.FailingStreak));
        Assert.Equal(HealthStatus.Unhealthy, HealthCheck.Apply(h, Result(1, 2), config, Started));
        Assert.Null(HealthCheck.Apply(h, Result(1, 3), config, Started));
        Assert.Equal(3, h.FailingStreak);
        Assert.Equal(HealthStatus.Healthy, HealthCheck.Apply(h, Result(0, 4), config, Started));
        Assert.Equal(0, h.FailingStreak);
    }

    [Fact]
    public void Retries_default_to_three()
    {
        var config = new HealthConfig { Test = ["CMD", "x"] };
        var h = new HealthState();
        Assert.Null(HealthCheck.Apply(h, Result(1, 1), config, Started));
        Assert.Null(HealthCheck.Apply(h, Result(1, 2), config, Started));
        Assert.Equal(HealthStatus.Unhealthy, HealthCheck.Apply(h, Result(1, 3), config, Started));
    }

    [Fact]
    public void Failures_in_the_start_period_do_not_count_but_a_success_there_makes_it_healthy()
    {
        var config = new HealthConfig { Test = ["CMD", "x"], Retries = 1, StartPeriod = 10 * Second };
        var h = new HealthState();

        Assert.Null(HealthCheck.Apply(h, Result(1, 2), config, Started));
        Assert.Equal((HealthStatus.Starting, 0), (h.Status, h.FailingStreak));
        Assert.Equal(HealthStatus.Healthy, HealthCheck.Apply(h, Result(0, 3), config, Started));
        // Once healthy, a failure counts even inside the start period.
        Assert.Equal(HealthStatus.Unhealthy, HealthCheck.Apply(h, Result(1, 4), config, Started));
        var late = new HealthState();
        Assert.Equal(HealthStatus.Unhealthy, HealthCheck.Apply(late, Result(1, 11), config, Started));
    }

    [Fact]
    public void The_log_keeps_the_last_five_results()
    {
        var config = new HealthConfig { Test = ["CMD", "x"] };
        var h = new HealthState();
        for (var i = 0; i < 8; i++)
        {
            HealthCheck.Apply(h, Result(0, i), config, Started);
        }
        Assert.Equal([3.0, 4, 5, 6, 7], h.Log.Select(r => (r.Start - Started).TotalSeconds));
    }

    [Fact]
    public void A_restart_begins_starting_with_no_failures_and_keeps_the_log()
    {
        var previous = new HealthState { Status = HealthStatus.Unhealthy, FailingStreak = 4, Log = [Result(1, 1)] };
        var h = HealthCheck.AtStart(new ContainerConfig { Healthcheck = new HealthConfig { Test = ["CMD-SHELL", "true"] } }, previous)!;
        Assert.Equal((HealthStatus.Starting, 0, 1), (h.Status, h.FailingStreak, h.Log.Count));
    }

    [Theory]
    [InlineData(0L, 0L, 0L, 100.0, "starting", 30.0)] // defaults
    [InlineData(2L, 60L, 0L, 1.0, "starting", 5.0)] // start interval defaults to 5s inside the start period
    [InlineData(20L, 60L, 3L, 1.0, "starting", 3.0)]
    [InlineData(20L, 60L, 3L, 1.0, "healthy", 20.0)]
    [InlineData(20L, 10L, 3L, 1.0, "starting", 3.0)] // compat(docker): not the start period's end, though it comes first
    [InlineData(20L, 10L, 30L, 1.0, "starting", 30.0)] // a start interval longer than the start period is still waited
    [InlineData(20L, 10L, 3L, 11.0, "starting", 20.0)]
    public void Intervals_follow_the_start_period(long interval, long startPeriod, long startInterval, double elapsed, string status, double expected)
    {
        var config = new HealthConfig { Interval = interval * Second, StartPeriod = startPeriod * Second, StartInterval = startInterval * Second };
        Assert.Equal(expected, HealthCheck.NextInterval(config, Started, Started.AddSeconds(elapsed), status).TotalSeconds);
    }

    [Fact]
    public void The_timeout_message_is_dockers()
    {
        Assert.Equal("Health check exceeded timeout (1s)", HealthCheck.TimeoutMessage(TimeSpan.FromSeconds(1), ""));
        Assert.Equal("Health check exceeded timeout (2s): partial", HealthCheck.TimeoutMessage(TimeSpan.FromSeconds(2), "partial"));
    }

    [Fact]
    public void Output_is_cut_at_4096_bytes_with_an_ellipsis()
    {
        var output = new HealthCheck.LimitedOutput();
        output.Write(Encoding.ASCII.GetBytes(new string('a', 4000)));
        output.Write(Encoding.ASCII.GetBytes(new string('b', 200)));
        var text = output.ToString();
        Assert.Equal(4096 + 3, text.Length);
        Assert.EndsWith("bbb...", text, StringComparison.Ordinal);
        var small = new HealthCheck.LimitedOutput();
        small.Write("ok\n"u8);
        Assert.Equal("ok\n", small.ToString());
    }
}

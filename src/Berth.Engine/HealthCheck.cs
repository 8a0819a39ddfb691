using System.Text;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Oci;

namespace Berth.Engine;

/// <summary>
/// Docker's health-check rules, free of processes and clocks: how the container's <c>Healthcheck</c> merges with the
/// image's, what the probe runs, how a result moves the status, when the next probe runs
/// (moby <c>daemon/health.go</c>, <c>daemon/commit.go</c>).
/// </summary>
internal static class HealthCheck
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultStartInterval = TimeSpan.FromSeconds(5);
    public const int DefaultRetries = 3;
    public const int MaxLogEntries = 5;
    public const int MaxOutputBytes = 4096;

    /// <summary>compat(docker): the container's values win; an empty test or a zero value takes the image's.</summary>
    public static HealthConfig? Merge(HealthConfig? container, HealthConfig? image)
    {
        if (container is null || image is null)
        {
            return container ?? image;
        }
        if (container.Test is not { Count: > 0 })
        {
            container.Test = image.Test;
        }
        container.Interval = container.Interval == 0 ? image.Interval : container.Interval;
        container.Timeout = container.Timeout == 0 ? image.Timeout : container.Timeout;
        container.StartPeriod = container.StartPeriod == 0 ? image.StartPeriod : container.StartPeriod;
        container.StartInterval = container.StartInterval == 0 ? image.StartInterval : container.StartInterval;
        container.Retries = container.Retries == 0 ? image.Retries : container.Retries;
        return container;
    }

    /// <summary>compat(docker): what <c>POST /containers/create</c> refuses (<c>verifyContainerSettings</c>).</summary>
    public static void Validate(HealthConfig? h)
    {
        if (h is null)
        {
            return;
        }
        const long minimum = 1_000_000; // 1ms, Docker's MinimumDuration
        static void Check(long value, string name)
        {
            if (value != 0 && value < minimum)
            {
                throw BerthException.Invalid($"{name} in Healthcheck cannot be less than 1ms");
            }
        }
        Check(h.Interval, "Interval");
        Check(h.Timeout, "Timeout");
        if (h.Retries < 0)
        {
            throw BerthException.Invalid("Retries in Healthcheck cannot be negative");
        }
        Check(h.StartPeriod, "StartPeriod");
        Check(h.StartInterval, "StartInterval");
    }

    /// <summary>The command the probe runs: <c>CMD</c> as given, <c>CMD-SHELL</c> through the container's shell
    /// (<c>/bin/sh -c</c> by default); null for <c>NONE</c>, no test, or a kind Docker does not know.</summary>
    public static List<string>? ProbeCommand(ContainerConfig c) =>
        c.Healthcheck?.Test switch
        {
            ["CMD", _, ..] test => [.. test.Skip(1)],
            ["CMD-SHELL", _, ..] test => [.. c.Shell is { Count: > 0 } shell ? shell : ["/bin/sh", "-c"], .. test.Skip(1)],
            _ => null,
        };

    /// <summary>The health a (re)started container begins with: <c>starting</c>, no failures, the old log kept;
    /// null when there is no probe (Docker shows no <c>Health</c> then).</summary>
    public static HealthState? AtStart(ContainerConfig config, HealthState? previous) =>
        ProbeCommand(config) is null ? null : new HealthState { Status = HealthStatus.Starting, FailingStreak = 0, Log = previous?.Log ?? [] };

    /// <summary>Records a result (the log keeps the last five) and moves the status; returns the new status when it
    /// changed. A failure while still <c>starting</c> and inside the start period does not count.</summary>
    public static string? Apply(HealthState health, HealthcheckResult result, HealthConfig config, DateTimeOffset startedAt)
    {
        var old = health.Status;
        health.Log.Add(result);
        if (health.Log.Count > MaxLogEntries)
        {
            health.Log.RemoveRange(0, health.Log.Count - MaxLogEntries);
        }
        if (result.ExitCode == 0)
        {
            health.FailingStreak = 0;
            health.Status = HealthStatus.Healthy;
        }
        else if (health.Status != HealthStatus.Starting || result.Start - startedAt >= Nanos(config.StartPeriod, TimeSpan.Zero))
        {
            health.FailingStreak++;
            if (health.FailingStreak >= (config.Retries > 0 ? config.Retries : DefaultRetries))
            {
                health.Status = HealthStatus.Unhealthy;
            }
        }
        return health.Status == old ? null : health.Status;
    }

    /// <summary>The wait before the next probe, as dockerd's monitor chooses it: the start interval while the
    /// container is starting inside its start period, else the interval (a probe due after the start period is not
    /// brought forward to its end).</summary>
    public static TimeSpan NextInterval(HealthConfig config, DateTimeOffset startedAt, DateTimeOffset now, string status)
    {
        var interval = Nanos(config.Interval, DefaultInterval);
        var inStartPeriod = now - startedAt < Nanos(config.StartPeriod, TimeSpan.Zero);
        return inStartPeriod && status == HealthStatus.Starting ? Nanos(config.StartInterval, DefaultStartInterval) : interval;
    }

    public static TimeSpan Timeout(HealthConfig config) => Nanos(config.Timeout, DefaultTimeout);

    /// <summary>compat(docker): <c>Health check exceeded timeout (1s)</c>, with the output so far after a colon.</summary>
    public static string TimeoutMessage(TimeSpan timeout, string output) =>
        output.Length > 0 ? $"Health check exceeded timeout ({GoDuration.Format(timeout)}): {output}" : $"Health check exceeded timeout ({GoDuration.Format(timeout)})";

    private static TimeSpan Nanos(long nanos, TimeSpan fallback) => nanos == 0 ? fallback : TimeSpan.FromTicks(nanos / 100);

    /// <summary>Keeps the first 4096 bytes of the probe's output (stdout and stderr together) and marks a cut with <c>...</c>.</summary>
    public sealed class LimitedOutput
    {
        private readonly MemoryStream _kept = new();
        private bool _truncated;

        public void Write(ReadOnlySpan<byte> data)
        {
            var keep = Math.Min(MaxOutputBytes - (int)_kept.Length, data.Length);
            if (keep > 0)
            {
                _kept.Write(data[..keep]);
            }
            _truncated |= keep < data.Length;
        }

        public override string ToString() => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length) + (_truncated ? "..." : "");
    }
}

namespace Berth.Engine.Model;

/// <summary>Docker's <c>State.Health</c>: the status, the run of failures, the last five results.</summary>
public sealed class HealthState
{
    /// <summary><c>starting</c>, <c>healthy</c> or <c>unhealthy</c>.</summary>
    public string Status { get; set; } = HealthStatus.Starting;
    public int FailingStreak { get; set; }
    public List<HealthcheckResult> Log { get; set; } = [];
}

/// <summary>One run of the probe, as Docker records it.</summary>
public sealed class HealthcheckResult
{
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
    public int ExitCode { get; set; }
    public string Output { get; set; } = "";
}

/// <summary>The words of Docker's health states (and of <c>docker ps --filter health=</c>).</summary>
public static class HealthStatus
{
    public const string Starting = "starting";
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    /// <summary>No probe: only a filter value, never a status.</summary>
    public const string None = "none";

    public static bool IsValidFilter(string value) => value is Starting or Healthy or Unhealthy or None;
}

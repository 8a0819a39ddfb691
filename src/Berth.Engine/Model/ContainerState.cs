using System.Text.Json.Serialization;

namespace Berth.Engine.Model;

/// <summary>Docker's <c>State</c> object of a container.</summary>
public sealed class ContainerState
{
    /// <summary>created, running, paused, restarting, removing, exited or dead.</summary>
    public string Status { get; set; } = "created";
    public bool Running { get; set; }
    public bool Paused { get; set; }
    public bool Restarting { get; set; }
    public bool OOMKilled { get; set; }
    public bool Dead { get; set; }
    public int Pid { get; set; }
    public int ExitCode { get; set; }
    public string Error { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; } = DateTimeOffset.MinValue;
    public DateTimeOffset FinishedAt { get; set; } = DateTimeOffset.MinValue;
    /// <summary>Only when the container has a health probe (Docker omits it otherwise).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HealthState? Health { get; set; }
}

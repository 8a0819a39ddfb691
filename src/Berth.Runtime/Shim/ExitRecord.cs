using System.Text.Json.Serialization;

namespace Berth.Runtime.Shim;

/// <summary>How the container's process ended, as the shim records it in <c>exit.json</c> and sends to clients.</summary>
public sealed class ExitRecord
{
    public int ExitCode { get; set; }
    public int Signal { get; set; }
    public DateTimeOffset ExitedAt { get; set; }
    public bool OomKilled { get; set; }
    /// <summary>Set when the process never started (the exec failed); then ExitCode is 127, 126 or 128 as Docker's.</summary>
    public string? Error { get; set; }
}

/// <summary>What the shim reports when it has created the container, on the ready pipe.</summary>
public sealed class ShimReady
{
    public int Pid { get; set; }
    public int ShimPid { get; set; }
    public string? Error { get; set; }
}

/// <summary>What the daemon tells a spare shim when it hands it a container (on the spare's fd 4).</summary>
public sealed class SpareAdoption
{
    public string Id { get; set; } = "";
    public string Bundle { get; set; } = "";
    public string Socket { get; set; } = "";
    public string? LogPath { get; set; }
    public long LogMaxSize { get; set; } = -1;
    public int LogMaxFiles { get; set; } = 1;
    public bool OpenStdin { get; set; }
}

public sealed class ShimState
{
    public int Pid { get; set; }
    public string Status { get; set; } = "created";
    public ExitRecord? Exit { get; set; }
}

/// <summary>A process to run in a running container (<c>docker exec</c>).</summary>
public sealed class ExecRequest
{
    public string Id { get; set; } = "";
    public Oci.Process Process { get; set; } = new();
    /// <summary>Whether the process gets a stdin pipe (<c>-i</c>); otherwise /dev/null.</summary>
    public bool OpenStdin { get; set; }
    /// <summary>The container's seccomp filter (its config.json's), which an exec'd process is under too.</summary>
    public Oci.LinuxSeccomp? Seccomp { get; set; }
    /// <summary>Where that filter may be found compiled, and the name it has there (<see cref="Seccomp.SeccompProgramFile"/>).</summary>
    public string? SeccompProgram { get; set; }
    public string? SeccompProgramName { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExitRecord))]
[JsonSerializable(typeof(ShimReady))]
[JsonSerializable(typeof(ShimState))]
[JsonSerializable(typeof(SpareAdoption))]
[JsonSerializable(typeof(ExecRequest))]
[JsonSerializable(typeof(List<Oci.Mount>))]
public sealed partial class ShimJson : JsonSerializerContext;

namespace Berth.Engine.Model;

/// <summary>The body of <c>POST /containers/{id}/exec</c>.</summary>
public sealed class ExecConfig
{
    public string? User { get; set; }
    public bool Privileged { get; set; }
    public bool Tty { get; set; }
    public bool AttachStdin { get; set; }
    public bool AttachStdout { get; set; }
    public bool AttachStderr { get; set; }
    public bool Detach { get; set; }
    public string? DetachKeys { get; set; }
    public List<string>? Env { get; set; }
    public string? WorkingDir { get; set; }
    public List<string>? Cmd { get; set; }
    public List<int>? ConsoleSize { get; set; }
}

/// <summary>An exec instance as <c>GET /exec/{id}/json</c> shows it.</summary>
public sealed class ExecInstance
{
    public string ID { get; set; } = "";
    public bool Running { get; set; }
    public int? ExitCode { get; set; }
    public ExecProcessConfig ProcessConfig { get; set; } = new();
    public bool OpenStdin { get; set; }
    public bool OpenStderr { get; set; }
    public bool OpenStdout { get; set; }
    public bool CanRemove { get; set; }
    public string ContainerID { get; set; } = "";
    public string DetachKeys { get; set; } = "";
    public int Pid { get; set; }
}

public sealed class ExecProcessConfig
{
    [System.Text.Json.Serialization.JsonPropertyName("tty")]
    public bool Tty { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("entrypoint")]
    public string Entrypoint { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("arguments")]
    public List<string> Arguments { get; set; } = [];
    [System.Text.Json.Serialization.JsonPropertyName("privileged")]
    public bool Privileged { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("user")]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? User { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("workingDir")]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? WorkingDir { get; set; }
}

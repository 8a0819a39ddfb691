using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Engine.Model;

namespace Berth.Api.Docker.Models;

[JsonSourceGenerationOptions(Converters = [typeof(DockerTimeConverter)], PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonDocument))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(InfoResponse))]
[JsonSerializable(typeof(CreateResponse))]
[JsonSerializable(typeof(WaitResponse))]
[JsonSerializable(typeof(List<ContainerSummary>))]
[JsonSerializable(typeof(ContainerInspect))]
[JsonSerializable(typeof(List<ImageSummary>))]
[JsonSerializable(typeof(ImageInspect))]
[JsonSerializable(typeof(List<ImageHistoryItem>))]
[JsonSerializable(typeof(List<ImageDeleteResponseItem>))]
[JsonSerializable(typeof(ProgressMessage))]
[JsonSerializable(typeof(TransferMessage))]
[JsonSerializable(typeof(AuthResponse))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(HostConfig))]
[JsonSerializable(typeof(NetworkingConfig))]
[JsonSerializable(typeof(ContainerPruneResponse))]
[JsonSerializable(typeof(ExecConfig))]
[JsonSerializable(typeof(ExecInstance))]
[JsonSerializable(typeof(ExecStartConfig))]
[JsonSerializable(typeof(IdResponse))]
internal sealed partial class ApiJson : JsonSerializerContext;

/// <summary>The body of <c>POST /exec/{id}/start</c>.</summary>
public sealed class ExecStartConfig
{
    public bool Detach { get; set; }
    public bool Tty { get; set; }
    public List<int>? ConsoleSize { get; set; }
}

/// <summary>Docker's IDResponse: <c>{"Id":"…"}</c> (exec create).</summary>
public sealed class IdResponse
{
    public string Id { get; set; } = "";
}

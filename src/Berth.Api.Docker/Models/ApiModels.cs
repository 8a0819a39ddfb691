using System.Text.Json.Serialization;
using Berth.Engine.Model;

namespace Berth.Api.Docker.Models;

// Response and request bodies of the Engine API in Docker's shapes; field order follows dockerd's.

public sealed class VersionResponse
{
    public PlatformInfo Platform { get; set; } = new();
    public List<ComponentVersion> Components { get; set; } = [];
    public string Version { get; set; } = "";
    public string ApiVersion { get; set; } = "";
    public string MinAPIVersion { get; set; } = "";
    public string GitCommit { get; set; } = "";
    public string GoVersion { get; set; } = "";
    public string Os { get; set; } = "linux";
    public string Arch { get; set; } = "";
    public string KernelVersion { get; set; } = "";
    public string BuildTime { get; set; } = "";
}

public sealed class PlatformInfo
{
    public string Name { get; set; } = "";
}

public sealed class ComponentVersion
{
    public string Name { get; set; } = "";
    public string Version { get; set; } = "";
    public Dictionary<string, string> Details { get; set; } = [];
}

public sealed class CreateResponse
{
    public string Id { get; set; } = "";
    public List<string> Warnings { get; set; } = [];
}

public sealed class WaitResponse
{
    public WaitError? Error { get; set; }
    public int StatusCode { get; set; }
}

public sealed class WaitError
{
    public string Message { get; set; } = "";
}

public sealed class ContainerSummary
{
    public string Id { get; set; } = "";
    public List<string> Names { get; set; } = [];
    public string Image { get; set; } = "";
    public string ImageID { get; set; } = "";
    public string Command { get; set; } = "";
    public long Created { get; set; }
    public List<PortSummary> Ports { get; set; } = [];
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeRw { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeRootFs { get; set; }
    public Dictionary<string, string> Labels { get; set; } = [];
    public string State { get; set; } = "";
    public string Status { get; set; } = "";
    public SummaryHostConfig HostConfig { get; set; } = new();
    public SummaryNetworkSettings NetworkSettings { get; set; } = new();
    public List<MountSummary> Mounts { get; set; } = [];
}

public sealed class PortSummary
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IP { get; set; }
    public int PrivatePort { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int PublicPort { get; set; }
    public string Type { get; set; } = "tcp";
}

public sealed class SummaryHostConfig
{
    public string NetworkMode { get; set; } = "";
}

public sealed class SummaryNetworkSettings
{
    public Dictionary<string, EndpointView> Networks { get; set; } = [];
}

public sealed class EndpointView
{
    public EndpointIpamConfig? IPAMConfig { get; set; }
    public List<string>? Links { get; set; }
    public List<string>? Aliases { get; set; }
    public string NetworkID { get; set; } = "";
    public string EndpointID { get; set; } = "";
    public string Gateway { get; set; } = "";
    public string IPAddress { get; set; } = "";
    public int IPPrefixLen { get; set; }
    public string IPv6Gateway { get; set; } = "";
    public string GlobalIPv6Address { get; set; } = "";
    public int GlobalIPv6PrefixLen { get; set; }
    public string MacAddress { get; set; } = "";
    public Dictionary<string, string>? DriverOpts { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? DNSNames { get; set; }
}

public sealed class MountSummary
{
    public string Type { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Name { get; set; }
    public string Source { get; set; } = "";
    public string Destination { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Driver { get; set; }
    public string Mode { get; set; } = "";
    public bool RW { get; set; }
    public string Propagation { get; set; } = "";
}

public sealed class ContainerInspect
{
    public string Id { get; set; } = "";
    [JsonConverter(typeof(DockerTimeConverter))]
    public DateTimeOffset Created { get; set; }
    public string Path { get; set; } = "";
    public List<string> Args { get; set; } = [];
    public ContainerState State { get; set; } = new();
    public string Image { get; set; } = "";
    public string ResolvConfPath { get; set; } = "";
    public string HostnamePath { get; set; } = "";
    public string HostsPath { get; set; } = "";
    public string LogPath { get; set; } = "";
    public string Name { get; set; } = "";
    public int RestartCount { get; set; }
    public string Driver { get; set; } = "";
    public string Platform { get; set; } = "linux";
    public string MountLabel { get; set; } = "";
    public string ProcessLabel { get; set; } = "";
    public string AppArmorProfile { get; set; } = "";
    public List<string>? ExecIDs { get; set; }
    public HostConfig HostConfig { get; set; } = new();
    public GraphDriverData GraphDriver { get; set; } = new();
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeRw { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SizeRootFs { get; set; }
    public List<MountSummary> Mounts { get; set; } = [];
    public ContainerConfig Config { get; set; } = new();
    public NetworkSettings NetworkSettings { get; set; } = new();
}

public sealed class GraphDriverData
{
    public Dictionary<string, string>? Data { get; set; }
    public string Name { get; set; } = "";
}

public sealed class NetworkSettings
{
    public string Bridge { get; set; } = "";
    public string SandboxID { get; set; } = "";
    public bool HairpinMode { get; set; }
    public string LinkLocalIPv6Address { get; set; } = "";
    public int LinkLocalIPv6PrefixLen { get; set; }
    public Dictionary<string, List<PortBinding>?> Ports { get; set; } = [];
    public string SandboxKey { get; set; } = "";
    public List<object>? SecondaryIPAddresses { get; set; }
    public List<object>? SecondaryIPv6Addresses { get; set; }
    public string EndpointID { get; set; } = "";
    public string Gateway { get; set; } = "";
    public string GlobalIPv6Address { get; set; } = "";
    public int GlobalIPv6PrefixLen { get; set; }
    public string IPAddress { get; set; } = "";
    public int IPPrefixLen { get; set; }
    public string IPv6Gateway { get; set; } = "";
    public string MacAddress { get; set; } = "";
    public Dictionary<string, EndpointView> Networks { get; set; } = [];
}

public sealed class ImageSummary
{
    public int Containers { get; set; } = -1;
    public long Created { get; set; }
    public string Id { get; set; } = "";
    public Dictionary<string, string>? Labels { get; set; }
    public string ParentId { get; set; } = "";
    public List<string>? RepoDigests { get; set; }
    public List<string>? RepoTags { get; set; }
    public long SharedSize { get; set; } = -1;
    public long Size { get; set; }
    /// <summary>Before API 1.44 only (null leaves it out).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? VirtualSize { get; set; }
}

public sealed class ImageInspect
{
    public string Id { get; set; } = "";
    public List<string> RepoTags { get; set; } = [];
    public List<string> RepoDigests { get; set; } = [];
    public string Parent { get; set; } = "";
    public string Comment { get; set; } = "";
    public string Created { get; set; } = "";
    public string Container { get; set; } = "";
    public ContainerConfig ContainerConfig { get; set; } = new();
    public string DockerVersion { get; set; } = "";
    public string Author { get; set; } = "";
    public ContainerConfig Config { get; set; } = new();
    public string Architecture { get; set; } = "";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Variant { get; set; }
    public string Os { get; set; } = "";
    public long Size { get; set; }
    /// <summary>Before API 1.44 only (null leaves it out).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? VirtualSize { get; set; }
    public GraphDriverData GraphDriver { get; set; } = new();
    public ImageRootFs RootFS { get; set; } = new();
    public ImageMetadata Metadata { get; set; } = new();
}

public sealed class ImageRootFs
{
    public string Type { get; set; } = "layers";
    public List<string> Layers { get; set; } = [];
}

public sealed class ImageMetadata
{
    public string LastTagTime { get; set; } = "0001-01-01T00:00:00Z";
}

public sealed class ImageHistoryItem
{
    public string Comment { get; set; } = "";
    public long Created { get; set; }
    public string CreatedBy { get; set; } = "";
    public string Id { get; set; } = "";
    public long Size { get; set; }
    public List<string>? Tags { get; set; }
}

public sealed class ImageDeleteResponseItem
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Untagged { get; set; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Deleted { get; set; }
}

/// <summary>A line of a JSON-lines progress stream (import, load, pull, build).</summary>
public sealed class ProgressMessage
{
    [JsonPropertyName("stream"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Stream { get; set; }
    [JsonPropertyName("status"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; set; }
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; set; }
    [JsonPropertyName("aux"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BuildResult? Aux { get; set; }
    [JsonPropertyName("errorDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ErrorDetail? ErrorDetail { get; set; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; set; }
}

/// <summary>A build's <c>aux</c> message: the image it made; or, for a context sent by digest, why the client is
/// to send the whole context (Berth's; <c>berth build</c> only).</summary>
public sealed class BuildResult
{
    [JsonPropertyName("ID"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; set; }
    [JsonPropertyName("ContextNeeded"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ContextNeeded { get; set; }
}

public sealed class ErrorDetail
{
    [JsonPropertyName("code"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Code { get; set; }
    [JsonPropertyName("message")]
    public string Message { get; set; } = "";
}

public sealed class EventMessage
{
    [JsonPropertyName("status"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; set; }
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; set; }
    [JsonPropertyName("from"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? From { get; set; }
    public string Type { get; set; } = "";
    public string Action { get; set; } = "";
    public EventActor Actor { get; set; } = new();
    [JsonPropertyName("scope")]
    public string Scope { get; set; } = "local";
    [JsonPropertyName("time")]
    public long Time { get; set; }
    [JsonPropertyName("timeNano")]
    public long TimeNano { get; set; }
}

public sealed class EventActor
{
    public string ID { get; set; } = "";
    public Dictionary<string, string> Attributes { get; set; } = [];
}

public sealed class ContainerPruneResponse
{
    public List<string>? ContainersDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}

/// <summary>One message of a pull's or push's progress stream (moby's jsonmessage).</summary>
public sealed class TransferMessage
{
    [JsonPropertyName("status"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Status { get; set; }
    [JsonPropertyName("progressDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TransferDetail? ProgressDetail { get; set; }
    [JsonPropertyName("progress"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Progress { get; set; }
    [JsonPropertyName("id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; set; }
    [JsonPropertyName("aux"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public PushAux? Aux { get; set; }
    [JsonPropertyName("errorDetail"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ErrorDetail? ErrorDetail { get; set; }
    [JsonPropertyName("error"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; set; }
}

/// <summary>compat(docker): <c>{}</c> for a status without bytes, <c>current</c>/<c>total</c> while they move.</summary>
public sealed class TransferDetail
{
    [JsonPropertyName("current"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Current { get; set; }
    [JsonPropertyName("total"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Total { get; set; }
}

/// <summary>A push's result for a tag.</summary>
public sealed class PushAux
{
    public string Tag { get; set; } = "";
    public string Digest { get; set; } = "";
    public long Size { get; set; }
}

/// <summary><c>POST /auth</c>'s answer.</summary>
public sealed class AuthResponse
{
    public string Status { get; set; } = "";
    public string IdentityToken { get; set; } = "";
}

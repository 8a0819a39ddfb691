using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Api.Docker.Models;

/// <summary>Docker's volume object (<c>GET /volumes/{name}</c>, each entry of <c>GET /volumes</c>, the answer
/// to <c>POST /volumes/create</c>). Property order is Docker's.</summary>
public sealed class VolumeResource
{
    /// <summary>RFC 3339 to the second, as Docker prints it.</summary>
    public string CreatedAt { get; set; } = "";
    public string Driver { get; set; } = "";
    public Dictionary<string, string>? Labels { get; set; }
    public string Mountpoint { get; set; } = "";
    public string Name { get; set; } = "";
    public Dictionary<string, string>? Options { get; set; }
    public string Scope { get; set; } = "local";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, JsonElement>? Status { get; set; }

    /// <summary>Only where asked (<c>GET /system/df</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public VolumeUsageData? UsageData { get; set; }
}

public sealed class VolumeUsageData
{
    /// <summary>Bytes; -1 where the driver cannot tell.</summary>
    public long Size { get; set; }
    public long RefCount { get; set; }
}

/// <summary>The body of <c>POST /volumes/create</c>.</summary>
public sealed class VolumeCreateRequest
{
    public string? Name { get; set; }
    public string? Driver { get; set; }
    public Dictionary<string, string>? DriverOpts { get; set; }
    public Dictionary<string, string>? Labels { get; set; }
    public JsonElement? ClusterVolumeSpec { get; set; }
}

public sealed class VolumeListResponse
{
    public List<VolumeResource> Volumes { get; set; } = [];
    public List<string>? Warnings { get; set; }
}

public sealed class VolumePruneResponse
{
    public List<string> VolumesDeleted { get; set; } = [];
    public ulong SpaceReclaimed { get; set; }
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(VolumeResource))]
[JsonSerializable(typeof(VolumeCreateRequest))]
[JsonSerializable(typeof(VolumeListResponse))]
[JsonSerializable(typeof(VolumePruneResponse))]
internal sealed partial class VolumeApiJson : JsonSerializerContext;

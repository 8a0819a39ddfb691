using System.Text.Json.Serialization;

namespace Berth.Api.Docker.Models;

/// <summary><c>GET /system/df</c>: moby's types.DiskUsage. A kind the <c>type</c> query left out is null.</summary>
public sealed class DiskUsageResponse
{
    public long LayersSize { get; set; }
    public List<ImageSummary>? Images { get; set; }
    public List<ContainerSummary>? Containers { get; set; }
    public List<VolumeUsageSummary>? Volumes { get; set; }
    /// <summary>compat(docker): an empty array, never null, since API 1.42 (there is no builder cache yet).</summary>
    public List<BuildCacheRecord>? BuildCache { get; set; }
    /// <summary>The legacy builder's cache; deprecated, always 0 here.</summary>
    public long BuilderSize { get; set; }
}

/// <summary>A builder cache record (none until there is a builder).</summary>
public sealed class BuildCacheRecord
{
    public string ID { get; set; } = "";
    public string Type { get; set; } = "";
    public long Size { get; set; }
}

/// <summary>A volume as <c>GET /volumes</c> shows it, with the UsageData only <c>system df</c> fills.</summary>
public sealed class VolumeUsageSummary
{
    public string CreatedAt { get; set; } = "";
    public string Driver { get; set; } = "";
    public Dictionary<string, string>? Labels { get; set; }
    public string Mountpoint { get; set; } = "";
    public string Name { get; set; } = "";
    public Dictionary<string, string>? Options { get; set; }
    public string Scope { get; set; } = "local";
    public VolumeUsageData UsageData { get; set; } = new();
}

public sealed class VolumeUsageData
{
    public long RefCount { get; set; }
    public long Size { get; set; }
}

/// <summary><c>POST /images/prune</c>.</summary>
public sealed class ImagePruneResponse
{
    public List<ImageDeleteResponseItem>? ImagesDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}

/// <summary><c>POST /build/prune</c>.</summary>
public sealed class BuildCachePruneResponse
{
    public List<string>? CachesDeleted { get; set; }
    public long SpaceReclaimed { get; set; }
}

[JsonSerializable(typeof(DiskUsageResponse))]
[JsonSerializable(typeof(ImagePruneResponse))]
[JsonSerializable(typeof(BuildCachePruneResponse))]
internal sealed partial class DiskUsageApiJson : JsonSerializerContext;

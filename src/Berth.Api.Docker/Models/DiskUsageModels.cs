using System.Text.Json.Serialization;

namespace Berth.Api.Docker.Models;

/// <summary><c>GET /system/df</c>: moby's types.DiskUsage. A kind the <c>type</c> query left out is null.</summary>
public sealed class DiskUsageResponse
{
    public long LayersSize { get; set; }
    public List<ImageSummary>? Images { get; set; }
    public List<ContainerSummary>? Containers { get; set; }
    public List<VolumeResource>? Volumes { get; set; }
    /// <summary>compat(docker): an empty array, never null, since API 1.42 (there is no builder cache yet).</summary>
    public List<BuildCacheRecord>? BuildCache { get; set; }
    /// <summary>The legacy builder's cache; deprecated, always 0 here.</summary>
    public long BuilderSize { get; set; }
}

/// <summary>A build cache record: an intermediate image a build step made.</summary>
public sealed class BuildCacheRecord
{
    public string ID { get; set; } = "";
    public List<string>? Parents { get; set; }
    public string Type { get; set; } = "";
    public string Description { get; set; } = "";
    public bool InUse { get; set; }
    public bool Shared { get; set; }
    public long Size { get; set; }
    public string CreatedAt { get; set; } = "";
    public string? LastUsedAt { get; set; }
    public int UsageCount { get; set; }
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

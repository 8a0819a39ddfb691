using System.Text.Json.Serialization;

namespace Berth.Volumes;

/// <summary>What the service keeps of a volume across daemon restarts, in <c>&lt;root&gt;/NAME/meta.json</c>
/// (Docker keeps the same in its <c>metadata.db</c>). Written last on create, so a volume without it was either
/// made by hand or by Docker (then it is a local volume) or not finished (the same, harmlessly).</summary>
internal sealed class VolumeMeta
{
    public string Name { get; set; } = "";
    public string Driver { get; set; } = "";
    public Dictionary<string, string>? Labels { get; set; }
    public Dictionary<string, string>? Options { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>compat(docker): the local driver's <c>opts.json</c>, field for field, so a volumes directory moves
/// between Docker and Berth.</summary>
internal sealed class LocalOpts
{
    public string MountType { get; set; } = "";
    public string MountOpts { get; set; } = "";
    public string MountDevice { get; set; } = "";
    public LocalQuota Quota { get; set; } = new();
}

internal sealed class LocalQuota
{
    public ulong Size { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(VolumeMeta))]
[JsonSerializable(typeof(LocalOpts))]
internal sealed partial class VolumeJson : JsonSerializerContext;

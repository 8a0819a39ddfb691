using System.Globalization;
using System.Text.Json;
using Berth.Api.Docker.Models;
using Berth.Volumes;

namespace Berth.Api.Docker;

/// <summary>Berth's volumes in Docker's JSON shapes.</summary>
public static class VolumeMapper
{
    public static VolumeResource Resource(Volume v, VolumeUsageData? usage = null) => new()
    {
        CreatedAt = CreatedAt(v.CreatedAt),
        Driver = v.Driver,
        // compat(docker): a volume without labels or options shows null, not {}.
        Labels = v.Labels.Count == 0 ? null : v.Labels,
        Mountpoint = v.Mountpoint,
        Name = v.Name,
        Options = v.Options is { Count: > 0 } ? v.Options : null,
        Scope = v.Scope,
        Status = v.Status is { Count: > 0 } status ? Status(status) : null,
        UsageData = usage,
    };

    /// <summary>Go's <c>time.RFC3339</c> of the daemon's clock (Berth's daemon speaks UTC).</summary>
    public static string CreatedAt(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A plugin's status passes through as the JSON it was.</summary>
    private static Dictionary<string, JsonElement> Status(Dictionary<string, object?> status)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (key, value) in status)
        {
            result[key] = value switch
            {
                JsonElement e => e.Clone(),
                null => JsonDocument.Parse("null").RootElement.Clone(),
                string s => JsonDocument.Parse(JsonSerializer.Serialize(s, VolumeStatusJson.Default.String)).RootElement.Clone(),
                _ => JsonDocument.Parse(JsonSerializer.Serialize(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "", VolumeStatusJson.Default.String)).RootElement.Clone(),
            };
        }
        return result;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class VolumeStatusJson : System.Text.Json.Serialization.JsonSerializerContext;

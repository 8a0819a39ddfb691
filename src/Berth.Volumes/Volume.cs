namespace Berth.Volumes;

/// <summary>A volume as Docker shows it (<c>docker volume inspect</c>).</summary>
public sealed class Volume
{
    /// <summary>The label Docker (API ≥ 1.42) puts on the volumes containers create; <c>volume prune</c> removes
    /// only these unless asked for all.</summary>
    public const string AnonymousLabel = "com.docker.volume.anonymous";

    public required string Name { get; init; }
    public required string Driver { get; init; }
    /// <summary>Where the volume's data lives on the host (the local driver's <c>&lt;root&gt;/NAME/_data</c>).</summary>
    public string Mountpoint { get; set; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    /// <summary>The driver options it was created with (<c>-o</c>); null when none.</summary>
    public Dictionary<string, string>? Options { get; init; }
    public string Scope { get; init; } = "local";
    /// <summary>What a plugin driver reports about the volume; null for the local driver.</summary>
    public Dictionary<string, object?>? Status { get; set; }

    public bool IsAnonymous => Labels.ContainsKey(AnonymousLabel);
}

namespace Berth.Architecture.Tests;

/// <summary>The tiers of docs/design.md: a library references only libraries of a lower tier, never sideways.</summary>
internal static class Tiers
{
    private static readonly Dictionary<string, int> Table = new(StringComparer.Ordinal)
    {
        ["Berth.Common"] = 0,
        ["Berth.Oci"] = 0,
        ["Berth.Linux"] = 1,
        ["Berth.Http"] = 1,
        ["Berth.Runtime"] = 2,
        ["Berth.Content"] = 2,
        ["Berth.Snapshots"] = 2,
        ["Berth.Network"] = 2,
        ["Berth.Volumes"] = 2,
        ["Berth.Distribution"] = 2,
        ["Berth.Cluster.Storage"] = 2,
        ["Berth.Metadata"] = 3,
        ["Berth.Images"] = 4,
        ["Berth.Engine"] = 5,
        ["Berth.Build"] = 6,
        ["Berth.Api.Docker"] = 7,
        ["Berth.Host"] = 8,
    };

    /// <summary>Programs: they reference what they need, and no library may reference them.</summary>
    public static readonly IReadOnlySet<string> Executables = new HashSet<string>(StringComparer.Ordinal) { "Berth.Runtime.Cli", "Berth.Cli" };

    /// <summary>The CLI speaks the API through its own client; the engine's insides are out of its reach.</summary>
    public static readonly IReadOnlyList<string> CliMustNotReach = ["Berth.Engine", "Berth.Images", "Berth.Runtime", "Berth.Metadata", "Berth.Api.Docker"];

    public static int? Of(string project) =>
        Table.TryGetValue(project, out var tier) ? tier :
        project.StartsWith("Berth.Cluster.", StringComparison.Ordinal) ? 7 : null;
}

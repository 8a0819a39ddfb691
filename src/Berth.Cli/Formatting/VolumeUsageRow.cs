using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>A volume of <c>system df -v</c>, as docker's <c>volumeContext</c>: <c>.Name</c>, <c>.Driver</c>,
/// <c>.Links</c> (containers referring to it) and <c>.Size</c> ("N/A" without usage data).</summary>
internal sealed class VolumeUsageRow(JsonElement volume) : IFieldSource
{
    public string TypeName => "*formatter.volumeContext";

    private string Str(string name) => volume.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private JsonElement? Usage => volume.TryGetProperty("UsageData", out var u) && u.ValueKind == JsonValueKind.Object ? u : null;

    private static long Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    public string Name => Str("Name");

    public string Driver => Str("Driver");

    public string Scope => Str("Scope");

    public string Mountpoint => Str("Mountpoint");

    public string Links => Usage is { } u ? Long(u, "RefCount").ToString(CultureInfo.InvariantCulture) : "N/A";

    public string Size => Usage is { } u ? HumanUnits.Size(Long(u, "Size"), 4) : "N/A";

    public bool TryGet(string name, IReadOnlyList<object?> args, out object? value)
    {
        value = name switch
        {
            "Name" => Name,
            "Driver" => Driver,
            "Scope" => Scope,
            "Mountpoint" => Mountpoint,
            "Links" => Links,
            "Size" => Size,
            _ => null,
        };
        return value is not null && args.Count == 0;
    }

    public void WriteJson(StringBuilder sb) => GoJson.WriteStringObject(sb, ("Driver", Driver), ("Links", Links), ("Mountpoint", Mountpoint), ("Name", Name), ("Scope", Scope), ("Size", Size));
}

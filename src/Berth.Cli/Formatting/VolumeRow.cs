using System.Text;
using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>
/// One <c>GET /volumes</c> entry as the docker CLI's <c>volumeContext</c> shows it to <c>volume ls</c> templates:
/// <c>.Name</c>, <c>.Driver</c>, <c>.Scope</c>, <c>.Mountpoint</c>, <c>.Labels</c>, <c>.Label "k"</c>, <c>.Links</c>
/// and <c>.Size</c> (from UsageData, else N/A), and the cluster fields (always N/A: no swarm here).
/// </summary>
internal sealed class VolumeRow(JsonElement volume) : IFieldSource
{
    public string TypeName => "*formatter.volumeContext";

    private string Str(string name) => volume.ValueKind == JsonValueKind.Object && volume.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private JsonElement? Obj(string name) => volume.ValueKind == JsonValueKind.Object && volume.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    public string Name => Str("Name");

    public string Driver => Str("Driver");

    public string Scope => Str("Scope");

    public string Mountpoint => Str("Mountpoint");

    /// <summary>docker joins <c>k=v</c> sorted, with commas.</summary>
    public string Labels
    {
        get
        {
            if (Obj("Labels") is not { } labels)
            {
                return "";
            }
            var list = new List<string>();
            foreach (var p in labels.EnumerateObject())
            {
                list.Add(p.Name + "=" + (p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : ""));
            }
            list.Sort(StringComparer.Ordinal);
            return string.Join(',', list);
        }
    }

    public string Label(string name) =>
        Obj("Labels") is { } labels && labels.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    public string Links => Obj("UsageData") is { } u && u.TryGetProperty("RefCount", out var r) && r.TryGetInt64(out var n)
        ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : "N/A";

    public string Size => Obj("UsageData") is { } u && u.TryGetProperty("Size", out var s) && s.TryGetDouble(out var n)
        ? HumanUnits.Size(n, 4) : "N/A";

    public bool TryGet(string name, IReadOnlyList<object?> args, out object? value)
    {
        if (TemplateValues.TryLabel(name, args, Label, out value))
        {
            return true;
        }
        if (args.Count > 0)
        {
            return false;
        }
        value = name switch
        {
            "Name" => Name,
            "Driver" => Driver,
            "Scope" => Scope,
            "Mountpoint" => Mountpoint,
            "Labels" => Labels,
            "Links" => Links,
            "Size" => Size,
            "Group" or "Availability" or "Status" => "N/A",
            _ => null,
        };
        return value is not null;
    }

    /// <summary>compat(docker): <c>{{json .}}</c> marshals every method without arguments, keys sorted.</summary>
    public void WriteJson(StringBuilder sb)
    {
        var fields = new (string, string)[]
        {
            ("Availability", "N/A"), ("Driver", Driver), ("Group", "N/A"), ("Labels", Labels), ("Links", Links),
            ("Mountpoint", Mountpoint), ("Name", Name), ("Scope", Scope), ("Size", Size), ("Status", "N/A"),
        };
        sb.Append('{');
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            GoJson.WriteString(sb, fields[i].Item1, escapeHtml: true);
            sb.Append(':');
            GoJson.WriteString(sb, fields[i].Item2, escapeHtml: true);
        }
        sb.Append('}');
    }
}

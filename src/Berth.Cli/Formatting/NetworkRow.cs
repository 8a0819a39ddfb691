using System.Text;
using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>
/// One <c>GET /networks</c> entry as the docker CLI's <c>networkContext</c> shows it to <c>network ls</c>
/// templates: <c>.ID</c> (12 hex unless --no-trunc), <c>.Name</c>, <c>.Driver</c>, <c>.Scope</c>, <c>.IPv4</c>,
/// <c>.IPv6</c>, <c>.Internal</c>, <c>.Labels</c>, <c>.Label "k"</c>, <c>.CreatedAt</c>.
/// </summary>
internal sealed class NetworkRow(JsonElement network, bool trunc) : IFieldSource
{
    public string TypeName => "*network.networkContext";

    private string Str(string name) => network.ValueKind == JsonValueKind.Object && network.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private string Flag(string name) => network.ValueKind == JsonValueKind.Object && network.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True ? "true" : "false";

    private JsonElement? LabelsObject => network.ValueKind == JsonValueKind.Object && network.TryGetProperty("Labels", out var v) && v.ValueKind == JsonValueKind.Object ? v : null;

    public string Name => Str("Name");

    public string ID => trunc ? ContainerRow.TruncateId(Str("Id")) : Str("Id");

    public string Driver => Str("Driver");

    public string Scope => Str("Scope");

    public string IPv4 => Flag("EnableIPv4");

    public string IPv6 => Flag("EnableIPv6");

    public string Internal => Flag("Internal");

    /// <summary>compat(docker): 28.2 joins labels in map order (random); sorted, as later docker versions do.</summary>
    public string Labels
    {
        get
        {
            if (LabelsObject is not { } labels)
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
        LabelsObject is { } labels && labels.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    public string CreatedAt => GoTime.TimeString(Str("Created"));

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
            "ID" => ID,
            "Name" => Name,
            "Driver" => Driver,
            "Scope" => Scope,
            "IPv4" => IPv4,
            "IPv6" => IPv6,
            "Internal" => Internal,
            "Labels" => Labels,
            "CreatedAt" => CreatedAt,
            _ => null,
        };
        return value is not null;
    }

    /// <summary>
    /// compat(docker): <c>{{json .}}</c> marshals every method without arguments, keys sorted, through
    /// json.Marshal (so HTML characters come out escaped).
    /// </summary>
    public void WriteJson(StringBuilder sb)
    {
        var fields = new (string, string)[]
        {
            ("CreatedAt", CreatedAt), ("Driver", Driver), ("ID", ID), ("IPv4", IPv4), ("IPv6", IPv6), ("Internal", Internal),
            ("Labels", Labels), ("Name", Name), ("Scope", Scope),
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

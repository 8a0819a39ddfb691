using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>
/// One <c>GET /containers/json</c> entry as the docker CLI's <c>formatter.ContainerContext</c> shows it to
/// <c>ps</c> templates (<c>.ID</c>, <c>.Command</c> quoted and ellipsized, <c>.RunningFor</c>, <c>.Label "k"</c>, ...).
/// </summary>
/// <remarks><paramref name="virtualSize"/> false: <c>system df -v</c> shows no virtual size (docker zeroes SizeRootFs).</remarks>
internal sealed class ContainerRow(JsonElement summary, bool trunc, DateTimeOffset now, bool virtualSize = true) : IFieldSource
{
    /// <summary>Set when a template reads <c>.Size</c>; compat(docker): <c>ps</c> then asks the daemon for sizes.</summary>
    public bool SizeUsed { get; private set; }

    public string TypeName => "*formatter.ContainerContext";

    private string Str(string name) => summary.ValueKind == JsonValueKind.Object && summary.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private long Long(string name) => summary.ValueKind == JsonValueKind.Object && summary.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private JsonElement? Prop(string name) => summary.ValueKind == JsonValueKind.Object && summary.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public string ID => trunc ? TruncateId(Str("Id")) : Str("Id");

    internal static string TruncateId(string id)
    {
        var i = id.IndexOf(':', StringComparison.Ordinal);
        if (i >= 0)
        {
            id = id[(i + 1)..];
        }
        return id.Length > 12 ? id[..12] : id;
    }

    public string Names
    {
        get
        {
            var names = new List<string>();
            if (Prop("Names") is { ValueKind: JsonValueKind.Array } arr)
            {
                foreach (var n in arr.EnumerateArray())
                {
                    var s = n.GetString() ?? "";
                    names.Add(s.Length > 0 ? s[1..] : s);
                }
            }
            if (trunc)
            {
                // Link names (a/b) are left out.
                foreach (var n in names)
                {
                    if (!n.Contains('/', StringComparison.Ordinal))
                    {
                        return n;
                    }
                }
            }
            return string.Join(',', names);
        }
    }

    public string Image
    {
        get
        {
            var image = Str("Image");
            if (image.Length == 0)
            {
                return "<no image>";
            }
            if (trunc)
            {
                var shortId = TruncateId(Str("ImageID"));
                if (shortId == TruncateId(image))
                {
                    return shortId;
                }
                if (ImageReference.TryParseNormalized(image, out var r, out _))
                {
                    return r.Tag is not null ? (r with { Digest = null }).FamiliarString : r.FamiliarName;
                }
            }
            return image;
        }
    }

    public string Command
    {
        get
        {
            var command = Str("Command");
            if (trunc)
            {
                command = Ellipsis(command, 20);
            }
            return GoFormat.Quote(command);
        }
    }

    /// <summary>docker's Ellipsis for ASCII/narrow text: cut to max-1 runes plus "…".</summary>
    internal static string Ellipsis(string s, int max)
    {
        if (max <= 0)
        {
            return "";
        }
        var runes = s.EnumerateRunes().ToList();
        if (max == 1)
        {
            return runes.Count > 0 ? runes[0].ToString() : "";
        }
        if (runes.Count <= max)
        {
            return s;
        }
        var sb = new StringBuilder();
        for (var i = 0; i < max - 1; i++)
        {
            sb.Append(runes[i].ToString());
        }
        return sb.Append('…').ToString();
    }

    public string CreatedAt => GoTime.UnixString(Long("Created"));

    public string RunningFor => HumanUnits.Ago(Long("Created"), now);

    public string Ports => Prop("Ports") is { ValueKind: JsonValueKind.Array } ports ? DisplayablePorts(ports) : "";

    public string State => Str("State");

    public string Status => Str("Status");

    public string Size
    {
        get
        {
            SizeUsed = true;
            var srw = HumanUnits.Size(Long("SizeRw"));
            var rootFs = virtualSize ? Long("SizeRootFs") : 0;
            return rootFs > 0 ? $"{srw} (virtual {HumanUnits.Size(rootFs)})" : srw;
        }
    }

    public string Labels
    {
        get
        {
            if (Prop("Labels") is not { ValueKind: JsonValueKind.Object } labels)
            {
                return "";
            }
            var list = new List<string>();
            foreach (var p in labels.EnumerateObject())
            {
                list.Add(p.Name + "=" + p.Value.GetString());
            }
            list.Sort(StringComparer.Ordinal);
            return string.Join(',', list);
        }
    }

    public string Label(string name) =>
        Prop("Labels") is { ValueKind: JsonValueKind.Object } labels && labels.TryGetProperty(name, out var v) ? v.GetString() ?? "" : "";

    public string Mounts
    {
        get
        {
            var mounts = new List<string>();
            if (Prop("Mounts") is { ValueKind: JsonValueKind.Array } arr)
            {
                foreach (var m in arr.EnumerateArray())
                {
                    var name = m.TryGetProperty("Name", out var n) ? n.GetString() ?? "" : "";
                    if (name.Length == 0)
                    {
                        name = m.TryGetProperty("Source", out var s) ? s.GetString() ?? "" : "";
                    }
                    mounts.Add(trunc ? Ellipsis(name, 15) : name);
                }
            }
            return string.Join(',', mounts);
        }
    }

    public string LocalVolumes
    {
        get
        {
            var count = 0;
            if (Prop("Mounts") is { ValueKind: JsonValueKind.Array } arr)
            {
                foreach (var m in arr.EnumerateArray())
                {
                    if (m.TryGetProperty("Driver", out var d) && d.GetString() == "local")
                    {
                        count++;
                    }
                }
            }
            return count.ToString(CultureInfo.InvariantCulture);
        }
    }

    public string Networks
    {
        get
        {
            var names = new List<string>();
            if (Prop("NetworkSettings") is { ValueKind: JsonValueKind.Object } ns && ns.TryGetProperty("Networks", out var nets) && nets.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in nets.EnumerateObject())
                {
                    names.Add(p.Name);
                }
            }
            return string.Join(',', names);
        }
    }

    private JsonElement? Platform =>
        Prop("ImageManifestDescriptor") is { ValueKind: JsonValueKind.Object } d && d.TryGetProperty("platform", out var p) && p.ValueKind == JsonValueKind.Object ? p : null;

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
        switch (name)
        {
            case "ID": value = ID; return true;
            case "Names": value = Names; return true;
            case "Image": value = Image; return true;
            case "Command": value = Command; return true;
            case "CreatedAt": value = CreatedAt; return true;
            case "RunningFor": value = RunningFor; return true;
            case "Ports": value = Ports; return true;
            case "State": value = State; return true;
            case "Status": value = Status; return true;
            case "Size": value = Size; return true;
            case "Labels": value = Labels; return true;
            case "Mounts": value = Mounts; return true;
            case "LocalVolumes": value = LocalVolumes; return true;
            case "Networks": value = Networks; return true;
            case "Platform":
                value = Platform is { } p ? PlatformString(p) : null;
                return true;
            default: return false;
        }
    }

    private static string PlatformString(JsonElement p)
    {
        string Get(string k) => p.TryGetProperty(k, out var v) ? v.GetString() ?? "" : "";
        var s = Get("os") + "/" + Get("architecture");
        var variant = Get("variant");
        return variant.Length > 0 ? s + "/" + variant : s;
    }

    /// <summary>compat(docker): <c>{{json .}}</c> marshals every method result, keys sorted.</summary>
    public void WriteJson(StringBuilder sb)
    {
        void Field(string key, string value, bool comma = true)
        {
            GoJson.WriteString(sb, key);
            sb.Append(':');
            GoJson.WriteString(sb, value);
            if (comma)
            {
                sb.Append(',');
            }
        }
        sb.Append('{');
        Field("Command", Command);
        Field("CreatedAt", CreatedAt);
        Field("ID", ID);
        Field("Image", Image);
        Field("Labels", Labels);
        Field("LocalVolumes", LocalVolumes);
        Field("Mounts", Mounts);
        Field("Names", Names);
        Field("Networks", Networks);
        sb.Append("\"Platform\":");
        if (Platform is { } platform)
        {
            GoJson.WriteElement(sb, platform);
        }
        else
        {
            sb.Append("null");
        }
        sb.Append(',');
        Field("Ports", Ports);
        Field("RunningFor", RunningFor);
        Field("Size", Size);
        Field("State", State);
        Field("Status", Status, comma: false);
        sb.Append('}');
    }

    /// <summary>docker's DisplayablePorts: "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 9000-9001/udp".</summary>
    internal static string DisplayablePorts(JsonElement ports)
    {
        var list = new List<(string Ip, int Private, int Public, string Type)>();
        foreach (var p in ports.EnumerateArray())
        {
            list.Add((
                p.TryGetProperty("IP", out var ip) ? ip.GetString() ?? "" : "",
                p.TryGetProperty("PrivatePort", out var pr) && pr.ValueKind == JsonValueKind.Number ? pr.GetInt32() : 0,
                p.TryGetProperty("PublicPort", out var pu) && pu.ValueKind == JsonValueKind.Number ? pu.GetInt32() : 0,
                p.TryGetProperty("Type", out var t) ? t.GetString() ?? "" : ""));
        }
        list.Sort((a, b) =>
        {
            if (a.Private != b.Private)
            {
                return a.Private.CompareTo(b.Private);
            }
            if (a.Ip != b.Ip)
            {
                return string.CompareOrdinal(a.Ip, b.Ip);
            }
            if (a.Public != b.Public)
            {
                return a.Public.CompareTo(b.Public);
            }
            return string.CompareOrdinal(a.Type, b.Type);
        });
        var groups = new Dictionary<string, (int First, int Last)>(StringComparer.Ordinal);
        var groupKeys = new List<string>();
        var result = new List<string>();
        var hostMappings = new List<string>();
        foreach (var port in list)
        {
            var current = port.Private;
            var portKey = port.Type;
            if (port.Ip.Length > 0)
            {
                if (port.Public != current)
                {
                    hostMappings.Add($"{JoinHostPort(port.Ip, port.Public.ToString(CultureInfo.InvariantCulture))}->{port.Private}/{port.Type}");
                    continue;
                }
                portKey = port.Ip + "/" + port.Type;
            }
            if (!groups.TryGetValue(portKey, out var group))
            {
                groups[portKey] = (current, current);
                groupKeys.Add(portKey);
                continue;
            }
            if (current == group.Last + 1)
            {
                groups[portKey] = (group.First, current);
                continue;
            }
            result.Add(FormGroup(portKey, group.First, group.Last));
            groups[portKey] = (current, current);
        }
        foreach (var key in groupKeys)
        {
            var g = groups[key];
            result.Add(FormGroup(key, g.First, g.Last));
        }
        result.AddRange(hostMappings);
        return string.Join(", ", result);
    }

    private static string FormGroup(string key, int start, int last)
    {
        var parts = key.Split('/');
        var groupType = parts[0];
        var ip = "";
        if (parts.Length > 1)
        {
            ip = parts[0];
            groupType = parts[1];
        }
        var group = start.ToString(CultureInfo.InvariantCulture);
        if (start != last)
        {
            group += "-" + last.ToString(CultureInfo.InvariantCulture);
        }
        if (ip.Length > 0)
        {
            group = $"{JoinHostPort(ip, group)}->{group}";
        }
        return group + "/" + groupType;
    }

    /// <summary>Go's net.JoinHostPort: an IPv6 host goes in brackets.</summary>
    internal static string JoinHostPort(string host, string port) => host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}";
}

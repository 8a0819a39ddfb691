using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Formatting;

namespace Berth.Cli.Templates;

/// <summary>
/// How template values print, compare and test true, following Go's fmt and text/template over the docker CLI's
/// typed structs. Values are: null (Go nil), <see cref="NoValue"/>, string, bool, long, double,
/// <see cref="JsonElement"/> (numbers, arrays, objects), <see cref="IReadOnlyList{T}"/> of values, <see cref="IFieldSource"/>.
/// </summary>
internal static class TemplateValues
{
    /// <summary>A row's <c>.Label "KEY"</c> method, as docker's formatters have it: true when
    /// <paramref name="name"/> is <c>Label</c>, with the label's value (empty when it has none).</summary>
    public static bool TryLabel(string name, IReadOnlyList<object?> args, Func<string, string> label, out object? value)
    {
        value = null;
        if (name != "Label")
        {
            return false;
        }
        if (args.Count != 1 || args[0] is not string key)
        {
            throw new TemplateException($"wrong number of args for Label: want 1 got {args.Count}");
        }
        value = label(key);
        return true;
    }

    // compat(docker): inspect templates run first against Go structs, where a null slice prints "[]" and a null
    // map "map[]"; these are the inspect fields of those kinds that daemons send as null.
    private static readonly HashSet<string> SliceFields = new(StringComparer.Ordinal)
    {
        "Entrypoint", "Cmd", "Env", "OnBuild", "Binds", "Links", "Dns", "DnsOptions", "DnsSearch", "ExtraHosts", "CapAdd",
        "CapDrop", "GroupAdd", "SecurityOpt", "VolumesFrom", "Mounts", "RepoTags", "RepoDigests", "Layers", "ExecIDs",
        "Aliases", "MaskedPaths", "ReadonlyPaths", "DeviceCgroupRules", "DeviceRequests", "Devices", "Ulimits", "Args",
        "Shell", "DNSNames", "Warnings", "BlkioWeightDevice", "BlkioDeviceReadBps", "BlkioDeviceWriteBps",
        "BlkioDeviceReadIOps", "BlkioDeviceWriteIOps", "ConsoleSize", "Names", "Ports",
    };

    private static readonly HashSet<string> MapFields = new(StringComparer.Ordinal)
    {
        "Labels", "Volumes", "ExposedPorts", "Networks", "Options", "Data", "Sysctls", "Tmpfs", "StorageOpt",
        "DriverOpts", "Annotations", "PortBindings", "Attributes", "Containers", "Details",
    };

    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement;
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    /// <summary>Converts a JSON value found under <paramref name="name"/> into a template value.</summary>
    public static object? FromJson(JsonElement e, string? name = null) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => name is not null && SliceFields.Contains(name) ? EmptyArray
            : name is not null && MapFields.Contains(name) ? EmptyObject : null,
        _ => e,
    };

    /// <summary>Go structs print as <c>{a b}</c>, maps as <c>map[k:v]</c>; JSON objects whose keys all start upper-case are taken for structs.</summary>
    public static bool LooksLikeStruct(JsonElement obj)
    {
        var any = false;
        foreach (var p in obj.EnumerateObject())
        {
            any = true;
            if (p.Name.Length == 0 || !char.IsAsciiLetterUpper(p.Name[0]))
            {
                return false;
            }
        }
        return any;
    }

    public static string Print(object? v)
    {
        var sb = new StringBuilder();
        Print(sb, v);
        return sb.ToString();
    }

    public static void Print(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null:
                sb.Append("<nil>");
                break;
            case NoValue:
                sb.Append("<no value>");
                break;
            case string s:
                sb.Append(s);
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case int i:
                sb.Append(i.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(GoFormat.FormatFloat(d, 'g', -1));
                break;
            case JsonElement e:
                PrintJson(sb, e);
                break;
            case IReadOnlyList<object?> list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(' ');
                    }
                    Print(sb, list[i]);
                }
                sb.Append(']');
                break;
            case IFieldSource f:
                sb.Append("&{").Append(f.TypeName).Append('}');
                break;
            default:
                sb.Append(v);
                break;
        }
    }

    private static void PrintJson(StringBuilder sb, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                sb.Append(e.GetString());
                break;
            case JsonValueKind.Number:
                sb.Append(e.GetRawText());
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            case JsonValueKind.Null:
                sb.Append("<nil>");
                break;
            case JsonValueKind.Array:
                {
                    sb.Append('[');
                    var first = true;
                    foreach (var item in e.EnumerateArray())
                    {
                        if (!first)
                        {
                            sb.Append(' ');
                        }
                        first = false;
                        PrintJson(sb, item);
                    }
                    sb.Append(']');
                    break;
                }
            case JsonValueKind.Object:
                if (LooksLikeStruct(e))
                {
                    sb.Append('{');
                    var first = true;
                    foreach (var p in e.EnumerateObject())
                    {
                        if (!first)
                        {
                            sb.Append(' ');
                        }
                        first = false;
                        Print(sb, FromJson(p.Value, p.Name));
                    }
                    sb.Append('}');
                }
                else
                {
                    var props = new List<JsonProperty>();
                    foreach (var p in e.EnumerateObject())
                    {
                        props.Add(p);
                    }
                    props.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                    sb.Append("map[");
                    for (var i = 0; i < props.Count; i++)
                    {
                        if (i > 0)
                        {
                            sb.Append(' ');
                        }
                        sb.Append(props[i].Name).Append(':');
                        Print(sb, FromJson(props[i].Value, props[i].Name));
                    }
                    sb.Append(']');
                }
                break;
        }
    }

    /// <summary>text/template's truth: false, 0, nil, and empty strings, slices and maps are false; structs are true.</summary>
    public static bool IsTrue(object? v) => v switch
    {
        null or NoValue => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        int i => i != 0,
        double d => d != 0,
        JsonElement e => e.ValueKind switch
        {
            JsonValueKind.Array => e.GetArrayLength() > 0,
            JsonValueKind.Object => e.EnumerateObject().Any(),
            JsonValueKind.Number => e.GetDouble() != 0,
            JsonValueKind.String => e.GetString()!.Length > 0,
            JsonValueKind.True => true,
            _ => false,
        },
        IReadOnlyList<object?> list => list.Count > 0,
        _ => true,
    };

    /// <summary>What Go's <c>json.Encoder</c> (HTML escaping off) writes for the value.</summary>
    public static string Json(object? v)
    {
        var sb = new StringBuilder();
        WriteJson(sb, v);
        return sb.ToString();
    }

    public static void WriteJson(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null or NoValue:
                sb.Append("null");
                break;
            case string s:
                GoJson.WriteString(sb, s);
                break;
            case bool b:
                sb.Append(b ? "true" : "false");
                break;
            case long l:
                sb.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case int i:
                sb.Append(i.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(GoFormat.FormatFloat(d, 'g', -1));
                break;
            case JsonElement e:
                GoJson.WriteElement(sb, e);
                break;
            case IReadOnlyList<object?> list:
                sb.Append('[');
                for (var i = 0; i < list.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',');
                    }
                    WriteJson(sb, list[i]);
                }
                sb.Append(']');
                break;
            case IFieldSource f:
                f.WriteJson(sb);
                break;
            default:
                GoJson.WriteString(sb, v.ToString() ?? "");
                break;
        }
    }

    /// <summary>A number as Go would see it, or null when the value is not a number.</summary>
    public static bool TryNumber(object? v, out double d, out bool isInt)
    {
        switch (v)
        {
            case long l:
                d = l;
                isInt = true;
                return true;
            case int i:
                d = i;
                isInt = true;
                return true;
            case double x:
                d = x;
                isInt = false;
                return true;
            case JsonElement { ValueKind: JsonValueKind.Number } e:
                isInt = e.TryGetInt64(out var li);
                d = isInt ? li : e.GetDouble();
                return true;
            default:
                d = 0;
                isInt = false;
                return false;
        }
    }

    public static bool IsNil(object? v) => v is null or NoValue || v is JsonElement { ValueKind: JsonValueKind.Null };

    /// <summary>Go's <c>eq</c> for two basic values; other mixes are "incompatible types for comparison".</summary>
    public static bool Equal(object? a, object? b)
    {
        if (IsNil(a) || IsNil(b))
        {
            return IsNil(a) && IsNil(b);
        }
        if (TryNumber(a, out var x, out _) && TryNumber(b, out var y, out _))
        {
            return x == y;
        }
        if (a is string sa && b is string sb)
        {
            return sa == sb;
        }
        if (a is bool ba && b is bool bb)
        {
            return ba == bb;
        }
        if (a is JsonElement ea && b is JsonElement eb)
        {
            return ea.GetRawText() == eb.GetRawText();
        }
        throw new TemplateException("incompatible types for comparison");
    }

    public static int Compare(object? a, object? b)
    {
        if (TryNumber(a, out var x, out _) && TryNumber(b, out var y, out _))
        {
            return x.CompareTo(y);
        }
        if (a is string sa && b is string sb)
        {
            return string.CompareOrdinal(sa, sb);
        }
        throw new TemplateException(a is string || b is string ? "incompatible types for comparison" : "invalid type for comparison");
    }

    public static string TypeName(object? v) => v switch
    {
        null => "interface {}",
        string => "string",
        bool => "bool",
        long or int => "int",
        double => "float64",
        JsonElement { ValueKind: JsonValueKind.Object } => "map[string]interface {}",
        JsonElement { ValueKind: JsonValueKind.Array } => "[]interface {}",
        JsonElement { ValueKind: JsonValueKind.Number } => "json.Number",
        IReadOnlyList<object?> => "[]string",
        IFieldSource f => f.TypeName,
        _ => "interface {}",
    };
}

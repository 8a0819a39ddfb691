using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Formatting;

namespace Berth.Cli.Templates;

/// <summary>Go's template builtins plus the docker CLI's <c>templates.basicFunctions</c> and <c>HeaderFunctions</c>.</summary>
internal static class TemplateFunctions
{
    public static readonly Dictionary<string, TemplateFunction> Basic = new(StringComparer.Ordinal)
    {
        ["and"] = args => { Arity("and", args, 1, int.MaxValue); foreach (var a in args) { if (!TemplateValues.IsTrue(a)) { return a; } } return args[^1]; },
        ["or"] = args => { Arity("or", args, 1, int.MaxValue); foreach (var a in args) { if (TemplateValues.IsTrue(a)) { return a; } } return args[^1]; },
        ["not"] = args => { Arity("not", args, 1, 1); return !TemplateValues.IsTrue(args[0]); },
        ["len"] = args => { Arity("len", args, 1, 1); return Len(args[0]); },
        ["index"] = Index,
        ["slice"] = Slice,
        ["print"] = args => Sprint(args, ln: false),
        ["println"] = args => Sprint(args, ln: true),
        ["printf"] = args => { Arity("printf", args, 1, int.MaxValue); return GoFormat.Sprintf(Str(args[0], "printf"), args.Skip(1).ToList()); },
        ["eq"] = args =>
        {
            Arity("eq", args, 1, int.MaxValue);
            if (args.Count == 1)
            {
                throw new TemplateException("missing argument for comparison");
            }
            for (var i = 1; i < args.Count; i++)
            {
                if (TemplateValues.Equal(args[0], args[i]))
                {
                    return true;
                }
            }
            return false;
        },
        ["ne"] = args => { Arity("ne", args, 2, 2); return !TemplateValues.Equal(args[0], args[1]); },
        ["lt"] = args => { Arity("lt", args, 2, 2); return TemplateValues.Compare(args[0], args[1]) < 0; },
        ["le"] = args => { Arity("le", args, 2, 2); return TemplateValues.Compare(args[0], args[1]) <= 0; },
        ["gt"] = args => { Arity("gt", args, 2, 2); return TemplateValues.Compare(args[0], args[1]) > 0; },
        ["ge"] = args => { Arity("ge", args, 2, 2); return TemplateValues.Compare(args[0], args[1]) >= 0; },
        ["html"] = args => System.Net.WebUtility.HtmlEncode(Sprint(args, ln: false)),
        ["js"] = args => JavaScriptEncode(Sprint(args, ln: false)),
        ["urlquery"] = args => Uri.EscapeDataString(Sprint(args, ln: false)),
        ["json"] = args => { Arity("json", args, 1, 1); return TemplateValues.Json(args[0]); },
        ["split"] = args =>
        {
            Arity("split", args, 2, 2);
            var s = Str(args[0], "split");
            var sep = Str(args[1], "split");
            IReadOnlyList<object?> parts = sep.Length == 0 ? SplitRunes(s) : s.Split(sep).Select(x => (object?)x).ToList();
            return parts;
        },
        ["join"] = args =>
        {
            Arity("join", args, 2, 2);
            return string.Join(Str(args[1], "join"), StringList(args[0], "join"));
        },
        ["title"] = args => { Arity("title", args, 1, 1); return Title(Str(args[0], "title")); },
        ["lower"] = args => { Arity("lower", args, 1, 1); return Str(args[0], "lower").ToLowerInvariant(); },
        ["upper"] = args => { Arity("upper", args, 1, 1); return Str(args[0], "upper").ToUpperInvariant(); },
        ["pad"] = args =>
        {
            Arity("pad", args, 3, 3);
            var s = Str(args[0], "pad");
            return s.Length == 0 ? s : new string(' ', (int)Int(args[1], "pad")) + s + new string(' ', (int)Int(args[2], "pad"));
        },
        ["truncate"] = args =>
        {
            Arity("truncate", args, 2, 2);
            var s = Str(args[0], "truncate");
            var n = (int)Int(args[1], "truncate");
            var bytes = Encoding.UTF8.GetBytes(s);
            return bytes.Length < n ? s : Encoding.UTF8.GetString(bytes, 0, n);
        },
    };

    /// <summary>compat(docker): table headers run the same template with these overrides, so <c>{{upper .Names}}</c> keeps "NAMES".</summary>
    public static readonly Dictionary<string, TemplateFunction> Header = CreateHeader();

    private static Dictionary<string, TemplateFunction> CreateHeader()
    {
        var d = new Dictionary<string, TemplateFunction>(Basic, StringComparer.Ordinal);
        foreach (var name in new[] { "json", "split", "join", "title", "lower", "upper", "truncate" })
        {
            d[name] = args => args.Count > 0 ? TemplateValues.Print(args[0]) : "";
        }
        return d;
    }

    private static void Arity(string name, IReadOnlyList<object?> args, int min, int max)
    {
        if (args.Count < min || args.Count > max)
        {
            var want = min == max ? min.ToString(CultureInfo.InvariantCulture) : "at least " + min.ToString(CultureInfo.InvariantCulture);
            throw new TemplateException($"wrong number of args for {name}: want {want} got {args.Count}");
        }
    }

    private static string Str(object? v, string fn) => v switch
    {
        string s => s,
        _ => throw new TemplateException($"error calling {fn}: wrong type for value; expected string; got {TemplateValues.TypeName(v)}"),
    };

    private static long Int(object? v, string fn) => TemplateValues.TryNumber(v, out var d, out var isInt) && isInt
        ? (long)d
        : throw new TemplateException($"error calling {fn}: wrong type for value; expected int; got {TemplateValues.TypeName(v)}");

    private static List<string> StringList(object? v, string fn)
    {
        var list = new List<string>();
        switch (v)
        {
            case JsonElement { ValueKind: JsonValueKind.Array } e:
                foreach (var item in e.EnumerateArray())
                {
                    list.Add(TemplateValues.Print(TemplateValues.FromJson(item)));
                }
                return list;
            case IReadOnlyList<object?> l:
                foreach (var item in l)
                {
                    list.Add(TemplateValues.Print(item));
                }
                return list;
            default:
                throw new TemplateException($"error calling {fn}: wrong type for value; expected []string; got {TemplateValues.TypeName(v)}");
        }
    }

    private static List<object?> SplitRunes(string s)
    {
        var list = new List<object?>();
        for (var i = 0; i < s.Length; i += char.IsSurrogatePair(s, i) ? 2 : 1)
        {
            list.Add(char.IsSurrogatePair(s, i) ? s.Substring(i, 2) : s[i].ToString());
        }
        return list;
    }

    private static object Len(object? v) => v switch
    {
        string s => (long)Encoding.UTF8.GetByteCount(s),
        JsonElement { ValueKind: JsonValueKind.Array } e => (long)e.GetArrayLength(),
        JsonElement { ValueKind: JsonValueKind.Object } e => (long)e.EnumerateObject().Count(),
        IReadOnlyList<object?> l => (long)l.Count,
        _ => throw new TemplateException($"error calling len: len of type {TemplateValues.TypeName(v)}"),
    };

    private static object? Index(IReadOnlyList<object?> args)
    {
        Arity("index", args, 1, int.MaxValue);
        var item = args[0];
        for (var i = 1; i < args.Count; i++)
        {
            var key = args[i];
            switch (item)
            {
                case JsonElement { ValueKind: JsonValueKind.Object } obj:
                    {
                        if (key is not string k)
                        {
                            throw new TemplateException($"error calling index: value has type {TemplateValues.TypeName(key)}; should be string");
                        }
                        // compat(docker): inspect maps are typed map[string]string, whose missing keys index to "".
                        item = obj.TryGetProperty(k, out var p) ? TemplateValues.FromJson(p, k) : "";
                        break;
                    }
                case JsonElement { ValueKind: JsonValueKind.Array } arr:
                    {
                        var n = IndexArg(key, arr.GetArrayLength());
                        item = TemplateValues.FromJson(arr[n]);
                        break;
                    }
                case IReadOnlyList<object?> list:
                    item = list[IndexArg(key, list.Count)];
                    break;
                case string s:
                    item = (long)Encoding.UTF8.GetBytes(s)[IndexArg(key, Encoding.UTF8.GetByteCount(s))];
                    break;
                case null or NoValue:
                    throw new TemplateException("error calling index: index of untyped nil");
                default:
                    throw new TemplateException($"error calling index: can't index item of type {TemplateValues.TypeName(item)}");
            }
        }
        return item;
    }

    private static int IndexArg(object? key, int length)
    {
        if (!TemplateValues.TryNumber(key, out var d, out var isInt) || !isInt)
        {
            throw new TemplateException($"error calling index: cannot index slice/array with type {TemplateValues.TypeName(key)}");
        }
        if (d < 0 || d >= length)
        {
            throw new TemplateException($"error calling index: index out of range: {(long)d}");
        }
        return (int)d;
    }

    private static object? Slice(IReadOnlyList<object?> args)
    {
        Arity("slice", args, 1, 4);
        var item = args[0];
        int Arg(int i, int dflt) => i < args.Count ? (int)Int(args[i], "slice") : dflt;
        switch (item)
        {
            case string s:
                {
                    var b = Encoding.UTF8.GetBytes(s);
                    var lo = Arg(1, 0);
                    var hi = Arg(2, b.Length);
                    if (lo < 0 || hi > b.Length || lo > hi)
                    {
                        throw new TemplateException($"error calling slice: index out of range: {hi}");
                    }
                    return Encoding.UTF8.GetString(b, lo, hi - lo);
                }
            case JsonElement { ValueKind: JsonValueKind.Array } arr:
                {
                    var all = arr.EnumerateArray().Select(x => TemplateValues.FromJson(x)).ToList();
                    var lo = Arg(1, 0);
                    var hi = Arg(2, all.Count);
                    if (lo < 0 || hi > all.Count || lo > hi)
                    {
                        throw new TemplateException($"error calling slice: index out of range: {hi}");
                    }
                    return all.GetRange(lo, hi - lo);
                }
            case IReadOnlyList<object?> list:
                {
                    var lo = Arg(1, 0);
                    var hi = Arg(2, list.Count);
                    return list.Skip(lo).Take(hi - lo).ToList();
                }
            default:
                throw new TemplateException($"error calling slice: can't slice item of type {TemplateValues.TypeName(item)}");
        }
    }

    /// <summary>fmt.Sprint / Sprintln: Sprint spaces operands when neither is a string, Sprintln always.</summary>
    private static string Sprint(IReadOnlyList<object?> args, bool ln)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < args.Count; i++)
        {
            if (i > 0 && (ln || (args[i] is not string && args[i - 1] is not string)))
            {
                sb.Append(' ');
            }
            TemplateValues.Print(sb, args[i]);
        }
        if (ln)
        {
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>strings.Title: upper-cases the first letter of each word.</summary>
    internal static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var prev = ' ';
        foreach (var c in s)
        {
            var sep = !(char.IsLetterOrDigit(prev) || prev == '_');
            sb.Append(sep ? char.ToUpperInvariant(c) : c);
            prev = c;
        }
        return sb.ToString();
    }

    private static string JavaScriptEncode(string s)
    {
        var sb = new StringBuilder();
        foreach (var c in s)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\'': sb.Append("\\'"); break;
                case '"': sb.Append("\\\""); break;
                case '<': sb.Append("\\u003C"); break;
                case '>': sb.Append("\\u003E"); break;
                case '&': sb.Append("\\u0026"); break;
                case '=': sb.Append("\\u003D"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }
}

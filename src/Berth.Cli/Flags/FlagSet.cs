using System.Globalization;
using System.Text;

namespace Berth.Cli.Flags;

/// <summary>
/// The command-line grammar of spf13/pflag as docker uses it: <c>--name value</c>, <c>--name=value</c>, combined
/// shorthands (<c>-dit</c>), attached shorthand values (<c>-ePATH=x</c>, <c>-n5</c>), <c>--</c>, and for
/// <c>run</c>/<c>create</c> no interspersed flags: parsing stops at the first positional (the image).
/// </summary>
internal sealed class FlagSet
{
    private readonly List<FlagSpec> _specs = [];
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public FlagSet(bool interspersed = true)
    {
        Interspersed = interspersed;
    }

    public bool Interspersed { get; }

    public IReadOnlyList<FlagSpec> Specs => _specs;

    public bool HelpRequested { get; private set; }

    public FlagSet Add(FlagSpec spec)
    {
        _specs.Add(spec);
        return this;
    }

    public FlagSet Bool(string name, char shorthand, string help, bool dflt = false) =>
        Add(new FlagSpec(name, shorthand, FlagKind.Bool, help, Default: dflt ? "true" : null));

    public FlagSet String(string name, char shorthand, string help, Func<string, string?>? check = null, string? dflt = null) =>
        Add(new FlagSpec(name, shorthand, FlagKind.String, help, check, dflt));

    public FlagSet Int(string name, char shorthand, string help, string? dflt = null) =>
        Add(new FlagSpec(name, shorthand, FlagKind.String, help, CheckInt, dflt));

    public FlagSet List(string name, char shorthand, string help, Func<string, string?>? check = null, string? typeName = null) =>
        Add(new FlagSpec(name, shorthand, FlagKind.List, help, check, TypeName: typeName));

    /// <summary>pflag's StringSlice: every value is a CSV record (<c>--alias a,b</c>); read with <see cref="GetStrings"/>.</summary>
    public FlagSet Strings(string name, char shorthand, string help) =>
        Add(new FlagSpec(name, shorthand, FlagKind.List, help, GoCsv.Check, TypeName: "strings"));

    /// <summary>docker's MapOpts: <c>key=value</c> values, the last one per key wins; read with <see cref="GetMap"/>.</summary>
    public FlagSet Map(string name, char shorthand, string help) =>
        Add(new FlagSpec(name, shorthand, FlagKind.List, help, Default: "map[]", TypeName: "map"));

    /// <summary>strconv.ParseInt's complaint, as pflag reports it.</summary>
    public static string? CheckInt(string v) =>
        long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : $"strconv.ParseInt: parsing {Quote(v)}: invalid syntax";

    private static string Quote(string v) => Formatting.GoFormat.Quote(v);

    private FlagSpec? Long(string name)
    {
        foreach (var s in _specs)
        {
            if (s.Name == name)
            {
                return s;
            }
        }
        return null;
    }

    private FlagSpec? Short(char c)
    {
        foreach (var s in _specs)
        {
            if (s.Short == c)
            {
                return s;
            }
        }
        return null;
    }

    /// <summary>Parses <paramref name="args"/>; returns the positionals. Throws <see cref="UsageException"/> with pflag's wording.</summary>
    public List<string> Parse(IReadOnlyList<string> args)
    {
        var positionals = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                positionals.AddRange(args.Skip(i + 1));
                break;
            }
            if (a.Length < 2 || a[0] != '-')
            {
                if (!Interspersed)
                {
                    positionals.AddRange(args.Skip(i));
                    break;
                }
                positionals.Add(a);
                continue;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var body = a[2..];
                var eq = body.IndexOf('=', StringComparison.Ordinal);
                var name = eq < 0 ? body : body[..eq];
                var spec = Long(name);
                if (spec is null)
                {
                    if (name == "help")
                    {
                        HelpRequested = true;
                        continue;
                    }
                    throw new UsageException($"unknown flag: --{name}");
                }
                if (spec.Kind == FlagKind.Bool)
                {
                    Set(spec, eq < 0 ? "true" : body[(eq + 1)..]);
                }
                else if (eq >= 0)
                {
                    Set(spec, body[(eq + 1)..]);
                }
                else if (i + 1 < args.Count)
                {
                    Set(spec, args[++i]);
                }
                else
                {
                    throw new UsageException($"flag needs an argument: --{name}");
                }
                continue;
            }
            // Shorthands: -abc, -nVALUE, -n VALUE, -n=VALUE.
            var shorts = a[1..];
            for (var j = 0; j < shorts.Length; j++)
            {
                var c = shorts[j];
                var spec = Short(c);
                if (spec is null)
                {
                    if (c == 'h')
                    {
                        HelpRequested = true;
                        continue;
                    }
                    throw new UsageException($"unknown shorthand flag: '{c}' in {a}");
                }
                var rest = shorts[(j + 1)..];
                if (spec.Kind == FlagKind.Bool)
                {
                    if (rest.StartsWith('='))
                    {
                        Set(spec, rest[1..]);
                        break;
                    }
                    Set(spec, "true");
                    continue;
                }
                if (rest.Length > 0)
                {
                    Set(spec, rest.StartsWith('=') ? rest[1..] : rest);
                }
                else if (i + 1 < args.Count)
                {
                    Set(spec, args[++i]);
                }
                else
                {
                    throw new UsageException($"flag needs an argument: '{c}' in -{c}");
                }
                break;
            }
        }
        return positionals;
    }

    private void Set(FlagSpec spec, string value)
    {
        if (spec.Kind == FlagKind.Bool)
        {
            var b = value switch
            {
                "1" or "t" or "T" or "true" or "TRUE" or "True" => "true",
                "0" or "f" or "F" or "false" or "FALSE" or "False" => "false",
                _ => throw new UsageException($"invalid argument {Quote(value)} for {Quote(spec.Display)} flag: strconv.ParseBool: parsing {Quote(value)}: invalid syntax"),
            };
            value = b;
        }
        if (spec.Check?.Invoke(value) is { } error)
        {
            throw new UsageException($"invalid argument {Quote(value)} for {Quote(spec.Display)} flag: {error}");
        }
        if (!_values.TryGetValue(spec.Name, out var list))
        {
            _values[spec.Name] = list = [];
        }
        list.Add(value);
    }

    public bool Changed(string name) => _values.ContainsKey(name);

    public bool GetBool(string name) => _values.TryGetValue(name, out var v) ? v[^1] == "true" : Long(name)?.Default == "true";

    public string? GetString(string name) => _values.TryGetValue(name, out var v) ? v[^1] : Long(name)?.Default;

    public long GetLong(string name, long dflt = 0)
    {
        var s = GetString(name);
        return s is null ? dflt : long.Parse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
    }

    public IReadOnlyList<string> GetList(string name) => _values.TryGetValue(name, out var v) ? v : [];

    /// <summary>The fields of every value of a <see cref="Strings"/> flag, in order.</summary>
    public List<string> GetStrings(string name) => [.. GetList(name).SelectMany(GoCsv.Read)];

    /// <summary>A <see cref="Map"/> flag's pairs in first-seen key order: <c>k=v</c>, or <c>k</c> for an empty value.</summary>
    public Dictionary<string, string> GetMap(string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in GetList(name))
        {
            var eq = v.IndexOf('=', StringComparison.Ordinal);
            map[eq < 0 ? v : v[..eq]] = eq < 0 ? "" : v[(eq + 1)..];
        }
        return map;
    }

    /// <summary>The flag table of <c>--help</c>.</summary>
    public string Describe()
    {
        var rows = new List<(string Left, string Help)>();
        foreach (var s in _specs)
        {
            var left = s.Short != '\0' ? $"  -{s.Short}, --{s.Name}" : $"      --{s.Name}";
            var type = s.TypeName ?? (s.Kind == FlagKind.List ? "list" : s.Check == CheckInt ? "int" : "string");
            if (s.Kind != FlagKind.Bool)
            {
                left += " " + type;
            }
            var help = s.Help;
            if (s.Kind == FlagKind.Bool)
            {
                if (s.Default == "true")
                {
                    help += " (default true)";
                }
            }
            else if (s.Default is { Length: > 0 } d)
            {
                help += $" (default {(type is "int" or "map" ? d : Quote(d))})";
            }
            rows.Add((left, help));
        }
        rows.Add(("      --help", "Print usage"));
        var width = rows.Max(r => r.Left.Length);
        var sb = new StringBuilder();
        foreach (var (left, help) in rows)
        {
            sb.Append(left.PadRight(width)).Append("   ").Append(help).Append('\n');
        }
        return sb.ToString();
    }
}

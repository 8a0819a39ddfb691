namespace Berth.Build.Dockerfile;

/// <summary>
/// An instruction's <c>--name[=value]</c> flags, checked as Docker's <c>BFlags</c> does: each instruction declares
/// the flags it takes, then <see cref="Parse"/> refuses anything else with Docker's message.
/// </summary>
internal sealed class BuilderFlags(IReadOnlyList<string> args)
{
    private enum Kind
    {
        Bool,
        String,
        Strings,
    }

    private readonly Dictionary<string, Kind> _declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public void AddBool(string name) => _declared[name] = Kind.Bool;

    public void AddString(string name) => _declared[name] = Kind.String;

    public void AddStrings(string name) => _declared[name] = Kind.Strings;

    /// <summary>The flags given, in the order first used.</summary>
    public IEnumerable<string> Used => _values.Keys;

    public void Parse()
    {
        foreach (var arg in args)
        {
            if (arg == "--")
            {
                // compat(docker): "--" ends the flags (POSIX utility syntax).
                return;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new InstructionError($"arg should start with -- : {arg}");
            }
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var flagName = eq < 0 ? arg : arg[..eq];
            var hasValue = eq >= 0;
            var value = hasValue ? arg[(eq + 1)..] : "";
            var name = flagName[2..];
            if (!_declared.TryGetValue(name, out var kind))
            {
                throw new InstructionError(Suggest.Wrap($"unknown flag: {flagName}", name, _declared.Keys, caseSensitive: true));
            }
            if (_values.ContainsKey(name) && kind != Kind.Strings)
            {
                throw new InstructionError($"duplicate flag specified: {flagName}");
            }
            var list = _values.TryGetValue(name, out var existing) ? existing : _values[name] = [];
            switch (kind)
            {
                case Kind.Bool:
                    if (hasValue && value.Length == 0)
                    {
                        throw new InstructionError($"missing a value on flag: {flagName}");
                    }
                    list.Clear();
                    list.Add(value.ToLowerInvariant() switch
                    {
                        "true" or "" => "true",
                        "false" => "false",
                        _ => throw new InstructionError($"expecting boolean value for flag {flagName}, not: {value}"),
                    });
                    break;
                default:
                    if (!hasValue)
                    {
                        throw new InstructionError($"missing a value on flag: {flagName}");
                    }
                    list.Add(value);
                    break;
            }
        }
    }

    public bool IsUsed(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public bool Bool(string name) => String(name) == "true";

    public IReadOnlyList<string> Strings(string name) => _values.TryGetValue(name, out var v) ? v : [];
}

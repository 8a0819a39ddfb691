namespace Berth.Cli.Flags;

/// <summary>
/// A flag: its long name, optional one-letter shorthand, kind, and an optional check that returns pflag's
/// error text for a bad value (<c>invalid suffix: 'q'</c>) or null. <see cref="TypeName"/> is the value type
/// <c>--help</c> shows when it is not the kind's own (<c>strings</c>, <c>map</c>, <c>filter</c>).
/// </summary>
internal sealed record FlagSpec(string Name, char Short, FlagKind Kind, string Help, Func<string, string?>? Check = null, string? Default = null, string? TypeName = null)
{
    /// <summary>pflag's way of naming the flag in errors: <c>-m, --memory</c> or <c>--memory-swap</c>.</summary>
    public string Display => Short != '\0' ? $"-{Short}, --{Name}" : $"--{Name}";
}

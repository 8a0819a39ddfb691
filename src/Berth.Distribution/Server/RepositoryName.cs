using System.Text.RegularExpressions;

namespace Berth.Distribution.Server;

/// <summary>The spec's grammar for repository names and tags; a name that passes is also a safe relative path
/// (no empty, <c>.</c> or <c>..</c> component, no component starting with <c>_</c> that could meet the store's own
/// directories).</summary>
public static partial class RepositoryName
{
    /// <summary>compat(distribution): names longer than 255 characters are refused.</summary>
    public const int MaxLength = 255;

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    public static bool IsValid(string name) => name.Length is > 0 and <= MaxLength && NameRegex().IsMatch(name);

    public static bool IsValidTag(string tag) => tag.Length <= 128 && TagRegex().IsMatch(tag);
}

using System.Security.Cryptography;

namespace Berth.Common;

/// <summary>Docker-style identifiers: 64 random hex digits, shown truncated to 12.</summary>
public static class Ids
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static string Short(string id) => id.Length > 12 ? id[..12] : id;

    /// <summary>Strips a leading <c>sha256:</c> so image IDs compare by their hex.</summary>
    public static string TrimAlgorithm(string id) =>
        id.StartsWith("sha256:", StringComparison.Ordinal) ? id[7..] : id;

    /// <summary>
    /// Container names as Docker accepts them: <c>[a-zA-Z0-9][a-zA-Z0-9_.-]+</c>, an optional leading slash.
    /// </summary>
    public static bool IsValidName(string name)
    {
        if (name.StartsWith('/'))
        {
            name = name[1..];
        }
        if (name.Length < 2 || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }
}

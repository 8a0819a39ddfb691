using System.Text.RegularExpressions;
using Berth.Common;

namespace Berth.Volumes;

/// <summary>Docker's rule for volume names: they name a directory under the volumes root, so nothing that could
/// walk out of it.</summary>
internal static partial class VolumeNames
{
    /// <summary>compat(docker): <c>names.RestrictedNameChars</c>, quoted in the error.</summary>
    public const string RestrictedNameChars = "[a-zA-Z0-9][a-zA-Z0-9_.-]";

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex Pattern();

    public static void Validate(string name)
    {
        // compat(docker): the local driver's words (the service puts the store's "create NAME: " in front).
        if (name.Length == 1)
        {
            throw BerthException.Invalid("volume name is too short, names should be at least two alphanumeric characters");
        }
        if (!Pattern().IsMatch(name))
        {
            throw BerthException.Invalid($"{GoQuote(name)} includes invalid characters for a local volume name, only {GoQuote(RestrictedNameChars)} are allowed. If you intended to pass a host directory, use absolute path");
        }
    }

    /// <summary>Go's <c>%q</c> for the strings a user types: quotes and backslashes escaped, control characters
    /// as escapes.</summary>
    public static string GoQuote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}

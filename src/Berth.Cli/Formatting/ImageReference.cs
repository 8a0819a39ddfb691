namespace Berth.Cli.Formatting;

/// <summary>
/// An image reference as distribution/reference parses and normalizes it: <c>busybox</c> is
/// <c>docker.io/library/busybox</c>, shown "familiar" again as <c>busybox</c>.
/// </summary>
internal sealed record ImageReference(string Domain, string Path, string? Tag, string? Digest)
{
    private const string DefaultDomain = "docker.io";

    /// <summary>The full repository name, <c>docker.io/library/busybox</c>.</summary>
    public string Name => Domain + "/" + Path;

    public string FamiliarName
    {
        get
        {
            if (Domain != DefaultDomain)
            {
                return Name;
            }
            return Path.StartsWith("library/", StringComparison.Ordinal) && Path.IndexOf('/', 8) < 0 ? Path[8..] : Path;
        }
    }

    public string FamiliarString => FamiliarName + (Tag is null ? "" : ":" + Tag) + (Digest is null ? "" : "@" + Digest);

    /// <summary>reference.TagNameOnly: adds <c>:latest</c> when there is neither tag nor digest.</summary>
    public ImageReference WithDefaultTag() => Tag is null && Digest is null ? this with { Tag = "latest" } : this;

    /// <summary>reference.ParseNormalizedNamed.</summary>
    public static bool TryParseNormalized(string s, out ImageReference reference, out string error)
    {
        reference = null!;
        error = "";
        if (s.Length == 0)
        {
            error = "invalid reference format";
            return false;
        }
        if (IsHexId(s))
        {
            error = $"invalid repository name ({s}), cannot specify 64-byte hexadecimal strings";
            return false;
        }
        string? digest = null;
        var at = s.IndexOf('@', StringComparison.Ordinal);
        var rest = s;
        if (at >= 0)
        {
            digest = s[(at + 1)..];
            rest = s[..at];
            if (!IsDigest(digest))
            {
                error = "invalid reference format";
                return false;
            }
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!IsTag(tag))
            {
                error = "invalid reference format";
                return false;
            }
        }
        string domain, remainder;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || (rest[..slash].IndexOfAny(['.', ':']) < 0 && rest[..slash] != "localhost" && rest[..slash].ToLowerInvariant() == rest[..slash]))
        {
            domain = DefaultDomain;
            remainder = rest;
        }
        else
        {
            domain = rest[..slash];
            remainder = rest[(slash + 1)..];
        }
        if (domain == "index.docker.io")
        {
            domain = DefaultDomain;
        }
        if (domain == DefaultDomain && !remainder.Contains('/', StringComparison.Ordinal))
        {
            remainder = "library/" + remainder;
        }
        if (remainder.ToLowerInvariant() != remainder)
        {
            error = $"invalid reference format: repository name ({remainder}) must be lowercase";
            return false;
        }
        if (!IsDomain(domain) || !IsPath(remainder) || domain.Length + remainder.Length + 1 > 255)
        {
            error = "invalid reference format";
            return false;
        }
        reference = new ImageReference(domain, remainder, tag, digest);
        return true;
    }

    /// <summary>reference.ParseAnyReference: a 64-hex image ID is accepted too.</summary>
    public static bool IsValidAny(string s, out string error)
    {
        error = "";
        if (IsHexId(s))
        {
            return true;
        }
        return TryParseNormalized(s, out _, out error);
    }

    private static bool IsHexId(string s)
    {
        if (s.Length != 64)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsDigest(string d)
    {
        var colon = d.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == d.Length - 1)
        {
            return false;
        }
        var hex = d[(colon + 1)..];
        if (hex.Length < 32)
        {
            return false;
        }
        foreach (var c in hex)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsTag(string t)
    {
        if (t.Length is 0 or > 128 || !(char.IsAsciiLetterOrDigit(t[0]) || t[0] == '_'))
        {
            return false;
        }
        foreach (var c in t)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsDomain(string d)
    {
        if (d.StartsWith('['))
        {
            return d.Contains(']', StringComparison.Ordinal);
        }
        var host = d;
        var colon = d.LastIndexOf(':');
        if (colon >= 0)
        {
            var port = d[(colon + 1)..];
            if (port.Length == 0 || !port.All(char.IsAsciiDigit))
            {
                return false;
            }
            host = d[..colon];
        }
        foreach (var part in host.Split('.'))
        {
            if (part.Length == 0 || !char.IsAsciiLetterOrDigit(part[0]) || !char.IsAsciiLetterOrDigit(part[^1]) ||
                !part.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Path components: <c>[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*</c>, separated by '/'.</summary>
    private static bool IsPath(string p)
    {
        foreach (var component in p.Split('/'))
        {
            if (component.Length == 0 || !IsAlnumLower(component[0]) || !IsAlnumLower(component[^1]))
            {
                return false;
            }
            for (var i = 0; i < component.Length; i++)
            {
                var c = component[i];
                if (IsAlnumLower(c))
                {
                    continue;
                }
                if (c == '.')
                {
                    if (!IsAlnumLower(component[i + 1]))
                    {
                        return false;
                    }
                    continue;
                }
                if (c == '_')
                {
                    if (component[i + 1] == '_')
                    {
                        i++;
                    }
                    if (!IsAlnumLower(component[i + 1]))
                    {
                        return false;
                    }
                    continue;
                }
                if (c == '-')
                {
                    while (component[i + 1] == '-')
                    {
                        i++;
                    }
                    continue;
                }
                return false;
            }
        }
        return true;
    }

    private static bool IsAlnumLower(char c) => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c);
}

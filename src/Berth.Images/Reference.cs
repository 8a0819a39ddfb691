using System.Text.RegularExpressions;
using Berth.Common;

namespace Berth.Images;

/// <summary>
/// An image reference as Docker's distribution/reference grammar has it: <c>[domain/]path[:tag][@digest]</c>,
/// normalised (<c>busybox</c> is <c>docker.io/library/busybox:latest</c>) and shown in Docker's familiar form.
/// </summary>
public sealed partial record Reference(string Domain, string Path, string? Tag, Digest? Digest)
{
    public const string DefaultDomain = "docker.io";
    public const string DefaultTag = "latest";

    /// <summary><c>docker.io/library/busybox</c></summary>
    public string Repository => Domain + "/" + Path;

    /// <summary>The canonical string: <c>docker.io/library/busybox:latest</c> or <c>…@sha256:…</c>.</summary>
    public string Canonical => Repository + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d.Value : "");

    /// <summary>Docker's short form: <c>busybox:latest</c>, <c>localhost:5000/x/y:v1</c>.</summary>
    public string Familiar => FamiliarRepository + (Tag is null ? "" : ":" + Tag) + (Digest is { } d ? "@" + d.Value : "");

    public string FamiliarRepository =>
        Domain != DefaultDomain ? Repository : Path.StartsWith("library/", StringComparison.Ordinal) && Path.IndexOf('/', 8) < 0 ? Path[8..] : Path;

    public override string ToString() => Familiar;

    public Reference WithTag(string tag) => this with { Tag = tag, Digest = null };

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$")]
    private static partial Regex PathPattern();

    // compat(docker): Go's \w is ASCII only.
    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$")]
    private static partial Regex DomainPattern();

    /// <summary>Parses a reference; a missing tag stays missing (see <see cref="ParseNormalizedTagged"/>).</summary>
    public static Reference Parse(string text)
    {
        if (!TryParse(text, out var r, out var error))
        {
            throw BerthException.Invalid(error!);
        }
        return r!;
    }

    /// <summary>Parses and defaults the tag to <c>latest</c> when neither tag nor digest is given.</summary>
    public static Reference ParseNormalizedTagged(string text)
    {
        var r = Parse(text);
        return r.Tag is null && r.Digest is null ? r with { Tag = DefaultTag } : r;
    }

    public static bool TryParse(string text, out Reference? reference, out string? error)
    {
        reference = null;
        error = null;
        if (string.IsNullOrEmpty(text) || text.Length > 255 + 64)
        {
            error = "invalid reference format";
            return false;
        }
        var rest = text;
        Digest? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            if (!Common.Digest.TryParse(rest[(at + 1)..], out var d))
            {
                error = "invalid reference format";
                return false;
            }
            digest = d;
            rest = rest[..at];
        }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon >= 0 && colon > rest.LastIndexOf('/'))
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
            if (!TagPattern().IsMatch(tag))
            {
                error = "invalid reference format";
                return false;
            }
        }
        string domain, path;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0 && (rest[..slash].Contains('.', StringComparison.Ordinal) || rest[..slash].Contains(':', StringComparison.Ordinal) || rest[..slash] == "localhost" || rest[..slash].Any(char.IsUpper)))
        {
            domain = rest[..slash];
            path = rest[(slash + 1)..];
            if (!DomainPattern().IsMatch(domain))
            {
                error = "invalid reference format";
                return false;
            }
        }
        else
        {
            domain = DefaultDomain;
            path = rest;
        }
        if (domain is "index.docker.io")
        {
            domain = DefaultDomain;
        }
        if (domain == DefaultDomain && !path.Contains('/', StringComparison.Ordinal))
        {
            path = "library/" + path;
        }
        if (!PathPattern().IsMatch(path))
        {
            error = path.Any(char.IsUpper)
                ? $"invalid reference format: repository name ({path}) must be lowercase"
                : "invalid reference format";
            return false;
        }
        if (Common.Digest.IsHex64(rest) && tag is null)
        {
            // compat(docker): a bare 64-hex string is an image ID, not a repository name.
            error = $"invalid repository name ({rest}), cannot specify 64-byte hexadecimal strings";
            return false;
        }
        reference = new Reference(domain, path, tag, digest);
        return true;
    }
}

namespace Berth.Cli.Bootstrap;

/// <summary>
/// The Debian archive and security mirrors apt uses: what the machine's own sources say (deb822
/// <c>debian.sources</c> first, then the one-line <c>sources.list</c>), else deb.debian.org. Containers of the image
/// get the same mirrors, so whatever reaches the archive from here is what they use.
/// </summary>
internal sealed record AptMirrors(string Archive, string? Security)
{
    public const string DefaultArchive = "http://deb.debian.org/debian";
    public const string DefaultSecurity = "http://deb.debian.org/debian-security";

    public static readonly AptMirrors Default = new(DefaultArchive, DefaultSecurity);

    /// <summary>The mirrors of the sources under <paramref name="root"/> (<c>/</c>: this machine's).</summary>
    public static AptMirrors Discover(string root = "/")
    {
        var deb822 = Path.Join(root, "etc/apt/sources.list.d/debian.sources");
        if (File.Exists(deb822) && FromDeb822(File.ReadAllText(deb822)) is { } fromDeb822)
        {
            return fromDeb822;
        }
        var oneLine = Path.Join(root, "etc/apt/sources.list");
        if (File.Exists(oneLine) && FromOneLine(File.ReadAllText(oneLine)) is { } fromOneLine)
        {
            return fromOneLine;
        }
        return Default;
    }

    /// <summary>The archive mirror given on the command line, with the security mirror of the machine's sources.</summary>
    public static AptMirrors WithArchive(string archive, AptMirrors discovered) =>
        new(archive.TrimEnd('/'), discovered.Security);

    /// <summary>The first <c>URIs:</c> of an enabled <c>Types: deb</c> stanza (a <c>-security</c> suite's gives
    /// the security mirror), or null when there is none.</summary>
    public static AptMirrors? FromDeb822(string text)
    {
        string? archive = null, security = null;
        foreach (var stanza in Stanzas(text))
        {
            if (!stanza.TryGetValue("types", out var types) || !Words(types).Contains("deb")
                || (stanza.TryGetValue("enabled", out var enabled) && enabled.Trim() == "no")
                || !stanza.TryGetValue("uris", out var uris) || Words(uris).FirstOrDefault() is not { } uri)
            {
                continue;
            }
            var suites = stanza.TryGetValue("suites", out var s) ? Words(s) : [];
            if (suites.Any(IsSecuritySuite))
            {
                security ??= uri.TrimEnd('/');
            }
            else
            {
                archive ??= uri.TrimEnd('/');
            }
        }
        return Complete(archive, security);
    }

    /// <summary>The URI of the first <c>deb</c> line (a <c>-security</c> suite's gives the security mirror), or null.</summary>
    public static AptMirrors? FromOneLine(string text)
    {
        string? archive = null, security = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Split('#', 2)[0].Trim();
            if (!line.StartsWith("deb ", StringComparison.Ordinal) && !line.StartsWith("deb\t", StringComparison.Ordinal))
            {
                continue;
            }
            var rest = line[3..].Trim();
            if (rest.StartsWith('['))
            {
                var close = rest.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    continue;
                }
                rest = rest[(close + 1)..];
            }
            var fields = Words(rest);
            if (fields.Count < 2)
            {
                continue;
            }
            if (IsSecuritySuite(fields[1]))
            {
                security ??= fields[0].TrimEnd('/');
            }
            else
            {
                archive ??= fields[0].TrimEnd('/');
            }
        }
        return Complete(archive, security);
    }

    private static AptMirrors? Complete(string? archive, string? security) => archive is null
        ? null
        : new(archive, security ?? (archive == DefaultArchive ? DefaultSecurity : null));

    // bookworm-security; before bullseye the security suite was "buster/updates".
    private static bool IsSecuritySuite(string suite) =>
        suite.EndsWith("-security", StringComparison.Ordinal) || suite.EndsWith("/updates", StringComparison.Ordinal);

    private static List<string> Words(string value) =>
        [.. value.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>deb822 paragraphs: fields by lower-cased name, continuation lines joined, comments dropped.</summary>
    private static IEnumerable<Dictionary<string, string>> Stanzas(string text)
    {
        var stanza = new Dictionary<string, string>(StringComparer.Ordinal);
        string? last = null;
        foreach (var raw in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.StartsWith('#'))
            {
                continue;
            }
            if (raw.Trim().Length == 0)
            {
                if (stanza.Count > 0)
                {
                    yield return stanza;
                    stanza = new Dictionary<string, string>(StringComparer.Ordinal);
                }
                last = null;
                continue;
            }
            if ((raw[0] == ' ' || raw[0] == '\t') && last is not null)
            {
                stanza[last] += "\n" + raw.Trim();
                continue;
            }
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }
            last = raw[..colon].Trim().ToLowerInvariant();
            stanza[last] = raw[(colon + 1)..].Trim();
        }
        if (stanza.Count > 0)
        {
            yield return stanza;
        }
    }
}

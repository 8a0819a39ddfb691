using System.Text;
using System.Text.RegularExpressions;

namespace Berth.Common;

/// <summary>
/// A build context's <c>.dockerignore</c>, matched as Docker's <c>patternmatcher</c> does: one pattern a line,
/// <c>#</c> comments, paths cleaned and relative to the context root, Go's <c>filepath.Match</c> syntax plus
/// <c>**</c> for any number of directories, <c>!</c> exceptions where the last matching line wins, and a path
/// excluded when it or one of its parent directories matches.
/// </summary>
public sealed class DockerIgnore
{
    private readonly IReadOnlyList<IgnorePattern> _compiled;

    private DockerIgnore(IReadOnlyList<string> patterns)
    {
        Patterns = patterns;
        _compiled = [.. patterns.Select(IgnorePattern.Compile)];
    }

    /// <summary>The patterns as cleaned, in file order (exceptions keep their <c>!</c>).</summary>
    public IReadOnlyList<string> Patterns { get; }

    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>Reads a .dockerignore file's text; a bad pattern throws <see cref="BerthException"/> (invalid).</summary>
    public static DockerIgnore Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var patterns = new List<string>();
        if (content.StartsWith('\uFEFF'))
        {
            content = content[1..];
        }
        foreach (var rawLine in content.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            // compat(docker): only a '#' in the first column starts a comment.
            if (line.StartsWith('#'))
            {
                continue;
            }
            var pattern = line.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }
            var invert = pattern[0] == '!';
            if (invert)
            {
                pattern = pattern[1..].Trim();
            }
            if (pattern.Length > 0)
            {
                pattern = GoPath.Clean(pattern);
                // A leading "/" means the context root, which is where every pattern starts anyway.
                if (pattern.Length > 1 && pattern[0] == '/')
                {
                    pattern = pattern[1..];
                }
            }
            patterns.Add(invert ? "!" + pattern : pattern);
        }
        return new DockerIgnore(patterns);
    }

    /// <summary>Whether the context path (slash-separated, relative to the root, e.g. <c>sub/a.txt</c>) is left out.</summary>
    public bool IsExcluded(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = GoPath.Clean(path);
        if (file == "." || _compiled.Count == 0)
        {
            // compat(docker): the context root itself is never excluded.
            return false;
        }
        var parent = GoPath.Dir(file);
        var parentDirs = parent == "." ? [] : parent.Split('/');
        var matched = false;
        foreach (var pattern in _compiled)
        {
            // An inclusion cannot change a match, nor an exception a non-match.
            if (pattern.Exclusion != matched)
            {
                continue;
            }
            var match = pattern.Matches(file);
            for (var i = 1; !match && i <= parentDirs.Length; i++)
            {
                match = pattern.Matches(string.Join('/', parentDirs, 0, i));
            }
            if (match)
            {
                matched = !pattern.Exclusion;
            }
        }
        return matched;
    }

    /// <summary>Whether an exception pattern could bring back something below the directory <paramref name="dir"/>,
    /// so a walk must enter it even though the directory itself is excluded.</summary>
    public bool HasExceptionsUnder(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        var clean = GoPath.Clean(dir);
        var dirParts = clean == "." ? [] : clean.Split('/');
        foreach (var pattern in _compiled)
        {
            if (!pattern.Exclusion)
            {
                continue;
            }
            // compat(docker): the archive walker's rule, a pattern written under the directory...
            if ((pattern.Text + "/").StartsWith(clean + "/", StringComparison.Ordinal))
            {
                return true;
            }
            // ...widened to wildcards, as BuildKit's walker does: "!*/keep" or "!**/keep" may match below.
            if (pattern.CouldMatchUnder(dirParts))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One pattern compiled as <c>patternmatcher</c> compiles it: exact, prefix (<c>a/**</c>), suffix
    /// (<c>**/a</c>) or a regular expression.</summary>
    private sealed class IgnorePattern
    {
        private enum MatchType
        {
            Exact,
            Prefix,
            Suffix,
            Regex,
        }

        private MatchType _type;
        private Regex? _regex;

        private IgnorePattern(string text, bool exclusion)
        {
            Text = text;
            Exclusion = exclusion;
            Components = text.Split('/');
        }

        /// <summary>The cleaned pattern without its <c>!</c>.</summary>
        public string Text { get; }

        public bool Exclusion { get; }

        private string[] Components { get; }

        public static IgnorePattern Compile(string line)
        {
            var p = GoPath.Clean(line);
            var exclusion = false;
            if (p[0] == '!')
            {
                if (p.Length == 1)
                {
                    throw BerthException.Invalid("illegal exclusion pattern: \"!\"");
                }
                exclusion = true;
                p = p[1..];
            }
            if (!IsValidGoPattern(p))
            {
                throw BerthException.Invalid($"syntax error in pattern: {p}");
            }
            var pattern = new IgnorePattern(p, exclusion);
            pattern.Build();
            return pattern;
        }

        private void Build()
        {
            var re = new StringBuilder("^");
            var type = MatchType.Exact;
            var p = Text;
            for (var i = 0; i < p.Length; i++)
            {
                var ch = p[i];
                if (ch == '*')
                {
                    if (i + 1 < p.Length && p[i + 1] == '*')
                    {
                        var first = i == 0;
                        i++;
                        // "**/" is "**": any number of directories, even none.
                        if (i + 1 < p.Length && p[i + 1] == '/')
                        {
                            i++;
                        }
                        if (i + 1 == p.Length)
                        {
                            if (type == MatchType.Exact)
                            {
                                type = MatchType.Prefix;
                            }
                            else
                            {
                                re.Append(".*");
                                type = MatchType.Regex;
                            }
                        }
                        else
                        {
                            re.Append("(.*/)?");
                            type = MatchType.Regex;
                        }
                        if (first)
                        {
                            type = MatchType.Suffix;
                        }
                    }
                    else
                    {
                        re.Append("[^/]*");
                        type = MatchType.Regex;
                    }
                }
                else if (ch == '?')
                {
                    re.Append("[^/]");
                    type = MatchType.Regex;
                }
                else if (ch is '.' or '+' or '(' or ')' or '|' or '{' or '}' or '$')
                {
                    re.Append('\\').Append(ch);
                }
                else if (ch == '\\')
                {
                    if (i + 1 < p.Length)
                    {
                        re.Append('\\').Append(p[++i]);
                        type = MatchType.Regex;
                    }
                    else
                    {
                        re.Append("\\\\");
                    }
                }
                else if (ch is '[' or ']')
                {
                    re.Append(ch);
                    type = MatchType.Regex;
                }
                else
                {
                    re.Append(ch);
                }
            }
            _type = type;
            if (type == MatchType.Regex)
            {
                try
                {
                    _regex = new Regex(re.Append(@"\z").ToString(), RegexOptions.CultureInvariant);
                }
                catch (ArgumentException)
                {
                    throw BerthException.Invalid($"syntax error in pattern: {Text}");
                }
            }
        }

        public bool Matches(string path)
        {
            switch (_type)
            {
                case MatchType.Exact:
                    return path == Text;
                case MatchType.Prefix:
                    return path.StartsWith(Text[..^2], StringComparison.Ordinal);
                case MatchType.Suffix:
                    {
                        var suffix = Text[2..];
                        if (path.EndsWith(suffix, StringComparison.Ordinal))
                        {
                            return true;
                        }
                        // "**/foo" matches "foo" too.
                        return suffix.Length > 0 && suffix[0] == '/' && path == suffix[1..];
                    }
                default:
                    return _regex!.IsMatch(path);
            }
        }

        /// <summary>Whether this pattern may match the directory, one of its parents, or something below it.</summary>
        public bool CouldMatchUnder(string[] dirParts)
        {
            for (var i = 0; i < dirParts.Length; i++)
            {
                if (i >= Components.Length)
                {
                    // The pattern matched a parent of the directory: everything below comes back.
                    return true;
                }
                var component = Components[i];
                if (component.Contains("**", StringComparison.Ordinal))
                {
                    return true;
                }
                if (!ComponentMatches(component, dirParts[i]))
                {
                    return false;
                }
            }
            return true;
        }

        private static bool ComponentMatches(string component, string name)
        {
            try
            {
                var single = new IgnorePattern(component, false);
                single.Build();
                return single.Matches(name);
            }
            catch (BerthException)
            {
                return true;
            }
        }

        /// <summary>Go's <c>filepath.Match</c> syntax check: a trailing <c>\</c> or a malformed <c>[…]</c> class.</summary>
        private static bool IsValidGoPattern(string p)
        {
            var i = 0;
            while (i < p.Length)
            {
                switch (p[i])
                {
                    case '\\':
                        if (i + 1 >= p.Length)
                        {
                            return false;
                        }
                        i += 2;
                        break;
                    case '[':
                        i++;
                        if (i < p.Length && p[i] == '^')
                        {
                            i++;
                        }
                        var ranges = 0;
                        while (true)
                        {
                            if (i < p.Length && p[i] == ']' && ranges > 0)
                            {
                                i++;
                                break;
                            }
                            if (!ClassChar(p, ref i))
                            {
                                return false;
                            }
                            if (p[i] == '-')
                            {
                                i++;
                                if (!ClassChar(p, ref i))
                                {
                                    return false;
                                }
                            }
                            ranges++;
                        }
                        break;
                    default:
                        i++;
                        break;
                }
            }
            return true;
        }

        /// <summary>Go's <c>getEsc</c>: one class character, escaped or not, that must be followed by more.</summary>
        private static bool ClassChar(string p, ref int i)
        {
            if (i >= p.Length || p[i] is '-' or ']')
            {
                return false;
            }
            if (p[i] == '\\')
            {
                i++;
                if (i >= p.Length)
                {
                    return false;
                }
            }
            i += char.IsSurrogatePair(p, i) ? 2 : 1;
            return i < p.Length;
        }
    }
}

namespace Berth.Common;

/// <summary>Go's <c>path/filepath</c> functions on '/'-separated paths, as Docker's archive code uses them: the
/// meaning of a trailing "/" or "/." in a <c>docker cp</c> path lives in these few rules. The daemon uses them on
/// container paths, the CLI on local ones.</summary>
public static class GoPath
{
    /// <summary><c>filepath.Clean</c>.</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }
        var rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..")
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!rooted)
                {
                    parts.Add("..");
                }
                continue;
            }
            parts.Add(part);
        }
        var joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    /// <summary><c>filepath.Base</c>: the last element, trailing slashes dropped; "/" for the root.</summary>
    public static string Base(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }
        path = path.TrimEnd('/');
        if (path.Length == 0)
        {
            return "/";
        }
        var slash = path.LastIndexOf('/');
        return slash < 0 ? path : path[(slash + 1)..];
    }

    /// <summary><c>filepath.Dir</c>: all but the last element, cleaned.</summary>
    public static string Dir(string path)
    {
        var slash = path.LastIndexOf('/');
        return Clean(slash < 0 ? "." : path[..(slash + 1)]);
    }

    /// <summary><c>filepath.Join</c> of two elements.</summary>
    public static string Join(string a, string b) => Clean(a + "/" + b);

    /// <summary>compat(docker): <c>archive.specifiesCurrentDir</c>: the path ends in "."</summary>
    public static bool SpecifiesCurrentDir(string path) => Base(path) == ".";

    /// <summary><c>filepath.Split</c>: everything up to and including the last '/', and the rest.</summary>
    public static (string Dir, string File) Split(string path)
    {
        var slash = path.LastIndexOf('/');
        return (path[..(slash + 1)], path[(slash + 1)..]);
    }

    /// <summary>compat(docker): <c>archive.PreserveTrailingDotOrSeparator</c>: a cleaned path keeps the "/." or "/"
    /// the original ended with, since both say "a directory" (and "/." says "its content").</summary>
    public static string PreserveTrailingDotOrSeparator(string cleaned, string original)
    {
        if (!SpecifiesCurrentDir(cleaned) && SpecifiesCurrentDir(original))
        {
            if (!cleaned.EndsWith('/'))
            {
                cleaned += "/";
            }
            cleaned += ".";
        }
        if (!cleaned.EndsWith('/') && original.EndsWith('/'))
        {
            cleaned += "/";
        }
        return cleaned;
    }

    /// <summary>The path as Docker's daemon takes it: absolute in the container, cleaned, with its trailing "/" or
    /// "/." kept.</summary>
    public static string ContainerAbsolute(string path) => PreserveTrailingDotOrSeparator(Clean("/" + path), path);
}

namespace Berth.Images.Layers;

/// <summary>Lexical handling of entry names: relative to the layer root, '/'-separated, "" for the root itself.</summary>
internal static class LayerPath
{
    /// <summary>Cleans a name as Go's <c>filepath.Clean</c> does and makes it relative to the root, or returns null
    /// when a relative name climbs above the root with "..". compat(docker): an absolute name is taken relative to
    /// the root (the leading '/' is stripped), and ".." at the top of an absolute name stays at the top, as
    /// <c>filepath.Join(dest, name)</c> has it.</summary>
    public static string? Clean(string name)
    {
        // Directories usually come as "etc/": drop one trailing slash before the fast check.
        var trimmed = name.Length > 1 && name[^1] == '/' ? name[..^1] : name;
        if (IsClean(trimmed))
        {
            return trimmed;
        }
        var absolute = name.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                else if (!absolute)
                {
                    return null;
                }
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>Whether a relative symlink target, taken from the directory that holds the link, stays under the
    /// root. compat(docker): an absolute target is always accepted; it resolves against the container's root.</summary>
    public static bool TargetStaysInRoot(string linkDir, string target) =>
        target.StartsWith('/') || Clean(linkDir.Length == 0 ? target : linkDir + "/" + target) is not null;

    /// <summary>The directory part ("" at the top) and the last component of a cleaned, non-empty path.</summary>
    public static (string Dir, string Name) Split(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? ("", path) : (path[..slash], path[(slash + 1)..]);
    }

    public static string Join(string dir, string name) => dir.Length == 0 ? name : dir + "/" + name;

    /// <summary>The path as the kernel should see it relative to a directory fd: "." for the root.</summary>
    public static string ForSyscall(string path) => path.Length == 0 ? "." : path;

    // Most names in real layers are already clean ("usr/bin/env", "etc/"): skip the allocation for them.
    private static bool IsClean(string name)
    {
        if (name.Length == 0 || name[0] == '/' || name[^1] == '/')
        {
            return false;
        }
        var start = 0;
        while (true)
        {
            var slash = name.IndexOf('/', start);
            var end = slash < 0 ? name.Length : slash;
            var len = end - start;
            if (len == 0 || (len == 1 && name[start] == '.') || (len == 2 && name[start] == '.' && name[start + 1] == '.'))
            {
                return false;
            }
            if (slash < 0)
            {
                return true;
            }
            start = slash + 1;
        }
    }
}

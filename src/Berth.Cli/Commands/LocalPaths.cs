namespace Berth.Cli.Commands;

/// <summary>Host-side path rules of <c>docker cp</c> and <c>docker export</c>: Go's <c>filepath</c> functions and
/// Docker's archive helpers (<c>SplitPathDirEntry</c>, <c>PreserveTrailingDotOrSeparator</c>, …) on '/' paths.</summary>
internal static class LocalPaths
{
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

    public static string Dir(string path)
    {
        var slash = path.LastIndexOf('/');
        return Clean(slash < 0 ? "." : path[..(slash + 1)]);
    }

    public static string Join(string a, string b) => Clean(a + "/" + b);

    public static bool SpecifiesCurrentDir(string path) => Base(path) == ".";

    public static bool AssertsDirectory(string path) => path.EndsWith('/') || SpecifiesCurrentDir(path);

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

    /// <summary>compat(docker): <c>archive.SplitPathDirEntry</c>.</summary>
    public static (string Dir, string Base) SplitPathDirEntry(string path)
    {
        var cleaned = Clean(path);
        if (SpecifiesCurrentDir(path))
        {
            cleaned += "/.";
        }
        return (Dir(cleaned), Base(cleaned));
    }

    /// <summary>An absolute local path, keeping the trailing "/" or "/." that carries meaning.</summary>
    public static string ResolveLocalPath(string path) =>
        PreserveTrailingDotOrSeparator(Clean(Path.GetFullPath(path)), path);

    /// <summary>compat(docker): <c>command.ValidateOutputPath</c>; the error text, or null when the path will do.</summary>
    public static string? ValidateOutputPath(string path)
    {
        var dir = Dir(Clean(path));
        if (dir is not ("" or ".") && !Directory.Exists(dir) && !File.Exists(dir))
        {
            return $"invalid output path: directory \"{dir}\" does not exist";
        }
        return null;
    }

    /// <summary>Writes <paramref name="content"/> to a temporary file beside <paramref name="output"/> and renames it
    /// into place, so a failure leaves nothing half-written.</summary>
    public static void WriteAtomically(string output, Stream content)
    {
        var full = Path.GetFullPath(output);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + ".tmp" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                BufferSize = 1 << 16,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            }))
            {
                content.CopyTo(file, 1 << 16);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            temp = null;
        }
        finally
        {
            if (temp is not null)
            {
                File.Delete(temp);
            }
        }
    }
}

using Berth.Common;
using Berth.Linux;

namespace Berth.Cli.BuildContexts;

/// <summary>
/// A directory build context as the docker CLI sends it (<c>archive.TarWithOptions</c> with the .dockerignore
/// excludes): the root itself left out, each directory's names in byte order, depth first, symlinks as links
/// (never followed), sockets left out. An excluded directory is skipped whole unless an exception pattern may
/// bring back something below it; then only its own entry is left out.
/// </summary>
internal static class DirectoryContext
{
    /// <summary>
    /// Walks <paramref name="root"/> and checks, as the CLI's ValidateContextDirectory does before anything is sent,
    /// that every file that will be sent can be read.
    /// </summary>
    public static List<ContextEntry> Scan(string root, DockerIgnore? ignore)
    {
        var entries = new List<ContextEntry>();
        Walk(root, "", ignore, entries);
        return entries;
    }

    private static void Walk(string dir, string rel, DockerIgnore? ignore, List<ContextEntry> entries)
    {
        string[] names;
        try
        {
            names = [.. Directory.EnumerateFileSystemEntries(dir).Select(p => Path.GetFileName(p))];
        }
        catch (UnauthorizedAccessException)
        {
            throw new StatusException($"error checking context: can't stat '{dir}'", 1);
        }
        // compat(docker): filepath.Walk sorts names bytewise.
        Array.Sort(names, static (a, b) => CompareUtf8(a, b));
        foreach (var name in names)
        {
            var childRel = rel.Length == 0 ? name : rel + "/" + name;
            var full = dir == "/" ? "/" + name : dir + "/" + name;
            if (!Fs.TryLstat(full, out var st))
            {
                var errno = Sys.LastErrno;
                throw new StatusException(errno == LibC.ENOENT
                    ? $"error checking context: file ('{full}') not found or excluded by .dockerignore"
                    : $"error checking context: can't stat '{full}'", 1);
            }
            var entry = new ContextEntry(childRel, full, st);
            if (ignore is not null && ignore.IsExcluded(childRel))
            {
                if (entry.IsDir && ignore.HasExceptionsUnder(childRel))
                {
                    Walk(full, childRel, ignore, entries);
                }
                continue;
            }
            switch (entry.Type)
            {
                case LibC.S_IFSOCK:
                    continue;
                case LibC.S_IFREG:
                    CheckReadable(full);
                    break;
            }
            entries.Add(entry);
            if (entry.IsDir)
            {
                Walk(full, childRel, ignore, entries);
            }
        }
    }

    private static void CheckReadable(string path)
    {
        try
        {
            using var _ = File.OpenHandle(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new StatusException($"error checking context: no permission to read from '{path}'", 1);
        }
    }

    private static int CompareUtf8(string a, string b)
    {
        // UTF-16 ordinal order differs from byte order only for surrogates versus U+E000..U+FFFF.
        return System.Text.Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(System.Text.Encoding.UTF8.GetBytes(b));
    }
}

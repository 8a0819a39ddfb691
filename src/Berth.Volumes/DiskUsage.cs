using Berth.Linux;

namespace Berth.Volumes;

/// <summary>The bytes a directory tree holds.</summary>
internal static class DiskUsage
{
    /// <summary>
    /// compat(docker): as moby's <c>directory.Size</c> (what <c>docker system df -v</c> shows): the apparent size of
    /// every file below <paramref name="dir"/>, a file with several hard links counted once, symlinks not followed
    /// (a link counts its own length), directories themselves not counted. Entries that vanish meanwhile are skipped.
    /// </summary>
    public static long Of(string dir)
    {
        long total = 0;
        var seen = new HashSet<(ulong Dev, ulong Ino)>();
        var todo = new Stack<string>();
        todo.Push(dir);
        while (todo.TryPop(out var d))
        {
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(d);
                foreach (var path in entries)
                {
                    if (!Fs.TryLstat(path, out var st))
                    {
                        continue;
                    }
                    var type = st.st_mode & LibC.S_IFMT;
                    if (type == LibC.S_IFDIR)
                    {
                        todo.Push(path);
                        continue;
                    }
                    if (st.st_size == 0 || (st.st_nlink > 1 && !seen.Add((st.st_dev, st.st_ino))))
                    {
                        continue;
                    }
                    total += st.st_size;
                }
            }
            catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException or IOException)
            {
                // Removed or unreadable meanwhile: what is left is still counted.
            }
        }
        return total;
    }
}

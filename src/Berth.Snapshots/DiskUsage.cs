using System.IO.Enumeration;
using Berth.Linux;

namespace Berth.Snapshots;

/// <summary>Apparent size of a tree, each inode counted once (hardlinks), symlinks not followed.</summary>
public static class DiskUsage
{
    public static long Of(string root)
    {
        if (!Directory.Exists(root))
        {
            return 0;
        }
        var seen = new HashSet<ulong>();
        long total = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true, ReturnSpecialDirectories = false };
        // Never into a symlinked directory: a layer's link may point anywhere on the host (lib -> /usr/lib).
        var files = new FileSystemEnumerable<string>(root, (ref FileSystemEntry e) => e.ToFullPath(), options)
        {
            ShouldIncludePredicate = (ref FileSystemEntry e) => !e.IsDirectory,
            ShouldRecursePredicate = (ref FileSystemEntry e) => (e.Attributes & FileAttributes.ReparsePoint) == 0,
        };
        foreach (var path in files)
        {
            if (!Fs.TryLstat(path, out var st) || (st.st_mode & LibC.S_IFMT) != LibC.S_IFREG)
            {
                continue;
            }
            if (st.st_nlink > 1 && !seen.Add(st.st_ino))
            {
                continue;
            }
            total += st.st_size;
        }
        return total;
    }
}

using Berth.Linux;

namespace Berth.Snapshots;

/// <summary>Copies a tree as <c>cp -a</c> does: owners, modes, times, symlinks, hardlinks, device nodes and
/// file capabilities, never following a symlink.</summary>
public static class TreeCopier
{
    public static void Copy(string source, string target)
    {
        var links = new Dictionary<(ulong Dev, ulong Ino), string>();
        var dirs = new List<(string Path, LibC.Stat Stat)>();
        CopyEntry(source, target, links, dirs);
        // Directory times last: creating their children changed them.
        for (var i = dirs.Count - 1; i >= 0; i--)
        {
            var (path, st) = dirs[i];
            SetTimes(path, st);
        }
    }

    private static void CopyEntry(string src, string dst, Dictionary<(ulong, ulong), string> links, List<(string, LibC.Stat)> dirs)
    {
        var st = Fs.Lstat(src);
        var type = st.st_mode & LibC.S_IFMT;
        if (type != LibC.S_IFDIR && st.st_nlink > 1)
        {
            if (links.TryGetValue((st.st_dev, st.st_ino), out var first))
            {
                Fs.Link(first, dst);
                return;
            }
            links[(st.st_dev, st.st_ino)] = dst;
        }
        switch (type)
        {
            case LibC.S_IFDIR:
                if (!Directory.Exists(dst))
                {
                    Directory.CreateDirectory(dst);
                }
                foreach (var child in Directory.EnumerateFileSystemEntries(src, "*", new EnumerationOptions { AttributesToSkip = 0, RecurseSubdirectories = false }))
                {
                    CopyEntry(child, Path.Join(dst, Path.GetFileName(child)), links, dirs);
                }
                dirs.Add((dst, st));
                break;
            case LibC.S_IFREG:
                using (var input = new FileStream(src, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
                using (var output = new FileStream(dst, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1))
                {
                    input.CopyTo(output, 256 * 1024);
                }
                break;
            case LibC.S_IFLNK:
                Fs.Symlink(new FileInfo(src).LinkTarget ?? "", dst);
                break;
            default:
                Fs.Mknod(dst, st.st_mode, st.st_rdev);
                break;
        }
        Fs.Lchown(dst, st.st_uid, st.st_gid);
        if (type != LibC.S_IFLNK)
        {
            // After chown, which clears setuid/setgid bits.
            Fs.Chmod(dst, st.st_mode & 0xfff);
            if (type == LibC.S_IFREG && Fs.GetXattr(src, "security.capability") is { } caps)
            {
                Fs.SetXattr(dst, "security.capability", caps);
            }
        }
        if (type != LibC.S_IFDIR)
        {
            SetTimes(dst, st);
        }
    }

    /// <summary>The source's timespecs as they are: a DateTimeOffset would round the nanoseconds to 100 ns.</summary>
    private static unsafe void SetTimes(string path, LibC.Stat st)
    {
        var times = stackalloc LibC.Timespec[2];
        times[0] = st.st_atim;
        times[1] = st.st_mtim;
        Sys.Check(LibC.utimensat(LibC.AT_FDCWD, path, times, LibC.AT_SYMLINK_NOFOLLOW), "utimensat", path);
    }
}

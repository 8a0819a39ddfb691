using System.Text;
using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Archive;

/// <summary>
/// <c>docker diff</c> over an overlayfs upper directory, as Docker's <c>archive.OverlayChanges</c> computes it: the
/// upper directory is walked in name order; a 0/0 character device or an opaque directory is a deletion; an entry
/// is a modification when a lower directory has the path, an addition otherwise; a directory whose size, mode and
/// time match the lower one is no change by itself; the parent of an addition or deletion is always shown as
/// modified. Nothing is followed: the upper directory is read through fds, the lower ones with openat2.
/// </summary>
public static unsafe class OverlayChanges
{
    /// <param name="upperDir">The container's writable layer.</param>
    /// <param name="lowerDirs">The image's layers, nearest first.</param>
    /// <param name="initPaths">compat(docker): mount points the runtime creates in the writable layer, which Docker
    /// keeps in a separate init layer and so never reports: skipped themselves; their parent directories count as
    /// present below, and a time change alone does not make them modified.</param>
    public static IReadOnlyList<FsChange> Compute(string upperDir, IReadOnlyList<string> lowerDirs, IReadOnlySet<string> initPaths)
    {
        ArgumentNullException.ThrowIfNull(lowerDirs);
        ArgumentNullException.ThrowIfNull(initPaths);
        using var upper = Fs.Open(upperDir, LibC.O_RDONLY | LibC.O_DIRECTORY);
        var lowers = lowerDirs.Select(d => Fs.Open(d, LibC.O_PATH | LibC.O_DIRECTORY)).ToList();
        try
        {
            var walk = new Walk(lowers, initPaths);
            walk.Directory(upper, "");
            return walk.Changes;
        }
        finally
        {
            foreach (var l in lowers)
            {
                l.Dispose();
            }
        }
    }

    private sealed class Walk(List<SafeFd> lowers, IReadOnlySet<string> initPaths)
    {
        private readonly HashSet<string> _changedDirs = [];
        private readonly HashSet<string> _initParents = [.. initPaths.Select(ParentOf).Where(p => p != "/")];

        public List<FsChange> Changes { get; } = [];

        public void Directory(SafeFd dir, string dirPath)
        {
            var children = FdTree.List(dir);
            children.Sort((a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
            foreach (var (raw, _) in children)
            {
                var path = dirPath + "/" + Encoding.UTF8.GetString(raw, 0, raw.Length - 1);
                LibC.Stat st;
                fixed (byte* n = raw)
                {
                    if (LibC.fstatat(dir.Fd, n, out st, LibC.AT_SYMLINK_NOFOLLOW) < 0)
                    {
                        if (Sys.LastErrno == LibC.ENOENT)
                        {
                            continue;
                        }
                        throw new LinuxException("lstat", path, Sys.LastErrno);
                    }
                }
                var type = st.st_mode & LibC.S_IFMT;
                SafeFd? child = null;
                if (type == LibC.S_IFDIR)
                {
                    child = FdTree.OpenChildDirectory(dir, raw);
                }
                using (child)
                {
                    Visit(path, st, child);
                    if (child is not null)
                    {
                        Directory(child, path);
                    }
                }
            }
        }

        private void Visit(string path, LibC.Stat st, SafeFd? dir)
        {
            var type = st.st_mode & LibC.S_IFMT;
            if (initPaths.Contains(path))
            {
                return;
            }
            FsChangeKind kind;
            if (type == LibC.S_IFCHR && st.st_rdev == 0 || dir is not null && IsOpaque(dir))
            {
                kind = FsChangeKind.Deleted;
            }
            else
            {
                kind = FsChangeKind.Added;
                var initParent = _initParents.Contains(path);
                var lower = FindInLowers(path);
                if (lower is null && initParent && type == LibC.S_IFDIR)
                {
                    return; // made for a mount point: Docker has it in the init layer, unchanged
                }
                if (lower is { } l)
                {
                    if (type == LibC.S_IFDIR && (l.st_mode & LibC.S_IFMT) == LibC.S_IFDIR && st.st_size == l.st_size && st.st_mode == l.st_mode
                        && (initParent || SameTime(st.st_mtim, l.st_mtim)))
                    {
                        return;
                    }
                    kind = FsChangeKind.Modified;
                }
            }
            // compat(docker): if /foo/bar/file.txt changed, /foo/bar is shown changed even when its own metadata match.
            if (type == LibC.S_IFDIR)
            {
                _changedDirs.Add(path);
            }
            if (kind is FsChangeKind.Added or FsChangeKind.Deleted)
            {
                var parent = ParentOf(path);
                if (parent != "/" && _changedDirs.Add(parent))
                {
                    Changes.Add(new FsChange(parent, FsChangeKind.Modified));
                }
            }
            Changes.Add(new FsChange(path, kind));
        }

        private LibC.Stat? FindInLowers(string path)
        {
            var parent = ParentOf(path);
            var name = path[(path.LastIndexOf('/') + 1)..];
            foreach (var lower in lowers)
            {
                using var dir = ScopedPath.TryOpenOrNull(lower, parent);
                if (dir is not null && LibC.fstatat(dir.Fd, name, out var st, LibC.AT_SYMLINK_NOFOLLOW) == 0)
                {
                    return st;
                }
            }
            return null;
        }

        private static bool IsOpaque(SafeFd dir)
        {
            var value = stackalloc byte[8];
            var n = LibC.fgetxattr(dir.Fd, "trusted.overlay.opaque", value, 8);
            return n == 1 && value[0] == (byte)'y';
        }

        // compat(go): sameFsTime; a time without nanoseconds matches any time in the same second.
        private static bool SameTime(LibC.Timespec a, LibC.Timespec b) =>
            a.tv_sec == b.tv_sec && (a.tv_nsec == b.tv_nsec || a.tv_nsec == 0 || b.tv_nsec == 0);
    }

    private static string ParentOf(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash <= 0 ? "/" : path[..slash];
    }
}

using Berth.Linux;

namespace Berth.Images.Archive;

/// <summary>
/// <c>docker diff</c> for a driver whose layer is a full tree (vfs), as Docker's naive diff driver
/// (<c>archive.ChangesDirs</c>) computes it: both trees are walked in name order; a path only in the layer is an
/// addition, only in the parent a deletion; one in both is modified when its mode, owner, device number, or (not
/// for directories) size or modification time differ; a directory with a change inside is shown as modified
/// before it. Symbolic links are never followed.
/// </summary>
public static class NaiveChanges
{
    /// <param name="layerDir">The container's whole tree.</param>
    /// <param name="parentDir">The image's whole tree (null for a container without an image).</param>
    /// <param name="initPaths">compat(docker): mount points the runtime creates, which Docker keeps in its init
    /// layer and never reports: skipped with what is below them.</param>
    public static IReadOnlyList<FsChange> Compute(string layerDir, string? parentDir, IReadOnlySet<string> initPaths)
    {
        ArgumentNullException.ThrowIfNull(initPaths);
        var changes = new List<FsChange>();
        Directory(layerDir, parentDir, "", added: false, initPaths, changes);
        return changes;
    }

    private static void Directory(string layer, string? parent, string path, bool added, IReadOnlySet<string> initPaths, List<FsChange> changes)
    {
        var atEntry = changes.Count;
        var newChildren = Children(layer);
        var oldChildren = parent is null ? [] : Children(parent);
        // Name order, deletions among the rest (dockerd walks a Go map here: its order is any).
        foreach (var name in newChildren.Keys.Union(oldChildren.Keys).Order(StringComparer.Ordinal))
        {
            var childPath = path + "/" + name;
            if (initPaths.Contains(childPath))
            {
                continue;
            }
            if (!newChildren.TryGetValue(name, out var st))
            {
                changes.Add(new FsChange(childPath, FsChangeKind.Deleted));
                continue;
            }
            var childAdded = added;
            if (!oldChildren.TryGetValue(name, out var old))
            {
                changes.Add(new FsChange(childPath, FsChangeKind.Added));
                childAdded = true;
            }
            else if (Different(old, st))
            {
                changes.Add(new FsChange(childPath, FsChangeKind.Modified));
                childAdded = true;
            }
            if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFDIR)
            {
                var oldIsDir = old.st_mode != 0 && (old.st_mode & LibC.S_IFMT) == LibC.S_IFDIR;
                Directory(Path.Join(layer, name), oldIsDir ? Path.Join(parent, name) : null, childPath, childAdded, initPaths, changes);
            }
        }
        // compat(docker): a directory with changes inside is listed (modified) before them, unless it is new.
        if (changes.Count > atEntry && !added && path.Length > 0)
        {
            changes.Insert(atEntry, new FsChange(path, FsChangeKind.Modified));
        }
    }

    private static Dictionary<string, LibC.Stat> Children(string dir)
    {
        var children = new Dictionary<string, LibC.Stat>(StringComparer.Ordinal);
        if (!System.IO.Directory.Exists(dir))
        {
            return children;
        }
        foreach (var entry in System.IO.Directory.EnumerateFileSystemEntries(dir))
        {
            if (Fs.TryLstat(entry, out var st))
            {
                children[Path.GetFileName(entry)] = st;
            }
        }
        return children;
    }

    /// <summary>moby's statDifferent: size and time are no measure of a directory's change.</summary>
    private static bool Different(LibC.Stat a, LibC.Stat b) =>
        a.st_mode != b.st_mode || a.st_uid != b.st_uid || a.st_gid != b.st_gid || a.st_rdev != b.st_rdev ||
        (a.st_mode & LibC.S_IFMT) != LibC.S_IFDIR &&
            (a.st_size != b.st_size || a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec);
}

using Berth.Common;
using Berth.Linux;

namespace Berth.Snapshots;

/// <summary>
/// overlayfs: each snapshot owns <c>fs</c> (its upper dir) and <c>work</c>; an active snapshot mounts its parents'
/// <c>fs</c> directories as lowerdirs, nearest first. Docker calls this driver <c>overlay2</c>.
/// </summary>
public sealed class OverlaySnapshotter : ISnapshotter
{
    private readonly SnapshotStore _store;

    public OverlaySnapshotter(string root) => _store = new SnapshotStore(root);

    public string Name => "overlay2";

    public bool UsesOverlayWhiteouts => true;

    public string Root => _store.Root;

    /// <summary>Whether this kernel mounts overlayfs here (checked by mounting a tiny one).</summary>
    public static bool IsSupported(string root)
    {
        if (!File.ReadAllText("/proc/filesystems").Contains("\toverlay\n", StringComparison.Ordinal))
        {
            return false;
        }
        var probe = Path.Join(root, "tmp-probe-" + Ids.New()[..8]);
        try
        {
            foreach (var d in new[] { "lower1", "lower2", "upper", "work", "merged" })
            {
                Directory.CreateDirectory(Path.Join(probe, d));
            }
            Linux.Mounts.Mount("overlay", Path.Join(probe, "merged"), "overlay", 0,
                $"lowerdir={probe}/lower1:{probe}/lower2,upperdir={probe}/upper,workdir={probe}/work");
            Linux.Mounts.Unmount(Path.Join(probe, "merged"), LibC.MNT_DETACH);
            return true;
        }
        catch (LinuxException)
        {
            return false;
        }
        finally
        {
            if (Directory.Exists(probe))
            {
                Directory.Delete(probe, recursive: true);
            }
        }
    }

    public IReadOnlyList<Mount> Prepare(string key, string? parent) => Create(key, parent, SnapshotKind.Active);

    public IReadOnlyList<Mount> View(string key, string? parent) => Create(key, parent, SnapshotKind.View);

    private IReadOnlyList<Mount> Create(string key, string? parent, SnapshotKind kind)
    {
        lock (_store.Gate)
        {
            if (parent is not null && _store.Get(parent).Kind != SnapshotKind.Committed)
            {
                throw BerthException.Precondition($"parent snapshot {parent} is not committed");
            }
            _store.Create(key, parent, kind, dir =>
            {
                Directory.CreateDirectory(Path.Join(dir, "fs"));
                Directory.CreateDirectory(Path.Join(dir, "work"));
            });
            return Mounts(key);
        }
    }

    public IReadOnlyList<Mount> Mounts(string key)
    {
        var info = _store.Get(key);
        var self = _store.DirOf(key);
        var lowers = _store.Parents(info.Parent).Select(p => Path.Join(_store.DirOf(p.Key), "fs")).ToList();
        if (info.Kind == SnapshotKind.View && lowers.Count <= 1 || lowers.Count == 0)
        {
            // overlayfs needs an upper dir or two lowers; a single directory is a bind mount.
            var source = lowers.Count == 0 ? Path.Join(self, "fs") : lowers[0];
            return [new Mount("bind", source, ["rbind", info.Kind == SnapshotKind.Active ? "rw" : "ro"])];
        }
        var options = new List<string>();
        if (info.Kind == SnapshotKind.Active)
        {
            options.Add("workdir=" + Path.Join(self, "work"));
            options.Add("upperdir=" + Path.Join(self, "fs"));
        }
        options.Add("lowerdir=" + string.Join(':', lowers));
        // compat(docker): the same lower dirs serve many containers at once; overlay2 turns the index off too.
        options.Add("index=off");
        return [new Mount("overlay", "overlay", options)];
    }

    public void Commit(string name, string key) => CommitOnto(name, key, _store.Get(key).Parent);

    public void CommitOnto(string name, string key, string? parent)
    {
        lock (_store.Gate)
        {
            if (parent is not null && _store.Get(parent).Kind != SnapshotKind.Committed)
            {
                throw BerthException.Precondition($"parent snapshot {parent} is not committed");
            }
            var info = _store.Get(key);
            if (info.Kind != SnapshotKind.Active)
            {
                throw BerthException.Precondition($"snapshot {key} is not active");
            }
            // The work dir only serves mounts; a committed layer is read-only.
            var work = Path.Join(_store.DirOf(key), "work");
            TreeRemover.Remove(work);
            Directory.CreateDirectory(work);
            _store.Rename(key, name, SnapshotKind.Committed, parent);
        }
    }

    public void Remove(string key)
    {
        lock (_store.Gate)
        {
            _store.Remove(key);
        }
    }

    public SnapshotInfo? Stat(string key) => _store.Read(key);

    public IEnumerable<SnapshotInfo> List() => _store.List().ToList();

    public string LayerDirectory(string key)
    {
        _store.Get(key);
        return Path.Join(_store.DirOf(key), "fs");
    }

    public long Usage(string key) => DiskUsage.Of(LayerDirectory(key));

    /// <summary>compat(docker): overlay2's Status(), in its order. d_type: the probe mounted an overlay whose upper
    /// dir lives on this filesystem. Metacopy is the kernel's default (Berth passes no metacopy option); the diff
    /// is computed from the upper dir, overlay2's native diff; berthd runs as real root, so no userxattr.</summary>
    public IReadOnlyList<(string Name, string Value)> Status() =>
    [
        ("Backing Filesystem", BackingFilesystem(Root)),
        ("Supports d_type", "true"),
        ("Using metacopy", KernelFlag("/sys/module/overlay/parameters/metacopy") ? "true" : "false"),
        ("Native Overlay Diff", "true"),
        ("userxattr", "false"),
    ];

    private static bool KernelFlag(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim() is "Y" or "y" or "1";
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The filesystem holding <paramref name="path"/> as dockerd names it (<c>extfs</c> for ext2/3/4).</summary>
    internal static string BackingFilesystem(string path)
    {
        var best = "";
        var fs = "";
        foreach (var m in Linux.Mounts.Read())
        {
            var inside = path == m.MountPoint || m.MountPoint == "/" || path.StartsWith(m.MountPoint + "/", StringComparison.Ordinal);
            if (inside && m.MountPoint.Length >= best.Length)
            {
                best = m.MountPoint;
                fs = m.FsType;
            }
        }
        return fs switch
        {
            "ext4" or "ext3" or "ext2" => "extfs",
            _ => fs,
        };
    }
}

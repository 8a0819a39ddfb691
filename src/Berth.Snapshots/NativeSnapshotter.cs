using Berth.Common;

namespace Berth.Snapshots;

/// <summary>
/// Full copies: an active snapshot starts as a copy of its parent's whole tree. Slow and large, but it needs
/// nothing from the kernel beyond bind mounts, so it works where overlayfs does not. Docker calls it <c>vfs</c>.
/// </summary>
public sealed class NativeSnapshotter : ISnapshotter
{
    private readonly SnapshotStore _store;

    public NativeSnapshotter(string root) => _store = new SnapshotStore(root);

    public string Name => "vfs";

    public bool UsesOverlayWhiteouts => false;

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
                var fs = Path.Join(dir, "fs");
                if (parent is null)
                {
                    Directory.CreateDirectory(fs);
                }
                else
                {
                    TreeCopier.Copy(Path.Join(_store.DirOf(parent), "fs"), fs);
                }
            });
            return Mounts(key);
        }
    }

    public IReadOnlyList<Mount> Mounts(string key)
    {
        var info = _store.Get(key);
        return [new Mount("bind", Path.Join(_store.DirOf(key), "fs"), ["rbind", info.Kind == SnapshotKind.Active ? "rw" : "ro"])];
    }

    /// <summary>A native layer holds its parents' files: it cannot be put over another parent after the fact.</summary>
    public void CommitOnto(string name, string key, string? parent) =>
        throw new NotSupportedException("the native snapshotter's layers hold their parents' files: commit them with their parent");

    public void Commit(string name, string key)
    {
        lock (_store.Gate)
        {
            if (_store.Get(key).Kind != SnapshotKind.Active)
            {
                throw BerthException.Precondition($"snapshot {key} is not active");
            }
            _store.Rename(key, name, SnapshotKind.Committed);
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

    /// <summary>A full copy holds its parent's bytes too; what it adds is the difference.</summary>
    public long Usage(string key)
    {
        var info = _store.Get(key);
        var own = DiskUsage.Of(LayerDirectory(key));
        return info.Parent is null ? own : Math.Max(0, own - DiskUsage.Of(LayerDirectory(info.Parent)));
    }

    /// <summary>compat(docker): vfs reports nothing under its name.</summary>
    public IReadOnlyList<(string Name, string Value)> Status() => [];
}

namespace Berth.Snapshots;

/// <summary>
/// containerd's snapshotter contract: committed snapshots form chains (an image's layers, keyed by chainID);
/// an active snapshot is a writable layer over a chain (a container's rootfs). Methods return mounts and never
/// mount anything themselves.
/// </summary>
public interface ISnapshotter
{
    /// <summary>Docker's name for the storage driver: <c>overlay2</c> or <c>vfs</c>.</summary>
    string Name { get; }

    /// <summary>True when a layer is applied into <see cref="LayerDirectory"/> with overlay whiteouts; false when
    /// the directory holds the full tree and whiteouts must delete.</summary>
    bool UsesOverlayWhiteouts { get; }

    IReadOnlyList<Mount> Prepare(string key, string? parent);

    IReadOnlyList<Mount> View(string key, string? parent);

    IReadOnlyList<Mount> Mounts(string key);

    void Commit(string name, string key);

    /// <summary>Commits an active snapshot prepared without a parent as a layer over <paramref name="parent"/>:
    /// only where a layer's directory does not depend on its parents (<see cref="UsesOverlayWhiteouts"/>), so the
    /// layers of one image can be unpacked at once and chained in order after.</summary>
    void CommitOnto(string name, string key, string? parent);

    void Remove(string key);

    SnapshotInfo? Stat(string key);

    IEnumerable<SnapshotInfo> List();

    /// <summary>The directory holding what this snapshot itself adds (an overlay upper dir, or the full tree).</summary>
    string LayerDirectory(string key);

    /// <summary>Bytes this snapshot adds on top of its parent.</summary>
    long Usage(string key);

    /// <summary>graphdriver's Status(): the driver's facts <c>docker info</c> lists under its name.</summary>
    IReadOnlyList<(string Name, string Value)> Status();
}

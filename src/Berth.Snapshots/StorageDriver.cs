using Berth.Common;

namespace Berth.Snapshots;

/// <summary>
/// dockerd's graphdriver.New for Berth's two drivers: the one asked for (<c>-s</c>); else the one whose directory
/// under the data root already holds state; else overlay2 where this kernel mounts it, vfs otherwise.
/// </summary>
public static class StorageDriver
{
    public static readonly IReadOnlyList<string> Names = ["overlay2", "vfs"];

    /// <summary>Opens the driver; a BerthException (InvalidArgument, FailedPrecondition) carries dockerd's words.</summary>
    public static ISnapshotter Open(string dataRoot, string? requested)
    {
        if (requested is { Length: > 0 })
        {
            var name = requested == "overlay" ? "overlay2" : requested;
            if (!Names.Contains(name))
            {
                throw BerthException.Invalid($"error initializing graphdriver: failed to GetDriver graph {requested} {dataRoot}: driver not supported");
            }
            if (name == "overlay2" && !OverlaySnapshotter.IsSupported(dataRoot))
            {
                throw BerthException.Precondition("error initializing graphdriver: driver not supported: overlay2");
            }
            return Create(dataRoot, name);
        }
        // compat(docker): state left by a driver keeps the daemon on that driver. dockerd never picks vfs from
        // prior state (its images would just be hidden); Berth keeps one database for every driver, so a vfs
        // data root restarted without -s would leave its containers without their writable layers: vfs state
        // keeps vfs, unless overlay2 state is there too (then overlay2, as dockerd).
        var prior = Names.Where(n => HasState(Path.Join(dataRoot, n))).ToList();
        if (prior.Contains("overlay2"))
        {
            if (!OverlaySnapshotter.IsSupported(dataRoot))
            {
                throw BerthException.Precondition("error initializing graphdriver: prior storage driver overlay2 failed: driver not supported");
            }
            Log.Info("[graphdriver] using prior storage driver: overlay2");
            return Create(dataRoot, "overlay2");
        }
        if (prior.Contains("vfs"))
        {
            Log.Info("[graphdriver] using prior storage driver: vfs");
            return Create(dataRoot, "vfs");
        }
        return Create(dataRoot, OverlaySnapshotter.IsSupported(dataRoot) ? "overlay2" : "vfs");
    }

    private static ISnapshotter Create(string dataRoot, string name) => name == "overlay2"
        ? new OverlaySnapshotter(Path.Join(dataRoot, "overlay2"))
        : new NativeSnapshotter(Path.Join(dataRoot, "vfs"));

    /// <summary>A driver directory holding any snapshot (an empty one, or only the store's files, is no state).</summary>
    private static bool HasState(string root) =>
        Directory.Exists(root) && Directory.EnumerateDirectories(root).Any(d => File.Exists(Path.Join(d, "info.json")));
}

using Berth.Common;
using Berth.Engine.Model;
using Berth.Images.Archive;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime;

namespace Berth.Engine;

/// <summary>
/// The container's file system from outside: <c>docker cp</c> (stat, archive, extract), <c>docker export</c> and
/// <c>docker diff</c>. A running container is read and written through the rootfs the engine mounted for it; a
/// stopped one has its rootfs mounted for the operation, with the mounts the engine uses to start it, and
/// unmounted after. Either way the container's start, stop and removal wait until the operation ends.
/// </summary>
public sealed partial class ContainerService
{
    /// <summary>compat(docker): the mount points Docker keeps in a container's init layer, which <c>docker diff</c>
    /// therefore never shows; Berth's init creates the same ones in the writable layer.</summary>
    private static readonly IReadOnlySet<string> InitLayerPaths = new HashSet<string>(StringComparer.Ordinal)
    {
        "/dev/pts", "/dev/shm", "/dev/console", "/proc", "/sys", "/.dockerenv",
        "/etc/resolv.conf", "/etc/hosts", "/etc/hostname", "/etc/mtab",
    };

    /// <summary><c>HEAD /containers/{id}/archive?path=</c>.</summary>
    public Task<PathStat> StatPathAsync(string idOrName, string path, CancellationToken ct = default) =>
        WithRootfsAsync(Entry(idOrName), rootfs =>
        {
            using var fs = new ContainerFs(rootfs, idOrName, BoundFiles(Entry(idOrName).Container));
            return Task.FromResult(fs.Stat(path));
        }, ct, withMounts: true);

    /// <summary><c>GET /containers/{id}/archive?path=</c>: <paramref name="begin"/> gets the stat of the path and
    /// returns the stream the tar is written to.</summary>
    public Task ArchivePathAsync(string idOrName, string path, Func<PathStat, Task<Stream>> begin, CancellationToken ct = default) =>
        WithRootfsAsync(Entry(idOrName), async rootfs =>
        {
            var c = Entry(idOrName).Container;
            using var fs = new ContainerFs(rootfs, idOrName, BoundFiles(c)) { Unshift = UnshiftOf(c) };
            var stat = fs.Stat(path);
            var output = await begin(stat).ConfigureAwait(false);
            await Task.Run(() => fs.Archive(path, _ => output), ct).ConfigureAwait(false);
            return true;
        }, ct, withMounts: true);

    /// <summary><c>PUT /containers/{id}/archive?path=</c>: unpacks <paramref name="tar"/> into the directory
    /// <paramref name="path"/>. compat(docker): entries keep the archive's uid and gid; with
    /// <paramref name="copyUidGid"/> and a configured user they all get that user (looked up in the container's
    /// own /etc/passwd, where Docker reads the host's).</summary>
    public Task ExtractToDirAsync(string idOrName, string path, Stream tar, bool noOverwriteDirNonDir, bool copyUidGid, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        if (entry.Container.HostConfig.ReadonlyRootfs && !InWritableMount(entry.Container, path))
        {
            // compat(docker): ErrRootFSReadOnly, unless the path is in a writable volume or bind.
            throw BerthException.Invalid("container rootfs is marked read-only");
        }
        return WithRootfsAsync(entry, rootfs => Task.Run(() =>
        {
            var user = entry.Container.Config.User;
            (uint, uint)? owner = null;
            if (copyUidGid && !string.IsNullOrEmpty(user))
            {
                var u = UserLookup.Resolve(rootfs, user);
                owner = (u.Uid, u.Gid);
            }
            var options = new CopyInOptions { NoOverwriteDirNonDir = noOverwriteDirNonDir, Owner = owner };
            using var fs = new ContainerFs(rootfs, idOrName);
            if (entry.Container.State.Running && RemapOf(entry.Container.HostConfig) is { } remap)
            {
                // A running remapped container's rootfs is idmapped: written as its root, owners in host ids.
                options = new CopyInOptions { NoOverwriteDirNonDir = noOverwriteDirNonDir, Owner = owner, IdShift = (remap.RootUid, remap.RootGid) };
                IdMappedMounts.RunWithFsIds(remap.RootUid, remap.RootGid, () => fs.Extract(path, tar, options));
            }
            else
            {
                fs.Extract(path, tar, options);
            }
            Publish(entry.Container, "extract-to-dir");
            return true;
        }, ct), ct, withMounts: true);
    }

    /// <summary><c>GET /containers/{id}/export</c>: the container's whole file system as a tar.</summary>
    public Task ExportAsync(string idOrName, Func<Task<Stream>> begin, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        return WithRootfsAsync(entry, async rootfs =>
        {
            using var fs = new ContainerFs(rootfs, idOrName) { Unshift = UnshiftOf(entry.Container) };
            var output = await begin().ConfigureAwait(false);
            await Task.Run(() => fs.Export(output), ct).ConfigureAwait(false);
            Publish(entry.Container, "export");
            return true;
        }, ct);
    }

    /// <summary><c>GET /containers/{id}/changes</c>, from the writable layer and the image's layers.</summary>
    public IReadOnlyList<FsChange> Changes(string idOrName)
    {
        var c = Entry(idOrName).Container;
        if (!_images.Snapshotter.UsesOverlayWhiteouts)
        {
            // vfs: the layer is the whole tree; compared with the image's whole tree, as Docker's naive diff.
            var parent = _images.Snapshotter.Stat(c.Id)?.Parent;
            return NaiveChanges.Compute(_images.Snapshotter.LayerDirectory(c.Id), parent is null ? null : _images.Snapshotter.LayerDirectory(parent), InitLayerPaths);
        }
        var upper = _images.Snapshotter.LayerDirectory(c.Id);
        var lowers = new List<string>();
        foreach (var m in _images.RootfsMounts(c.Id))
        {
            foreach (var o in m.Options)
            {
                if (o.StartsWith("lowerdir=", StringComparison.Ordinal))
                {
                    lowers.AddRange(o["lowerdir=".Length..].Split(':'));
                }
            }
        }
        return OverlayChanges.Compute(upper, lowers, InitLayerPaths);
    }

    /// <summary>The files the runtime binds over the container's root, where they exist: what the container reads
    /// at those paths.</summary>
    private static Dictionary<string, string> BoundFiles(Container c)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, host) in new[] { ("/etc/hostname", c.HostnamePath), ("/etc/hosts", c.HostsPath), ("/etc/resolv.conf", c.ResolvConfPath) })
        {
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
            {
                files[path] = host;
            }
        }
        return files;
    }

    private static bool InWritableMount(Container c, string path)
    {
        var p = MountParser.Clean("/" + path);
        return c.MountPoints.Where(m => m.Type != "tmpfs" && (p == m.Destination || p.StartsWith(m.Destination + "/", StringComparison.Ordinal)))
            .OrderByDescending(m => m.Destination.Length).FirstOrDefault() is { RW: true };
    }

    /// <summary>Runs <paramref name="work"/> on the host path of the container's root file system, holding the
    /// container's operation lock; a stopped container's rootfs is mounted for it and unmounted after, whatever
    /// happens. <paramref name="withMounts"/> (docker cp) puts the container's volumes and binds in their places
    /// in a private view of the root, as Docker does; export and diff see the layers alone.</summary>
    private async Task<T> WithRootfsAsync<T>(ContainerEntry entry, Func<string, Task<T>> work, CancellationToken ct, bool withMounts = false)
    {
        var c = entry.Container;
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (entry.Removing)
            {
                throw BerthException.Conflict($"container {c.Id} is marked for removal");
            }
            var live = Path.Join(BundleOf(c.Id), "rootfs");
            var running = c.State.Running && IsMountPoint(live);
            var volumes = withMounts ? c.MountPoints.Where(m => m.Type is "volume" or "bind").ToList() : [];
            if (running && volumes.Count == 0)
            {
                return await work(live).ConfigureAwait(false);
            }
            var dir = Path.Join(_options.ExecRoot, "archive", c.Id[..12] + "-" + Ids.New()[..8]);
            Directory.CreateDirectory(dir);
            var holder = "archive-" + Ids.New();
            var held = new List<string>();
            try
            {
                var mounts = running
                    ? [new Mount { Type = "bind", Source = live, Options = ["bind"] }]
                    : _images.RootfsMounts(c.Id).Select(m => new Mount { Type = m.Type, Source = m.Source, Options = [.. m.Options] }).ToList();
                RootfsMounter.Mount(mounts, dir);
                if (volumes.Count > 0)
                {
                    RootfsMounter.BindInto(dir, ArchiveViewMounts(volumes, holder, held));
                }
                return await work(dir).ConfigureAwait(false);
            }
            finally
            {
                RootfsMounter.Unmount(dir);
                Directory.Delete(dir);
                foreach (var name in held)
                {
                    _volumes.Unmount(name, holder);
                }
            }
        }
        finally
        {
            entry.Operation.Release();
        }
    }

    /// <summary>The container's volumes and binds for a view of its root, shallowest first; the volumes are
    /// mounted for <paramref name="holder"/> meanwhile (a device volume of a stopped container needs it).</summary>
    private List<Mount> ArchiveViewMounts(List<MountPoint> points, string holder, List<string> held)
    {
        var mounts = new List<Mount>();
        foreach (var m in points.OrderBy(p => p.Destination.Count(ch => ch == '/')))
        {
            var source = m.Source;
            if (m.Type == "volume")
            {
                source = _volumes.Mount(m.Name, holder);
                held.Add(m.Name);
            }
            mounts.Add(new Mount { Destination = m.Destination, Type = "bind", Source = source, Options = ["rbind", m.RW ? "rw" : "ro"] });
        }
        return mounts;
    }

    private static bool IsMountPoint(string path) =>
        Fs.TryLstat(path, out var self) && Fs.TryLstat(Path.Join(path, ".."), out var parent) && self.st_dev != parent.st_dev;
}

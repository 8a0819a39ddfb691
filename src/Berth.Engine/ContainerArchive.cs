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
        }, ct);

    /// <summary><c>GET /containers/{id}/archive?path=</c>: <paramref name="begin"/> gets the stat of the path and
    /// returns the stream the tar is written to.</summary>
    public Task ArchivePathAsync(string idOrName, string path, Func<PathStat, Task<Stream>> begin, CancellationToken ct = default) =>
        WithRootfsAsync(Entry(idOrName), async rootfs =>
        {
            using var fs = new ContainerFs(rootfs, idOrName, BoundFiles(Entry(idOrName).Container));
            var stat = fs.Stat(path);
            var output = await begin(stat).ConfigureAwait(false);
            await Task.Run(() => fs.Archive(path, _ => output), ct).ConfigureAwait(false);
            return true;
        }, ct);

    /// <summary><c>PUT /containers/{id}/archive?path=</c>: unpacks <paramref name="tar"/> into the directory
    /// <paramref name="path"/>. compat(docker): entries keep the archive's uid and gid; with
    /// <paramref name="copyUidGid"/> and a configured user they all get that user (looked up in the container's
    /// own /etc/passwd, where Docker reads the host's).</summary>
    public Task ExtractToDirAsync(string idOrName, string path, Stream tar, bool noOverwriteDirNonDir, bool copyUidGid, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        if (entry.Container.HostConfig.ReadonlyRootfs)
        {
            // compat(docker): ErrRootFSReadOnly (volumes, which could still be written, are not there yet).
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
            using var fs = new ContainerFs(rootfs, idOrName);
            fs.Extract(path, tar, new CopyInOptions { NoOverwriteDirNonDir = noOverwriteDirNonDir, Owner = owner });
            Publish(entry.Container, "extract-to-dir");
            return true;
        }, ct), ct);
    }

    /// <summary><c>GET /containers/{id}/export</c>: the container's whole file system as a tar.</summary>
    public Task ExportAsync(string idOrName, Func<Task<Stream>> begin, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        return WithRootfsAsync(entry, async rootfs =>
        {
            using var fs = new ContainerFs(rootfs, idOrName);
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

    /// <summary>Runs <paramref name="work"/> on the host path of the container's root file system, holding the
    /// container's operation lock; a stopped container's rootfs is mounted for it and unmounted after, whatever
    /// happens.</summary>
    private async Task<T> WithRootfsAsync<T>(ContainerEntry entry, Func<string, Task<T>> work, CancellationToken ct)
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
            if (c.State.Running && IsMountPoint(live))
            {
                return await work(live).ConfigureAwait(false);
            }
            var dir = Path.Join(_options.ExecRoot, "archive", c.Id[..12] + "-" + Ids.New()[..8]);
            Directory.CreateDirectory(dir);
            try
            {
                var mounts = _images.RootfsMounts(c.Id).Select(m => new Mount { Type = m.Type, Source = m.Source, Options = [.. m.Options] }).ToList();
                RootfsMounter.Mount(mounts, dir);
                return await work(dir).ConfigureAwait(false);
            }
            finally
            {
                RootfsMounter.Unmount(dir);
                Directory.Delete(dir);
            }
        }
        finally
        {
            entry.Operation.Release();
        }
    }

    private static bool IsMountPoint(string path) =>
        Fs.TryLstat(path, out var self) && Fs.TryLstat(Path.Join(path, ".."), out var parent) && self.st_dev != parent.st_dev;
}

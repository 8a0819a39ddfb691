using Berth.Common;
using Berth.Engine.Model;
using Berth.Linux;
using Berth.Snapshots;
using Berth.Volumes;
using OciMount = Berth.Oci.Mount;

namespace Berth.Engine;

/// <summary>
/// A container's volumes, binds and tmpfs mounts: decided and checked at create (volumes made and referenced
/// there), mounted at each start (volumes filled from the image while empty), released at stop, and the
/// anonymous volumes removed with the container when asked.
/// </summary>
public sealed partial class ContainerService
{
    /// <summary>The mount points a create asks for, checked in Docker's words; creates nothing.</summary>
    private List<MountPoint> PlanMounts(ContainerConfig config, HostConfig host)
    {
        var driver = host.VolumeDriver is { Length: > 0 } d ? d : "local";
        var points = new Dictionary<string, MountPoint>(StringComparer.Ordinal);
        // --volumes-from first: what the container asks for itself replaces them at the same destination.
        foreach (var from in host.VolumesFrom ?? [])
        {
            var (name, readWrite) = MountParser.ParseVolumesFrom(from);
            // Not a 404: the docker CLI would take that for a missing image and try to pull it.
            var other = (Find(name) ?? throw BerthException.Invalid($"No such container: {name}")).Container;
            foreach (var m in other.MountPoints)
            {
                var copy = Copy(m);
                copy.Anonymous = false; // the other container's to remove
                copy.CopyData = false;
                if (readWrite is { } rw)
                {
                    copy.RW = rw;
                    copy.Mode = rw ? "rw" : "ro";
                }
                points[copy.Destination] = copy;
            }
        }
        var own = new HashSet<string>(StringComparer.Ordinal);
        void Add(MountPoint m)
        {
            if (!own.Add(m.Destination))
            {
                throw BerthException.Invalid($"Duplicate mount point: {m.Destination}");
            }
            points[m.Destination] = m;
        }
        foreach (var bind in host.Binds ?? [])
        {
            Add(MountParser.ParseBind(bind, driver));
        }
        foreach (var spec in host.Mounts ?? [])
        {
            Add(MountParser.ParseMount(spec, driver));
        }
        foreach (var (target, _) in host.Tmpfs ?? [])
        {
            var destination = MountParser.ParseTmpfs(target);
            if (!own.Add(destination))
            {
                throw BerthException.Invalid($"Duplicate mount point: {destination}");
            }
            points.Remove(destination);
        }
        // The image's VOLUMEs (and -v /path, which the CLI sends as a config volume) get anonymous volumes unless
        // something else is mounted there.
        foreach (var (path, _) in config.Volumes ?? [])
        {
            // compat(docker): a config volume is read as a -v entry (the CLI leaves there what it could not split).
            var m = MountParser.ParseBind(path, driver);
            if (m.Type == "volume" && m.Anonymous)
            {
                m.Mode = "";
            }
            if (!points.ContainsKey(m.Destination) && !own.Contains(m.Destination))
            {
                points[m.Destination] = m;
            }
        }
        foreach (var m in points.Values)
        {
            MountParser.CheckDestination(m);
        }
        foreach (var (target, _) in host.Tmpfs ?? [])
        {
            MountParser.CheckDestination(new MountPoint { Type = "tmpfs", Destination = MountParser.Clean(target) });
        }
        return [.. points.Values.OrderBy(m => m.Destination, StringComparer.Ordinal)];
    }

    private static MountPoint Copy(MountPoint m) => new()
    {
        Type = m.Type,
        Name = m.Name,
        Source = m.Source,
        Destination = m.Destination,
        Driver = m.Driver,
        Mode = m.Mode,
        RW = m.RW,
        Propagation = m.Propagation,
        CopyData = m.CopyData,
        CreateSource = m.CreateSource,
        NonRecursive = m.NonRecursive,
        ReadOnlyRecursive = m.ReadOnlyRecursive,
        Anonymous = m.Anonymous,
        Data = m.Data,
        Subpath = m.Subpath,
    };

    /// <summary>
    /// Makes the volumes the mount points name (anonymous ones get 64 hex digits and Docker's label) and records
    /// that <paramref name="id"/> uses them. On failure, undoes what it did and rethrows: a refused create leaves
    /// no volume behind.
    /// </summary>
    private void AcquireVolumes(string id, List<MountPoint> points)
    {
        var made = new List<string>();
        var referenced = new List<string>();
        try
        {
            foreach (var m in points.Where(p => p.Type == "volume"))
            {
                Volume volume;
                if (m.Name.Length == 0)
                {
                    volume = _volumes.Create(Ids.New(), m.Driver, m.DriverOptions, new Dictionary<string, string> { [Volume.AnonymousLabel] = "" });
                    made.Add(volume.Name);
                }
                else if (_volumes.TryGet(m.Name) is { } existing)
                {
                    volume = existing;
                }
                else
                {
                    volume = _volumes.Create(m.Name, m.Driver, m.DriverOptions, m.VolumeLabels);
                    made.Add(volume.Name);
                }
                m.Name = volume.Name;
                m.Driver = volume.Driver;
                m.Source = volume.Mountpoint;
                _volumes.Reference(volume.Name, id);
                referenced.Add(volume.Name);
            }
        }
        catch (Exception e)
        {
            foreach (var name in referenced)
            {
                _volumes.Release(name, id);
            }
            foreach (var name in made)
            {
                TryRemoveVolume(name);
            }
            if (e is BerthException { Kind: ErrorKind.NotFound } missing)
            {
                // Not a 404 at create: the docker CLI would take it for a missing image and try to pull one.
                throw BerthException.Invalid(missing.Message);
            }
            throw;
        }
    }

    /// <summary>At rm: the container no longer uses its volumes; with <paramref name="removeAnonymous"/> (rm -v,
    /// --rm) its anonymous volumes go too, unless another container uses them.</summary>
    private void ReleaseVolumes(Container c, bool removeAnonymous)
    {
        foreach (var m in c.MountPoints.Where(p => p.Type == "volume"))
        {
            _volumes.Release(m.Name, c.Id);
            if (removeAnonymous && m.Anonymous && _volumes.Users(m.Name).Count == 0)
            {
                TryRemoveVolume(m.Name);
            }
        }
    }

    private void TryRemoveVolume(string name)
    {
        try
        {
            _volumes.Remove(name);
        }
        catch (BerthException e)
        {
            Log.Warn("could not remove volume", ("volume", name), ("error", e.Message));
        }
    }

    /// <summary>After a daemon start: every container refers to its volumes again; running ones have them mounted.</summary>
    private void RestoreVolumes()
    {
        List<ContainerEntry> entries;
        lock (_lock)
        {
            entries = [.. _containers.Values];
        }
        foreach (var entry in entries)
        {
            foreach (var m in entry.Container.MountPoints.Where(p => p.Type == "volume"))
            {
                try
                {
                    _volumes.Reference(m.Name, entry.Container.Id);
                    if (entry.Container.State.Running)
                    {
                        _volumes.Mount(m.Name, entry.Container.Id);
                        entry.VolumesMounted = true;
                    }
                }
                catch (BerthException e)
                {
                    Log.Warn("volume of a container is gone", ("container", entry.Container.ShortId), ("volume", m.Name), ("error", e.Message));
                }
            }
        }
        _volumes.UnmountUnused();
    }

    /// <summary>
    /// At start, with the rootfs mounted at <paramref name="rootfs"/>: mounts the volumes, fills new empty ones
    /// from the image, creates missing <c>-v</c> sources, and returns the mounts for the spec.
    /// </summary>
    private List<OciMount> MountVolumes(ContainerEntry entry, string rootfs, List<string> subpaths)
    {
        var c = entry.Container;
        var mounts = new List<OciMount>();
        if (c.MountPoints.Any(p => p.Type == "volume"))
        {
            entry.VolumesMounted = true;
        }
        foreach (var m in c.MountPoints)
        {
            switch (m.Type)
            {
                case "volume":
                    {
                        var path = _volumes.Mount(m.Name, c.Id);
                        m.Source = path;
                        if (m.CopyData)
                        {
                            CopyImageContent(rootfs, m.Destination, path);
                        }
                        var source = m.Subpath.Length == 0 ? path : SubpathOf(path, m.Subpath, Path.Join(BundleOf(c.Id), "subpath-" + subpaths.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), subpaths);
                        mounts.Add(new OciMount { Destination = m.Destination, Type = "bind", Source = source, Options = ["rbind", m.RW ? "rw" : "ro", "rprivate"] });
                        break;
                    }
                case "bind":
                    {
                        if (m.CreateSource && !Path.Exists(m.Source))
                        {
                            // compat(docker): -v creates a missing host directory (--mount needs bind-create-mountpoint).
                            Directory.CreateDirectory(m.Source);
                        }
                        CheckPropagation(m);
                        var options = new List<string> { m.NonRecursive ? "bind" : "rbind" };
                        options.Add(m.RW ? "rw" : m.ReadOnlyRecursive && !m.NonRecursive ? "rro" : "ro");
                        options.Add(m.Propagation.Length > 0 ? m.Propagation : "rprivate");
                        mounts.Add(new OciMount { Destination = m.Destination, Type = "bind", Source = m.Source, Options = options });
                        break;
                    }
                case "tmpfs":
                    {
                        var options = new List<string> { "nosuid", "nodev", "noexec" };
                        if (!m.RW)
                        {
                            options.Add("ro");
                        }
                        options.AddRange(m.Data.Split(',', StringSplitOptions.RemoveEmptyEntries));
                        mounts.Add(new OciMount { Destination = m.Destination, Type = "tmpfs", Source = "tmpfs", Options = options });
                        break;
                    }
            }
        }
        foreach (var (target, data) in c.HostConfig.Tmpfs ?? [])
        {
            // compat(docker): --tmpfs is noexec,nosuid,nodev unless the options say otherwise.
            mounts.Add(new OciMount { Destination = MountParser.Clean(target), Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "nodev", "noexec", .. data.Split(',', StringSplitOptions.RemoveEmptyEntries)] });
        }
        return mounts;
    }

    /// <summary>At stop: the container's volumes are no longer mounted for it (a device volume's last user
    /// unmounts it).</summary>
    private void UnmountVolumes(ContainerEntry entry)
    {
        if (!entry.VolumesMounted)
        {
            return;
        }
        entry.VolumesMounted = false;
        foreach (var m in entry.Container.MountPoints.Where(p => p.Type == "volume"))
        {
            try
            {
                _volumes.Unmount(m.Name, entry.Container.Id);
            }
            catch (BerthException e)
            {
                Log.Warn("could not unmount volume", ("container", entry.Container.ShortId), ("volume", m.Name), ("error", e.Message));
            }
        }
    }

    /// <summary>Docker's copy-up: a volume still empty gets what the image has at the mount's destination.</summary>
    private static void CopyImageContent(string rootfs, string destination, string volumePath)
    {
        if (Directory.EnumerateFileSystemEntries(volumePath).Any())
        {
            return;
        }
        using var root = Fs.Open(rootfs, LibC.O_PATH | LibC.O_DIRECTORY);
        // Resolved inside the rootfs: a symlink in the image cannot point the copy at the host.
        using var source = Fs.TryOpenInRoot(root, destination, LibC.O_PATH | LibC.O_DIRECTORY);
        if (source is null)
        {
            return;
        }
        foreach (var child in Directory.EnumerateFileSystemEntries(source.ProcPath))
        {
            TreeCopier.Copy(child, Path.Join(volumePath, Path.GetFileName(child)));
        }
        // The volume's root takes the owner and mode of the image's directory (Docker copies them too).
        var st = Fs.Fstat(source);
        Fs.Lchown(volumePath, st.st_uid, st.st_gid);
        Fs.Chmod(volumePath, st.st_mode & 0xfff);
    }

    /// <summary>A <c>volume-subpath</c> inside the volume: it must exist, and no part of it may be a symlink (the
    /// volume's content is the containers', and a link could point the mount anywhere on the host). What is checked
    /// must be what is mounted: a container sharing the volume can swap a part for a link in between (CVE-2021-30465's
    /// race, on the source). So the subpath is opened once, beneath the volume and following no link, and bound from
    /// that descriptor onto <paramref name="mountPoint"/> in the bundle (under the shared exec root, so a spare's init
    /// sees it too), which the runtime binds: a path no container can change. The bind is undone once the container's
    /// root is built (<paramref name="made"/>), as moby does.</summary>
    private static string SubpathOf(string volumePath, string subpath, string mountPoint, List<string> made)
    {
        var path = volumePath;
        foreach (var part in subpath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path = Path.Join(path, part);
            if (!Fs.TryLstat(path, out var st))
            {
                throw BerthException.Invalid($"cannot access path {path}: lstat {path}: no such file or directory");
            }
            if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFLNK)
            {
                throw BerthException.Invalid($"cannot access path {path}: it is a symbolic link");
            }
        }
        using var volume = Fs.Open(volumePath, LibC.O_PATH | LibC.O_DIRECTORY);
        SafeFd handle;
        try
        {
            handle = Fs.OpenBeneathNoSymlinks(volume, subpath, LibC.O_PATH);
        }
        catch (LinuxException e) when (e.Errno is LibC.ELOOP or LibC.ENOENT or LibC.ENOTDIR or LibC.EXDEV)
        {
            throw BerthException.Invalid($"cannot access path {path}: it changed while it was checked ({e.Message})");
        }
        using (handle)
        {
            var isDir = (Fs.Fstat(handle).st_mode & LibC.S_IFMT) == LibC.S_IFDIR;
            if (isDir)
            {
                Directory.CreateDirectory(mountPoint);
            }
            else
            {
                File.WriteAllBytes(mountPoint, []);
            }
            made.Add(mountPoint);
            Mounts.Mount(handle.ProcPath, mountPoint, null, LibC.MS_BIND);
        }
        return mountPoint;
    }

    /// <summary>Docker refuses a shared or slave bind of a path whose host mount does not propagate.</summary>
    private static void CheckPropagation(MountPoint m)
    {
        var wantsShared = m.Propagation is "shared" or "rshared";
        var wantsSlave = m.Propagation is "slave" or "rslave";
        if (!wantsShared && !wantsSlave)
        {
            return;
        }
        var source = m.Source;
        var mounts = Mounts.Read();
        var holder = mounts.Where(i => source == i.MountPoint || source.StartsWith(i.MountPoint.TrimEnd('/') + "/", StringComparison.Ordinal) || i.MountPoint == "/")
            .OrderByDescending(i => i.MountPoint.Length).First();
        var optional = holder.Optional;
        if (wantsShared && !optional.Contains("shared:", StringComparison.Ordinal))
        {
            throw BerthException.Invalid($"path {source} is mounted on {holder.MountPoint} but it is not a shared mount");
        }
        if (wantsSlave && !optional.Contains("shared:", StringComparison.Ordinal) && !optional.Contains("master:", StringComparison.Ordinal))
        {
            throw BerthException.Invalid($"path {source} is mounted on {holder.MountPoint} but it is not a shared or slave mount");
        }
    }
}

using System.Text.Json;
using Berth.Common;
using Berth.Http.Plugins;
using Berth.Linux;

namespace Berth.Volumes;

/// <summary>
/// The engine's volumes: the local driver (directories under the volumes root, or a filesystem mounted there as
/// <c>-o type/device/o</c> say) and volume plugins speaking Docker's <c>/VolumeDriver.*</c> protocol. It knows
/// which containers use each volume (references, for <c>rm</c> and <c>prune</c>) and which have it mounted.
/// Mounts it needs on the host (a local volume with a device) are described as data and performed by the
/// <see cref="VolumeMounts"/> it is given (the runtime's <c>RootfsMounter</c>).
/// </summary>
/// <remarks>
/// Every volume has <c>&lt;root&gt;/NAME/meta.json</c> (driver, labels, options, creation time), written last on
/// create; the local driver's data is beside it. References and mounts are kept in memory only: the engine
/// references its containers' volumes again when it starts.
/// </remarks>
public sealed class VolumeService
{
    /// <summary>Where Docker looks for legacy plugins, in its order.</summary>
    public static readonly IReadOnlyList<string> DefaultPluginDirectories = ["/run/docker/plugins", "/etc/docker/plugins", "/usr/lib/docker/plugins"];

    private const string MetaFile = "meta.json";

    private readonly LocalDriver _local;
    private readonly NameLocks _names = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _volumes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PluginDriver> _plugins = new(StringComparer.Ordinal);

    public VolumeService(string root, VolumeMounts mounts, IReadOnlyList<string>? pluginDirectories = null)
    {
        PluginDirectories = pluginDirectories ?? DefaultPluginDirectories;
        // compat(docker): the root is 0701, so containers' users reach their volume's _data but cannot list others.
        Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
        // The kernel names mount points by their real path: a root reached through a symlink is resolved, so that
        // the volumes' mounts are recognised in mountinfo.
        Root = RealPath(root);
        _local = new LocalDriver(Root, mounts);
        LocalDriver.CleanUp(Root);
        Load();
    }

    /// <summary>The host ids a new local volume's <c>_data</c> is given: with <c>--userns-remap</c>, the ids of
    /// the containers' root, so that it can write there (as dockerd does). Null leaves it root's.</summary>
    public (uint Uid, uint Gid)? DataOwner
    {
        get => _local.DataOwner;
        set => _local.DataOwner = value;
    }

    /// <summary>The local driver's root (<c>&lt;data-root&gt;/volumes</c>).</summary>
    public string Root { get; }

    /// <summary>The directories searched for volume plugins.</summary>
    public IReadOnlyList<string> PluginDirectories { get; }

    /// <summary>How long one call to a plugin may take, connecting included (Docker's is 30 s).</summary>
    public TimeSpan PluginTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The volume drivers in use, for <c>docker info</c>: <c>local</c> and the plugins activated so far
    /// (as Docker, which learns of a legacy plugin on its first use).</summary>
    public IReadOnlyList<string> Drivers()
    {
        lock (_lock)
        {
            return [LocalDriver.DriverName, .. _plugins.Where(p => Fs.IsSocket(p.Value.SocketPath)).Select(p => p.Key).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary><c>docker volume create</c>. A null or empty name gets 64 hex digits and, as from Docker 23, the
    /// label <see cref="Volume.AnonymousLabel"/> (so <c>volume prune</c> takes it by default). Creating a name that
    /// exists with the same driver returns the existing volume, as Docker does.</summary>
    public Volume Create(string? name, string? driver = null, IReadOnlyDictionary<string, string>? options = null, IReadOnlyDictionary<string, string>? labels = null)
    {
        if (string.IsNullOrEmpty(name))
        {
            name = Ids.New();
            labels = new Dictionary<string, string>(labels ?? new Dictionary<string, string>()) { [Volume.AnonymousLabel] = "" };
        }
        driver = string.IsNullOrEmpty(driver) ? null : driver;
        // compat(docker): every failure of a create is "create NAME: why".
        try
        {
            VolumeNames.Validate(name);
            using var held = _names.Acquire(name);
            if (Find(name) is { } existing)
            {
                if (driver is not null)
                {
                    var wanted = DriverFor(driver);
                    if (wanted.Name != existing.Meta.Driver)
                    {
                        throw BerthException.Conflict($"driver '{existing.Meta.Driver}' already has volume '{name}': volume name must be unique");
                    }
                }
                return ToVolume(existing);
            }
            var d = DriverFor(driver ?? LocalDriver.DriverName);
            d.Create(name, options);
            var meta = new VolumeMeta
            {
                Name = name,
                Driver = d.Name,
                Labels = labels is { Count: > 0 } ? new Dictionary<string, string>(labels) : null,
                Options = options is { Count: > 0 } ? new Dictionary<string, string>(options) : null,
                CreatedAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()),
            };
            try
            {
                Directory.CreateDirectory(Path.Join(Root, name));
                AtomicFile.Write(Path.Join(Root, name, MetaFile), JsonSerializer.SerializeToUtf8Bytes(meta, VolumeJson.Default.VolumeMeta));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryRemoveFromDriver(d, name);
                throw new BerthException(ErrorKind.Unknown, $"error while persisting volume metadata: {e.Message}", e);
            }
            var entry = new Entry(meta);
            lock (_lock)
            {
                _volumes[name] = entry;
            }
            return ToVolume(entry);
        }
        catch (BerthException e)
        {
            throw new BerthException(e.Kind, $"create {name}: {e.Message}", e);
        }
    }

    /// <summary>NotFound with Docker's <c>get NAME: no such volume</c>.</summary>
    public Volume Get(string name) => TryGet(name) ?? throw NoSuchVolume(name);

    public Volume? TryGet(string name) => Find(name) is { } e ? ToVolume(e) : null;

    /// <summary>Every volume; a plugin is asked once for its volumes (<c>/VolumeDriver.List</c>), and those it has
    /// that this daemon was never told of are listed too, as Docker lists them.</summary>
    public IReadOnlyList<Volume> List()
    {
        List<Entry> all;
        List<string> plugins;
        lock (_lock)
        {
            all = [.. _volumes.Values];
            plugins = [.. _plugins.Keys];
        }
        var result = new List<Volume>();
        foreach (var group in all.GroupBy(e => e.Meta.Driver).Select(g => (Driver: g.Key, Entries: g.ToList())).Concat(
                     plugins.Where(p => all.All(e => e.Meta.Driver != p)).Select(p => (Driver: p, Entries: new List<Entry>()))))
        {
            if (group.Driver == LocalDriver.DriverName)
            {
                result.AddRange(group.Entries.Select(ToVolume));
                continue;
            }
            PluginDriver? driver = null;
            IReadOnlyList<(string Name, string Mountpoint)>? listed = null;
            try
            {
                driver = (PluginDriver)DriverFor(group.Driver);
                listed = driver.List();
            }
            catch (BerthException e)
            {
                // compat(docker): a plugin that cannot answer costs only its own volumes' details.
                Log.Warn("volume plugin did not list its volumes", ("plugin", group.Driver), ("error", e.Message));
            }
            var mountpoints = (listed ?? []).GroupBy(l => l.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Mountpoint, StringComparer.Ordinal);
            var scope = driver?.Scope ?? "local";
            foreach (var entry in group.Entries)
            {
                result.Add(ToVolume(entry, mountpoints.GetValueOrDefault(entry.Meta.Name, ""), null, scope));
            }
            foreach (var (name, mountpoint) in mountpoints)
            {
                if (group.Entries.Any(e => e.Meta.Name == name) || !IsValidName(name))
                {
                    continue;
                }
                // Known from now on (in memory: the plugin keeps it), so that it can be inspected and removed.
                var entry = new Entry(new VolumeMeta { Name = name, Driver = group.Driver, CreatedAt = DateTimeOffset.UnixEpoch }) { PluginOnly = true };
                lock (_lock)
                {
                    if (!_volumes.TryAdd(name, entry))
                    {
                        continue;
                    }
                }
                result.Add(ToVolume(entry, mountpoint, null, scope));
            }
        }
        return [.. result.OrderBy(v => v.Name, StringComparer.Ordinal)];
    }

    /// <summary><c>docker volume rm</c>: Conflict <c>remove NAME: volume is in use - [ids]</c> while a container
    /// refers to it (even with <paramref name="force"/>, as Docker); with force a missing volume is no error.</summary>
    public void Remove(string name, bool force = false)
    {
        using var held = _names.Acquire(name);
        if (Find(name) is not { } entry)
        {
            if (force)
            {
                return;
            }
            throw NoSuchVolume(name);
        }
        RemoveHeld(entry, force);
    }

    /// <summary>Records that container <paramref name="containerId"/> uses the volume (from create until rm).</summary>
    public void Reference(string name, string containerId)
    {
        var entry = Find(name) ?? throw NoSuchVolume(name);
        lock (entry)
        {
            if (entry.Removed)
            {
                throw NoSuchVolume(name);
            }
            entry.Refs.Add(containerId);
        }
    }

    public void Release(string name, string containerId)
    {
        if (Find(name) is { } entry)
        {
            lock (entry)
            {
                entry.Refs.Remove(containerId);
            }
        }
    }

    /// <summary>The containers referring to the volume.</summary>
    public IReadOnlyCollection<string> Users(string name)
    {
        if (Find(name) is not { } entry)
        {
            return [];
        }
        lock (entry)
        {
            return [.. entry.Refs.Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>Makes the volume's data reachable for a container that starts, and returns its host path. Counts
    /// per container: the first mount of a local volume with a device mounts it, a plugin is asked each time.</summary>
    public string Mount(string name, string containerId)
    {
        using var held = _names.Acquire(name);
        var entry = Find(name) ?? throw NoSuchVolume(name);
        var driver = DriverFor(entry.Meta.Driver);
        // compat(docker): a mount has an id of its own, which a plugin is given on mount and unmount.
        var mountId = Ids.New();
        var path = driver.Mount(name, mountId);
        lock (entry)
        {
            if (!entry.Mounts.TryGetValue(containerId, out var ids))
            {
                entry.Mounts[containerId] = ids = [];
            }
            ids.Add(mountId);
        }
        return path;
    }

    /// <summary>Undoes <see cref="Mount"/> for a container that stopped; the last one unmounts a device.</summary>
    public void Unmount(string name, string containerId)
    {
        using var held = _names.Acquire(name);
        if (Find(name) is not { } entry)
        {
            return;
        }
        string mountId;
        lock (entry)
        {
            if (!entry.Mounts.TryGetValue(containerId, out var ids) || ids.Count == 0)
            {
                return;
            }
            mountId = ids[^1];
            ids.RemoveAt(ids.Count - 1);
            if (ids.Count == 0)
            {
                entry.Mounts.Remove(containerId);
            }
        }
        DriverFor(entry.Meta.Driver).Unmount(name, mountId);
    }

    /// <summary>After the engine has mounted again what its running containers use (daemon restart), unmounts
    /// what nobody uses: mounts left by a crashed daemon.</summary>
    public void UnmountUnused()
    {
        foreach (var name in _local.UnmountUnused())
        {
            Log.Info("unmounted an unused volume", ("volume", name));
        }
    }

    /// <summary>Bytes the volume holds on this host; -1 where the driver cannot tell (plugins).</summary>
    public long Size(string name)
    {
        var entry = Find(name) ?? throw NoSuchVolume(name);
        return DriverFor(entry.Meta.Driver).Size(name);
    }

    /// <summary>Removes the unused volumes <paramref name="match"/> accepts; returns their names and the bytes
    /// freed. compat(docker): only volumes of the local driver without options are candidates (a plugin's volume,
    /// or a tmpfs, nfs or bind, frees nothing here).</summary>
    public (IReadOnlyList<string> Deleted, long Reclaimed) Prune(Func<Volume, bool> match)
    {
        var deleted = new List<string>();
        long reclaimed = 0;
        foreach (var v in List())
        {
            if (v.Driver != LocalDriver.DriverName || v.Options is { Count: > 0 } || !match(v))
            {
                continue;
            }
            using var held = _names.Acquire(v.Name);
            if (Find(v.Name) is not { } entry || InUse(entry).Count > 0)
            {
                continue;
            }
            try
            {
                var size = Math.Max(0, DriverFor(entry.Meta.Driver).Size(v.Name));
                RemoveHeld(entry, force: false);
                deleted.Add(v.Name);
                reclaimed += size;
            }
            catch (BerthException e)
            {
                // compat(docker): a volume that cannot be removed is skipped, the others are pruned.
                Log.Warn("could not remove a volume while pruning", ("volume", v.Name), ("error", e.Message));
            }
        }
        return (deleted, reclaimed);
    }

    private void RemoveHeld(Entry entry, bool force)
    {
        var name = entry.Meta.Name;
        lock (entry)
        {
            var users = InUse(entry);
            if (users.Count > 0)
            {
                throw BerthException.Conflict($"remove {name}: volume is in use - [{string.Join(", ", users)}]");
            }
            entry.Removed = true;
        }
        try
        {
            var driver = DriverFor(entry.Meta.Driver);
            driver.Remove(name);
        }
        catch (BerthException) when (force)
        {
            // compat(docker): -f purges the volume from the store even when its driver failed to remove it.
        }
        catch
        {
            lock (entry)
            {
                entry.Removed = false;
            }
            throw;
        }
        try
        {
            var dir = Path.Join(Root, name);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Warn("cannot delete a volume's metadata", ("volume", name), ("error", e.Message));
        }
        lock (_lock)
        {
            _volumes.Remove(name);
        }
    }

    /// <summary>The containers that refer to the volume or have it mounted; the caller holds the entry.</summary>
    private static List<string> InUse(Entry entry) =>
        [.. entry.Refs.Union(entry.Mounts.Keys).Order(StringComparer.Ordinal)];

    private void Load()
    {
        var table = Mounts.Read();
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var name = Path.GetFileName(dir);
            try
            {
                VolumeNames.Validate(name);
            }
            catch (BerthException)
            {
                continue;
            }
            var meta = ReadMeta(name);
            if (meta is null)
            {
                if (!_local.Exists(name))
                {
                    continue;
                }
                // A volume of Docker's, or one whose create did not finish: a local volume, dated by its directory.
                meta = new VolumeMeta { Name = name, Driver = LocalDriver.DriverName, CreatedAt = ChangeTime(dir) };
            }
            if (meta.Driver == LocalDriver.DriverName)
            {
                var options = _local.Load(name, table);
                meta.Options ??= options;
            }
            _volumes[name] = new Entry(meta);
        }
    }

    private VolumeMeta? ReadMeta(string name)
    {
        var path = Path.Join(Root, name, MetaFile);
        try
        {
            if (!File.Exists(path))
            {
                return null;
            }
            var meta = JsonSerializer.Deserialize(File.ReadAllBytes(path), VolumeJson.Default.VolumeMeta);
            if (meta is null || meta.Driver.Length == 0)
            {
                return null;
            }
            meta.Name = name;
            return meta;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            Log.Warn("unreadable volume metadata", ("volume", name), ("error", e.Message));
            return null;
        }
    }

    /// <summary>realpath(3) of an existing directory, symlinks resolved component by component.</summary>
    internal static string RealPath(string path, int depth = 0)
    {
        if (depth > 40)
        {
            throw new BerthException(ErrorKind.InvalidArgument, $"{path}: too many levels of symbolic links");
        }
        var result = "/";
        foreach (var part in Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Join(result, part);
            var info = new DirectoryInfo(next);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                next = RealPath(target.FullName, depth + 1);
            }
            result = next;
        }
        return result;
    }

    private static DateTimeOffset ChangeTime(string dir) =>
        Fs.TryStat(dir, out var st) ? DateTimeOffset.FromUnixTimeSeconds(st.st_ctim.tv_sec) : DateTimeOffset.UnixEpoch;

    private Entry? Find(string name)
    {
        lock (_lock)
        {
            return _volumes.GetValueOrDefault(name);
        }
    }

    /// <summary>The local driver, or the plugin of that name: found in the plugin directories and activated on first
    /// use, then kept.</summary>
    private VolumeDriver DriverFor(string name)
    {
        if (name == LocalDriver.DriverName)
        {
            return _local;
        }
        lock (_lock)
        {
            if (_plugins.TryGetValue(name, out var known))
            {
                // A plugin whose socket is gone has stopped: forgotten at once, rather than each call waiting the
                // whole timeout for it to come back (Docker's legacy plugins cost that); found again if it returns.
                if (Fs.IsSocket(known.SocketPath))
                {
                    return known;
                }
                _plugins.Remove(name);
            }
        }
        PluginDriver driver;
        try
        {
            var socket = PluginDiscovery.Find(name, PluginDirectories, Fs.IsSocket);
            driver = PluginDriver.Activate(new PluginClient(name, socket, PluginTimeout));
        }
        catch (BerthException e)
        {
            // compat(docker): the volume drivers' registry's words.
            throw new BerthException(e.Kind, $"error looking up volume plugin {name}: {e.Message}", e);
        }
        lock (_lock)
        {
            return _plugins.TryAdd(name, driver) ? driver : _plugins[name];
        }
    }

    private static void TryRemoveFromDriver(VolumeDriver driver, string name)
    {
        try
        {
            driver.Remove(name);
        }
        catch (BerthException e)
        {
            Log.Warn("cannot undo a volume create", ("volume", name), ("error", e.Message));
        }
    }

    /// <summary>The volume as inspect shows it: the driver is asked for its mount point and status.</summary>
    private Volume ToVolume(Entry entry)
    {
        var driver = DriverFor(entry.Meta.Driver);
        var found = driver.Get(entry.Meta.Name);
        return ToVolume(entry, found?.Mountpoint ?? "", found?.Status, driver.Scope);
    }

    private static Volume ToVolume(Entry entry, string mountpoint, Dictionary<string, object?>? status, string scope)
    {
        var meta = entry.Meta;
        return new Volume
        {
            Name = meta.Name,
            Driver = meta.Driver,
            Mountpoint = mountpoint,
            CreatedAt = meta.CreatedAt,
            Labels = meta.Labels is null ? [] : new Dictionary<string, string>(meta.Labels),
            Options = meta.Options is null ? null : new Dictionary<string, string>(meta.Options),
            Scope = scope,
            Status = status,
        };
    }

    private static bool IsValidName(string name)
    {
        try
        {
            VolumeNames.Validate(name);
            return true;
        }
        catch (BerthException)
        {
            return false;
        }
    }

    private static BerthException NoSuchVolume(string name) => BerthException.NotFound($"get {name}: no such volume");

    private sealed class Entry(VolumeMeta meta)
    {
        public VolumeMeta Meta { get; } = meta;

        /// <summary>Containers that refer to the volume.</summary>
        public HashSet<string> Refs { get; } = new(StringComparer.Ordinal);

        /// <summary>Container → the ids of its mounts of the volume, in order.</summary>
        public Dictionary<string, List<string>> Mounts { get; } = new(StringComparer.Ordinal);

        public bool Removed { get; set; }

        /// <summary>Listed by its plugin, never created through this daemon: no metadata on disk.</summary>
        public bool PluginOnly { get; init; }
    }
}

/// <summary>Performs and undoes the host mounts of volumes (wired to the runtime's mounter).</summary>
public sealed class VolumeMounts(Action<Berth.Oci.Mount, string> mount, Func<string, bool> unmount)
{
    public void Mount(Berth.Oci.Mount m, string target) => mount(m, target);

    public bool Unmount(string target) => unmount(target);
}

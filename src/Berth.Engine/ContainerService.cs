using System.Text.Json;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Images;
using Berth.Linux;
using Berth.Metadata;
using Berth.Network;
using Berth.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Logging;
using Berth.Runtime.Shim;
using Berth.Volumes;

namespace Berth.Engine;

/// <summary>
/// Containers and their lifecycle: create, start, stop, kill, wait, remove; their records in the metadata
/// database; their processes through one shim each. Stopping the daemon leaves running containers running.
/// </summary>
public sealed partial class ContainerService
{
    private readonly EngineOptions _options;
    private readonly ImageService _images;
    private readonly MetadataStore _metadata;
    private readonly ContainerRuntime _runtime;
    private readonly CgroupDriver _cgroups;
    private readonly NetworkController _network;
    private readonly VolumeService _volumes;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ContainerEntry> _containers = [];

    public ContainerService(EngineOptions options, ImageService images, MetadataStore metadata, ContainerRuntime runtime, CgroupDriver cgroups, NetworkController network, VolumeService volumes, EventBus events)
    {
        _volumes = volumes;
        _network = network;
        _options = options;
        _images = images;
        _metadata = metadata;
        _runtime = runtime;
        _cgroups = cgroups;
        Events = events;
        Directory.CreateDirectory(options.ContainersDir);
        // A bind left by a daemon that stopped while containers ran is this daemon's to undo as much as one it made.
        (BundlesPropagate, _) = RootfsMounter.TryMakeSharedMountPoint(Path.Join(options.ExecRoot, "containers"));
        _sharedBind = BundlesPropagate;
        Directory.CreateDirectory(Path.Join(options.ExecRoot, "s"));
        foreach (var (_, doc) in metadata.ListContainers())
        {
            var c = JsonSerializer.Deserialize(doc, EngineJson.Default.Container)!;
            _containers[c.Id] = new ContainerEntry(c);
        }
    }

    private readonly bool _sharedBind;

    /// <summary>Whether rootfs mounts made from now on reach mount namespaces made before (spare shims need it).</summary>
    public bool BundlesPropagate { get; }

    public EventBus Events { get; }

    /// <summary>The daemon is stopping: undo the shared bind of the bundles' directory unless a container still
    /// runs (its rootfs mount lives under it until the daemon comes back).</summary>
    public void Shutdown()
    {
        lock (_lock)
        {
            foreach (var e in _containers.Values)
            {
                e.PendingRestart?.Cancel(); // kept as "restarting"; the next daemon start does it
            }
        }
        if (_sharedBind && Count(c => c.State.Running) == 0)
        {
            RootfsMounter.Unmount(Path.Join(_options.ExecRoot, "containers"));
        }
    }

    public CgroupDriver Cgroups => _cgroups;

    private string BundleOf(string id) => Path.Join(_options.ExecRoot, "containers", id);

    private string SocketOf(string id) => Path.Join(_options.ExecRoot, "s", id[..32] + ".sock");

    private string DirOf(string id) => Path.Join(_options.ContainersDir, id);

    public IReadOnlyList<Container> List()
    {
        lock (_lock)
        {
            return _containers.Values.Select(e => e.Container).OrderByDescending(c => c.Created).ToList();
        }
    }

    private ContainerEntry? Find(string idOrName)
    {
        lock (_lock)
        {
            if (_containers.TryGetValue(idOrName, out var byId))
            {
                return byId;
            }
            var name = "/" + idOrName.TrimStart('/');
            var byName = _containers.Values.FirstOrDefault(e => e.Container.Name == name);
            if (byName is not null)
            {
                return byName;
            }
            if (idOrName.Length > 0 && idOrName.All(char.IsAsciiHexDigitLower))
            {
                var matches = _containers.Values.Where(e => e.Container.Id.StartsWith(idOrName, StringComparison.Ordinal)).Take(2).ToList();
                if (matches.Count == 2)
                {
                    throw BerthException.Invalid($"multiple IDs found with provided prefix: {idOrName}");
                }
                return matches.FirstOrDefault();
            }
            return null;
        }
    }

    private ContainerEntry Entry(string idOrName) =>
        Find(idOrName) ?? throw BerthException.NotFound($"No such container: {idOrName}");

    public Container Get(string idOrName) => Entry(idOrName).Container;

    public ContainerStreams Streams(string idOrName) => Entry(idOrName).Streams;

    /// <summary>Which container uses an image, and whether it is running (for <c>docker rmi</c>).</summary>
    public (string ContainerId, bool Running)? UserOfImage(string imageId)
    {
        lock (_lock)
        {
            var users = _containers.Values.Where(e => e.Container.Image == imageId).Select(e => e.Container).ToList();
            var running = users.FirstOrDefault(c => c.State.Running);
            var any = running ?? users.FirstOrDefault();
            return any is null ? null : (any.Id, running is not null);
        }
    }

    private void Persist(Container c) =>
        _metadata.PutContainer(c.Id, c.Name, JsonSerializer.Serialize(c, EngineJson.Default.Container));

    private void Publish(Container c, string action, IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var (k, v) in c.Config.Labels ?? [])
        {
            attributes[k] = v;
        }
        attributes["image"] = c.Config.Image;
        attributes["name"] = c.BareName;
        foreach (var (k, v) in extra ?? [])
        {
            attributes[k] = v;
        }
        Events.Publish(new EngineEvent("container", action, c.Id, attributes, DateTimeOffset.UtcNow, c.Config.Image));
    }

    public void PublishAttach(string idOrName) => Publish(Get(idOrName), "attach");

    /// <summary>Records the container's exit: state, cleanup of its rootfs mount and bundle, waiters, events.</summary>
    private void HandleExit(ContainerEntry entry, ExitRecord exit)
    {
        var c = entry.Container;
        StopHealthMonitor(c.Id);
        List<TaskCompletionSource<ContainerExit>> waiters;
        lock (_lock)
        {
            entry.Shim = null; // stop and kill now find nothing to signal
        }
        // compat(docker): the container counts as stopped (for wait, ps, inspect) only once its mount and bundle are gone.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ReleaseRuntimeState(c.Id);
        var released = clock.Elapsed.TotalMilliseconds;
        lock (_lock)
        {
            c.State.Status = "exited";
            c.State.Running = false;
            c.State.Paused = false;
            c.State.Pid = 0;
            c.State.ExitCode = exit.ExitCode;
            c.State.OOMKilled = exit.OomKilled;
            c.State.FinishedAt = exit.ExitedAt;
            waiters = [.. entry.ExitWaiters];
            entry.ExitWaiters.Clear();
        }
        Persist(c);
        if (Log.Enabled(LogLevel.Debug))
        {
            Log.Debug("container exited", ("id", c.ShortId), ("code", exit.ExitCode), ("released-ms", released.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)),
                ("recorded-ms", clock.Elapsed.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
        }
        entry.Streams.DisconnectStdin();
        entry.Streams.Complete();
        if (exit.OomKilled)
        {
            Publish(c, "oom");
        }
        Publish(c, "die", [new("exitCode", exit.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        foreach (var w in waiters)
        {
            w.TrySetResult(new ContainerExit(exit.ExitCode, null));
        }
        entry.Stopped.TrySetResult();
        if (c.HostConfig.AutoRemove)
        {
            _ = RemoveAfterExitAsync(c.Id);
        }
        else
        {
            ScheduleRestart(entry, exit.ExitCode);
        }
    }

    private async Task RemoveAfterExitAsync(string id)
    {
        try
        {
            await RemoveAsync(id, force: true, removeVolumes: true).ConfigureAwait(false);
        }
        catch (BerthException e)
        {
            Log.Warn("auto-remove failed", ("container", id), ("error", e.Message));
        }
    }

    /// <summary>Unmounts the rootfs and deletes the bundle: what only a running container needs.</summary>
    private void ReleaseRuntimeState(string id)
    {
        if (Find(id) is { } entry)
        {
            ReleaseNetworks(entry.Container);
            UnmountVolumes(entry);
        }
        var bundle = BundleOf(id);
        RootfsMounter.Unmount(Path.Join(bundle, "rootfs"));
        RootfsMounter.Unmount(ShmOf(id));
        // A start that failed may leave volume subpaths bound in the bundle: deleting through them would delete
        // the volume's files.
        if (Directory.Exists(bundle))
        {
            foreach (var subpath in Directory.EnumerateDirectories(bundle, "subpath-*"))
            {
                RootfsMounter.Unmount(subpath);
            }
        }
        DeleteBundle(bundle);
        File.Delete(SocketOf(id));
    }

    /// <summary>Deletes a bundle directory. After a failed start the shim may still be writing its exit.json as the
    /// directory goes ("Directory not empty"): a few retries let it finish, or a --rm container would stay.</summary>
    private static void DeleteBundle(string bundle)
    {
        for (var attempt = 0; Directory.Exists(bundle); attempt++)
        {
            try
            {
                Directory.Delete(bundle, recursive: true);
            }
            catch (IOException) when (attempt < 20)
            {
                Thread.Sleep(10);
            }
        }
    }

    /// <summary>Reads the shim's frames: output to attached clients, then the exit.</summary>
    private async Task PumpAsync(ContainerEntry entry, ShimAttachment attachment, Task<bool> started)
    {
        ExitRecord? exit = null;
        try
        {
            while (await attachment.ReadAsync().ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case ShimFrame.Stdout:
                        entry.Streams.Publish(new OutputChunk(LogStream.Stdout, frame.Payload));
                        break;
                    case ShimFrame.Stderr:
                        entry.Streams.Publish(new OutputChunk(LogStream.Stderr, frame.Payload));
                        break;
                    case ShimFrame.Exit:
                        exit = JsonSerializer.Deserialize(frame.Payload, ShimJson.Default.ExitRecord);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            await attachment.DisposeAsync().ConfigureAwait(false);
        }
        if (!await started.ConfigureAwait(false))
        {
            return; // the start failed; StartAsync has recorded it
        }
        // The shim went away without an exit frame (killed): it may still have written exit.json.
        exit ??= ContainerRuntime.ReadExit(BundleOf(entry.Container.Id)) ?? new ExitRecord { ExitCode = 255, ExitedAt = DateTimeOffset.UtcNow };
        HandleExit(entry, exit);
    }
}

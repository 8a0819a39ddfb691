using System.Text.Json;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Engine.Seccomp;
using Berth.Engine.UserNamespaces;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime;
using Berth.Runtime.Shim;

namespace Berth.Engine;

public sealed partial class ContainerService
{
    /// <summary><c>docker start</c>: mounts the rootfs, writes the OCI bundle, starts the shim and the process.
    /// Throws <see cref="ErrorKind.NotModified"/> when it already runs.</summary>
    public async Task StartAsync(string idOrName, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var c = entry.Container;
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (c.State.Running)
            {
                throw new BerthException(ErrorKind.NotModified, "container already started");
            }
            CancelRestart(entry);
            entry.RestartBackoff = TimeSpan.Zero;
            c.HasBeenManuallyStopped = false;
            if (entry.Removing)
            {
                throw BerthException.Conflict($"container {c.Id} is marked for removal and cannot be started");
            }
            await StartLockedAsync(entry, ct).ConfigureAwait(false);
        }
        finally
        {
            entry.Operation.Release();
        }
    }

    private async Task StartLockedAsync(ContainerEntry entry, CancellationToken ct)
    {
        var c = entry.Container;
        var bundle = BundleOf(c.Id);
        var rootfs = Path.Join(bundle, "rootfs");
        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double mounted = 0, bundled = 0, created = 0;
        var inRuntime = false; // before the runtime runs anything, an error is the daemon's own and goes out as is
        // Volume subpaths, bound in the bundle until the init has mounted them (MountVolumes).
        var subpaths = new List<string>();
        try
        {
            var (pidOwner, ipcOwner) = NamespaceOwners(c.HostConfig);
            Directory.CreateDirectory(bundle);
            File.SetUnixFileMode(bundle, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            RootfsMounter.Unmount(rootfs);
            var mounts = _images.RootfsMounts(c.Id).Select(m => new Mount { Type = m.Type, Source = m.Source, Options = [.. m.Options] }).ToList();
            var remap = RemapOf(c.HostConfig);
            RootfsMounter.Mount(mounts, rootfs, IdMapOf(c.HostConfig));
            mounted = clock.Elapsed.TotalMilliseconds;
            var user = UserLookup.Resolve(rootfs, c.Config.User, c.HostConfig.GroupAdd);
            PrepareWorkingDir(rootfs, c.Config.WorkingDir, user, remap);
            var cgroupsPath = (string.IsNullOrEmpty(c.HostConfig.CgroupParent) ? "/berth" : c.HostConfig.CgroupParent.TrimEnd('/')) + "/" + c.Id;
            Container? networkOwner = null;
            if (SharedNetworkContainer(c.HostConfig) is { } other)
            {
                networkOwner = Entry(other).Container;
                if (!networkOwner.State.Running || networkOwner.State.Pid <= 0)
                {
                    throw BerthException.Conflict($"cannot join network of a non running container: {networkOwner.Id}");
                }
            }
            var shared = new SharedNamespaces(networkOwner, pidOwner, ipcOwner, ShmSource(c, ipcOwner));
            var endpoints = AllocateNetworks(c);
            if (networkOwner is null)
            {
                WriteEtcFiles(c, endpoints);
            }
            var userMounts = MountVolumes(entry, rootfs, subpaths);
            var spec = SpecBuilder.Build(c, user, rootfs, cgroupsPath, c.HostConfig.CgroupnsMode == "private" || MayMountCgroups(c), _options.InitBinary, shared, userMounts, _options.SeccompProfile);
            if (remap is not null)
            {
                AddUserNamespace(spec, remap);
                ChownForRemap(remap, bundle, networkOwner is null ? [c.HostsPath, c.HostnamePath, c.ResolvConfPath] : []);
            }
            ContainerSeccomp.WriteProgram(bundle, spec);
            AtomicFile.Write(Path.Join(bundle, "config.json"), JsonSerializer.SerializeToUtf8Bytes(spec, OciJson.Default.RuntimeSpec), durable: false);

            bundled = clock.Elapsed.TotalMilliseconds;
            var runtime = c.HostConfig.Runtime == "berth" ? "berth" : _options.Runtimes[c.HostConfig.Runtime];
            var shimOptions = new ShimOptions
            {
                Id = c.Id,
                Bundle = bundle,
                Socket = SocketOf(c.Id),
                LogPath = string.IsNullOrEmpty(c.LogPath) ? null : c.LogPath,
                LogRotation = LogDrivers.Rotation(c.HostConfig.LogConfig),
                Runtime = runtime,
                RuntimeRoot = Path.Join(_options.ExecRoot, "runtime-" + c.HostConfig.Runtime),
                OpenStdin = c.Config.OpenStdin,
            };
            // A cold start moves its init into a new cgroup; warm the lock that move waits on. A spare needs no
            // move (its cgroup is renamed), and a warm-up would hold the cgroup lock against that rename.
            if (runtime == "berth" && !_runtime.WouldAdoptSpare(shimOptions, spec))
            {
                _cgroups.BeginMigrationWarmup();
            }
            inRuntime = true;
            var (shim, ready) = await _runtime.CreateAsync(shimOptions, spec, ct).ConfigureAwait(false);
            UnmountSubpaths(subpaths); // the root is built
            try
            {
                AttachNetworks(c, ready.Pid);
            }
            catch
            {
                await shim.KillAsync(9, CancellationToken.None).ConfigureAwait(false);
                await shim.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
            created = clock.Elapsed.TotalMilliseconds;
            var attachment = await shim.AttachAsync(ct).ConfigureAwait(false);
            entry.Shim = shim;
            entry.Stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = PumpAsync(entry, attachment, started.Task);
            if (c.Config.OpenStdin)
            {
                await entry.Streams.ConnectStdin(data => attachment.WriteStdinAsync(data), () => attachment.CloseStdinAsync()).ConfigureAwait(false);
            }
            await shim.StartAsync(ct).ConfigureAwait(false);
            lock (_lock)
            {
                c.State = new ContainerState
                {
                    Status = "running",
                    Running = true,
                    Pid = ready.Pid,
                    StartedAt = DateTimeOffset.UtcNow,
                    Health = HealthCheck.AtStart(c.Config, c.State.Health),
                };
            }
            Persist(c);
            started.SetResult(true);
            Publish(c, "start");
            StartHealthMonitor(entry);
            _runtime.Refill();
            if (Log.Enabled(LogLevel.Debug))
            {
                Log.Debug("container started", ("id", c.ShortId), ("rootfs-ms", mounted.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)),
                    ("bundle-ms", bundled.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)), ("shim-created-ms", created.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)),
                    ("running-ms", clock.Elapsed.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        catch (Exception e) when (e is BerthException or IOException or UnauthorizedAccessException)
        {
            _runtime.Refill();
            started.TrySetResult(false);
            entry.Shim = null;
            entry.Streams.Complete();
            ReleaseRuntimeState(c.Id);
            var message = e.Message;
            var (code, kind) = message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such file or directory", StringComparison.OrdinalIgnoreCase)
                ? (127, ErrorKind.InvalidArgument)
                : message.Contains("permission denied", StringComparison.OrdinalIgnoreCase) ? (126, ErrorKind.InvalidArgument) : (128, ErrorKind.Unknown);
            lock (_lock)
            {
                c.State.Error = message;
                c.State.ExitCode = code;
                c.State.Status = c.State.StartedAt == DateTimeOffset.MinValue ? "created" : "exited";
            }
            Persist(c);
            if (c.HostConfig.AutoRemove)
            {
                // compat(docker): a --rm container that cannot start is removed at once (docker run waits for that).
                _ = Task.Run(() => RemoveAsync(c.Id, force: true, removeVolumes: true));
            }
            if (!inRuntime && e is BerthException own)
            {
                throw own;
            }
            throw new BerthException(kind, $"failed to create task for container: failed to start container process: {message}: unknown", e);
        }
        finally
        {
            UnmountSubpaths(subpaths);
        }
    }

    /// <summary>Undoes the binds of volume subpaths made for a start (the container keeps its own).</summary>
    private static void UnmountSubpaths(List<string> mountPoints)
    {
        foreach (var mountPoint in mountPoints)
        {
            RootfsMounter.Unmount(mountPoint);
            if (Directory.Exists(mountPoint))
            {
                Directory.Delete(mountPoint);
            }
            else
            {
                File.Delete(mountPoint);
            }
        }
        mountPoints.Clear();
    }

    /// <summary>Docker creates a missing working directory, owned by the container's user.</summary>
    private static void PrepareWorkingDir(string rootfs, string workingDir, UserLookup.ExecUser user, UsernsRemap? remap)
    {
        if (string.IsNullOrEmpty(workingDir) || workingDir == "/")
        {
            return;
        }
        if (remap is not null)
        {
            // An idmapped rootfs: host root has no id in its upper layer, the remapped root has; the owner is the
            // user's host id, stored as the container's id.
            var owner = new UserLookup.ExecUser(remap.HostUid(user.Uid) ?? Overflow, remap.HostGid(user.Gid) ?? Overflow, [], user.Home);
            IdMappedMounts.RunWithFsIds(remap.RootUid, remap.RootGid, () => PrepareWorkingDir(rootfs, workingDir, owner, null));
            return;
        }
        using var root = Fs.Open(rootfs, LibC.O_PATH | LibC.O_DIRECTORY);
        if (Fs.TryOpenInRoot(root, workingDir, LibC.O_PATH | LibC.O_DIRECTORY) is { } existing)
        {
            existing.Dispose();
            return;
        }
        using var created = Fs.MkdirAllInRoot(root, workingDir);
        Sys.Check(LibC.fchownat(created.Fd, "", user.Uid, user.Gid, LibC.AT_EMPTY_PATH), "chown", workingDir);
    }

    /// <summary>
    /// Sends a signal to the container's first process and publishes the <c>kill</c> event (with the signal's number,
    /// SIGKILL's 9 included). compat(docker): SIGKILL returns once the container has exited (a <c>docker rm</c> that
    /// follows finds it stopped), with dockerd's waits (<see cref="ForcedExit"/>); any other signal returns once it
    /// is sent.
    /// </summary>
    public async Task KillAsync(string idOrName, string? signal, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var sig = LibC.SIGKILL;
        if (!string.IsNullOrEmpty(signal) && !Signals.TryParse(signal, out sig))
        {
            throw BerthException.Invalid($"Invalid signal: {signal}");
        }
        var stopped = entry.Stopped.Task; // before the signal: the exit may be recorded before the kill returns
        var shim = entry.Shim;
        if (!entry.Container.State.Running || shim is null || !await shim.KillAsync(sig, ct).ConfigureAwait(false))
        {
            throw BerthException.Conflict($"Cannot kill container: {idOrName}: Container {entry.Container.Id} is not running");
        }
        ThawAfterSignal(entry, sig);
        Publish(entry.Container, "kill", [new("signal", sig.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        if (sig != LibC.SIGKILL)
        {
            return;
        }
        try
        {
            await AwaitKilledAsync(entry, stopped).ConfigureAwait(false);
        }
        catch (BerthException e)
        {
            throw new BerthException(e.Kind, $"Cannot kill container: {idOrName}: {e.Message}", e);
        }
    }

    /// <summary>The exit that follows a SIGKILL, with dockerd's waits and its direct SIGKILL in between.</summary>
    private Task AwaitKilledAsync(ContainerEntry entry, Task stopped) =>
        ForcedExit.AwaitAsync(stopped, () => KillDirectly(entry.Container), entry.Container.ShortId, ForcedExit.ExitWait, ForcedExit.FinalWait);

    /// <summary>
    /// dockerd's killProcessDirectly: SIGKILL to the first process itself, not through the shim; a zombie (its shim
    /// does not reap it) is an error, in dockerd's words. Only while that pid is still in the container's cgroup: it
    /// may have been reaped and reused while the exit was being recorded. False when there is no such process.
    /// </summary>
    private bool KillDirectly(Container c)
    {
        var pid = c.State.Pid;
        if (pid == 0)
        {
            return true;
        }
        // kernel: an exited process leaves cgroup.procs before it is reaped, so a zombie is asked about first (and
        // cannot have been reused: its pid is not free until it is reaped).
        if (ProcessState(pid) == 'Z')
        {
            throw new BerthException(ErrorKind.Unknown,
                $"container {c.ShortId} PID {pid} is zombie and can not be killed. Use the --init option when creating containers to run an init inside the container that forwards signals and reaps processes");
        }
        bool inCgroup;
        try
        {
            inCgroup = CgroupOf(c).Processes().Contains(pid);
        }
        catch (IOException)
        {
            inCgroup = false; // the cgroup is gone, and the process with it
        }
        return inCgroup && Proc.Kill(pid, LibC.SIGKILL);
    }

    /// <summary>The state letter of /proc/&lt;pid&gt;/stat (after the command's closing parenthesis); null when there
    /// is no such process.</summary>
    private static char? ProcessState(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var end = stat.LastIndexOf(')');
            return end >= 0 && end + 2 < stat.Length ? stat[end + 2] : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary><c>docker stop</c>: the stop signal, then SIGKILL after the timeout. False when it was not running.</summary>
    public async Task<bool> StopAsync(string idOrName, int? timeoutSeconds, string? signal = null, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await StopLockedAsync(entry, timeoutSeconds, signal, ct).ConfigureAwait(false);
        }
        finally
        {
            entry.Operation.Release();
        }
    }

    private async Task<bool> StopLockedAsync(ContainerEntry entry, int? timeoutSeconds, string? signal, CancellationToken ct)
    {
        var c = entry.Container;
        var shim = entry.Shim;
        c.HasBeenManuallyStopped = true;
        if (CancelRestart(entry))
        {
            return true;
        }
        if (!c.State.Running || shim is null)
        {
            Persist(c);
            return false;
        }
        Persist(c);
        var stopped = entry.Stopped.Task;
        var sig = LibC.SIGTERM;
        var name = signal ?? c.Config.StopSignal;
        if (!string.IsNullOrEmpty(name) && !Signals.TryParse(name, out sig))
        {
            throw BerthException.Invalid($"Invalid signal: {name}");
        }
        var timeout = timeoutSeconds ?? c.Config.StopTimeout ?? 10;
        if (sig != LibC.SIGKILL)
        {
            await shim.KillAsync(sig, ct).ConfigureAwait(false);
            ThawAfterSignal(entry, sig);
            Publish(c, "kill", [new("signal", sig.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
            if (timeout < 0)
            {
                await stopped.WaitAsync(ct).ConfigureAwait(false);
            }
            else if (await Task.WhenAny(stopped, Task.Delay(TimeSpan.FromSeconds(timeout), ct)).ConfigureAwait(false) == stopped)
            {
                Publish(c, "stop");
                return true;
            }
        }
        await shim.KillAsync(LibC.SIGKILL, ct).ConfigureAwait(false);
        ThawAfterSignal(entry, LibC.SIGKILL);
        Publish(c, "kill", [new("signal", "9")]);
        await AwaitKilledAsync(entry, stopped).ConfigureAwait(false);
        Publish(c, "stop");
        return true;
    }

    /// <summary>
    /// <c>POST /containers/{id}/wait</c>. Conditions: <c>not-running</c> (now, if it is not running),
    /// <c>next-exit</c>, <c>removed</c>. The waiter is registered before this returns, so a start that follows
    /// cannot be missed.
    /// </summary>
    public Task<ContainerExit> WaitAsync(string idOrName, string? condition)
    {
        var entry = Entry(idOrName);
        var tcs = new TaskCompletionSource<ContainerExit>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            switch (condition)
            {
                case null or "" or "not-running":
                    if (!entry.Container.State.Running)
                    {
                        return Task.FromResult(new ContainerExit(entry.Container.State.ExitCode, null));
                    }
                    entry.ExitWaiters.Add(tcs);
                    break;
                case "next-exit":
                    entry.ExitWaiters.Add(tcs);
                    break;
                case "removed":
                    entry.RemoveWaiters.Add(tcs);
                    break;
                default:
                    throw BerthException.Invalid($"invalid condition: \"{condition}\"");
            }
        }
        return tcs.Task;
    }

    /// <summary><c>docker rm</c>: refuses a running container unless forced; removes every trace of it.</summary>
    public async Task RemoveAsync(string idOrName, bool force, bool removeVolumes, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var c = entry.Container;
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (entry.Removing && !_containers.ContainsKey(c.Id))
            {
                return;
            }
            if (c.State.Restarting)
            {
                if (!force)
                {
                    throw BerthException.Conflict($"You cannot remove a restarting container {c.Id}. Stop the container before attempting removal or force remove");
                }
                CancelRestart(entry);
            }
            if (c.State.Running)
            {
                if (!force)
                {
                    throw BerthException.Conflict($"You cannot remove a running container {c.Id}. Stop the container before attempting removal or force remove");
                }
                var stopped = entry.Stopped.Task;
                // compat(docker): rm -f kills as docker kill does, kill event included.
                var sent = await (entry.Shim?.KillAsync(LibC.SIGKILL, ct) ?? Task.FromResult(false)).ConfigureAwait(false);
                ThawAfterSignal(entry, LibC.SIGKILL);
                if (sent)
                {
                    Publish(c, "kill", [new("signal", "9")]);
                }
                try
                {
                    await AwaitKilledAsync(entry, stopped).ConfigureAwait(false);
                }
                catch (BerthException e)
                {
                    throw new BerthException(e.Kind, $"cannot remove container \"{idOrName}\": could not kill container: {e.Message}", e);
                }
            }
            entry.Removing = true;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ReleaseRuntimeState(c.Id);
            _images.RemoveRootfs(c.Id);
            var layerGone = clock.Elapsed.TotalMilliseconds;
            var dir = DirOf(c.Id);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
            _metadata.DeleteContainer(c.Id);
            ReleaseVolumes(c, removeVolumes);
            List<TaskCompletionSource<ContainerExit>> waiters;
            ForgetExecs(c.Id);
            lock (_lock)
            {
                _containers.Remove(c.Id);
                waiters = [.. entry.RemoveWaiters, .. entry.ExitWaiters];
                entry.RemoveWaiters.Clear();
                entry.ExitWaiters.Clear();
            }
            entry.Streams.Complete();
            Publish(c, "destroy");
            if (Log.Enabled(LogLevel.Debug))
            {
                Log.Debug("container removed", ("id", c.ShortId), ("layer-ms", layerGone.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)),
                    ("total-ms", clock.Elapsed.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
            }
            foreach (var w in waiters)
            {
                w.TrySetResult(new ContainerExit(c.State.ExitCode, null));
            }
        }
        finally
        {
            entry.Operation.Release();
        }
    }

    /// <summary>
    /// After a daemon (re)start: reattaches to the shims of containers that still run, records the exits that
    /// happened meanwhile, and clears mounts left by containers that are not running.
    /// </summary>
    public async Task RestoreAsync(CancellationToken ct = default)
    {
        RestoreVolumes();
        List<ContainerEntry> entries;
        lock (_lock)
        {
            entries = [.. _containers.Values];
        }
        foreach (var entry in entries)
        {
            var c = entry.Container;
            if (!c.State.Running)
            {
                ReleaseRuntimeState(c.Id);
                RestartAtDaemonStart(entry);
                continue;
            }
            var exit = ContainerRuntime.ReadExit(BundleOf(c.Id));
            if (exit is null && File.Exists(SocketOf(c.Id)))
            {
                try
                {
                    var shim = new ShimClient(SocketOf(c.Id));
                    var attachment = await shim.AttachAsync(ct).ConfigureAwait(false);
                    entry.Shim = shim;
                    if (c.Config.OpenStdin)
                    {
                        await entry.Streams.ConnectStdin(data => attachment.WriteStdinAsync(data), () => attachment.CloseStdinAsync()).ConfigureAwait(false);
                    }
                    _ = PumpAsync(entry, attachment, Task.FromResult(true));
                    RestoreNetworks(c);
                    ReconcilePaused(entry);
                    RestoreHealthMonitor(entry);
                    continue;
                }
                catch (BerthException)
                {
                    exit = ContainerRuntime.ReadExit(BundleOf(c.Id));
                }
            }
            // compat(docker): a container whose shim vanished without a record ended unknown: 255.
            HandleExit(entry, exit ?? new ExitRecord { ExitCode = 255, ExitedAt = DateTimeOffset.UtcNow });
        }
        _network.RestoreDone();
    }

    public int Count(Func<Container, bool> predicate)
    {
        lock (_lock)
        {
            return _containers.Values.Count(e => predicate(e.Container));
        }
    }

    /// <summary>
    /// CVE-2022-0492: a container that holds CAP_SYS_ADMIN (and so may mount, under Docker's seccomp profile) in the
    /// host's cgroup namespace would mount a cgroup v1 hierarchy at its root (on v1 an existing one, on v2 a named one it
    /// creates) and write its release_agent, which the kernel runs as root on the host. Docker leaves this to
    /// AppArmor; Berth gives such a container a cgroup namespace of its own whatever <c>--cgroupns</c> says: a
    /// hierarchy it mounts is rooted at its own cgroup, which has no release_agent, and it cannot create one.
    /// <c>--privileged</c> is exempt: it is given the host's cgroup tree, writable, by design.
    /// </summary>
    private static bool MayMountCgroups(Container c) =>
        !c.HostConfig.Privileged && LinuxCapabilities.For(c.HostConfig, SpecBuilder.DefaultCapabilities, LinuxCapabilities.Available).Contains("CAP_SYS_ADMIN");
}

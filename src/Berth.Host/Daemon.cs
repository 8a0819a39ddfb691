using System.Runtime.InteropServices;
using Berth.Api.Docker;
using Berth.Common;
using Berth.Content;
using Berth.Distribution.Client;
using Berth.Engine;
using Berth.Engine.Seccomp;
using Berth.Engine.UserNamespaces;
using Berth.Http;
using Berth.Images;
using Berth.Linux;
using Berth.Metadata;
using Berth.Network;
using Berth.Runtime;
using Berth.Runtime.Cgroups;
using Berth.Snapshots;
using Berth.Volumes;

namespace Berth.Host;

/// <summary>berthd's start order: state directories and the pid file, stores, the runtime, containers (reattached),
/// then the API. SIGTERM stops the API and leaves running containers to their shims.</summary>
internal static class Daemon
{
    public static async Task<int> RunAsync(DaemonOptions o)
    {
        if (o.ShowHelp)
        {
            Console.WriteLine(DaemonOptions.Usage);
            return 0;
        }
        if (o.ShowVersion)
        {
            Console.WriteLine($"Berth version {BerthVersion.Version}, build {BerthVersion.GitCommit}");
            return 0;
        }
        Log.Level = o.Debug ? LogLevel.Debug : o.LogLevel.ToLowerInvariant() switch
        {
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Info,
            "warn" or "warning" => LogLevel.Warn,
            "error" => LogLevel.Error,
            "fatal" => LogLevel.Fatal,
            _ => throw new ArgumentException($"unable to parse logging level: {o.LogLevel}"),
        };
        if (LibC.geteuid() != 0)
        {
            Log.Error("berthd needs to be started with root privileges. To run berthd in rootless mode, that is not supported yet.");
            return 1;
        }
        var dataRoot = Path.GetFullPath(o.DataRoot);
        var execRoot = Path.GetFullPath(o.ExecRoot);
        var addresses = o.ListenAddresses();
        if (o.UnauthenticatedTcpRefusal(addresses) is { } refusal)
        {
            Log.Error("failed to load listeners: " + refusal);
            return 1;
        }
        System.Net.Security.SslServerAuthenticationOptions? tls = null;
        if (o.UseTls && addresses.Any(a => a.IsTcp))
        {
            try
            {
                tls = ServerTls.Load(o.CertFile, o.KeyFile, o.CaCertFile, o.VerifyClients);
            }
            catch (InvalidDataException e)
            {
                // compat(docker): dockerd's words.
                Log.Error("failed to start daemon: invalid TLS configuration: " + e.Message);
                return 1;
            }
        }
        var sockets = addresses.Where(a => a.UnixPath is not null).Select(a => Path.GetFullPath(a.UnixPath!)).ToList();
        var socketGid = sockets.Count == 0 ? 0 : SocketGroup.Resolve(o.Group, sockets);
        Directory.CreateDirectory(dataRoot);
        Directory.CreateDirectory(execRoot);
        File.SetUnixFileMode(dataRoot, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            SocketDirectories.Prepare(execRoot, sockets, socketGid);
        }
        catch (BerthException e)
        {
            Log.Error("failed to load listeners: " + e.Message);
            return 1;
        }
        using var pidFile = o.PidFile is null ? null : PidFile.Create(Path.GetFullPath(o.PidFile));

        ChildReaper.EnsureStarted();
        var runtimeBinary = Environment.GetEnvironmentVariable("BERTH_RUNTIME_BINARY") ?? Path.Join(AppContext.BaseDirectory, "berth-runtime");
        if (!File.Exists(runtimeBinary))
        {
            Log.Error("berth-runtime not found; it ships beside berthd", ("path", runtimeBinary));
            return 1;
        }
        var runtimes = new Dictionary<string, string>(o.Runtimes);
        if (!runtimes.ContainsKey("runc") && FindOnPath("runc") is { } runc)
        {
            runtimes["runc"] = runc;
        }
        if (o.DefaultRuntime != "berth" && !runtimes.ContainsKey(o.DefaultRuntime))
        {
            Log.Error($"default runtime {o.DefaultRuntime} is not registered (use --add-runtime {o.DefaultRuntime}=PATH)");
            return 1;
        }

        (string Profile, string Name) seccomp;
        try
        {
            seccomp = DaemonSeccompProfile.Load(o.SeccompProfile);
        }
        catch (BerthException e)
        {
            Log.Error("failed to start daemon: " + e.Message);
            return 1;
        }

        UsernsRemap? remap = null;
        if (!string.IsNullOrEmpty(o.UsernsRemap))
        {
            try
            {
                remap = await UsernsRemap.ForHostAsync(o.UsernsRemap).ConfigureAwait(false);
            }
            catch (Exception e) when (e is BerthException or IOException or UnauthorizedAccessException)
            {
                Log.Error("failed to start daemon: " + e.Message);
                return 1;
            }
            // compat(docker): the roots become 0711, so the remapped root reaches its bundle, volumes and files.
            var traversable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            File.SetUnixFileMode(dataRoot, traversable);
            File.SetUnixFileMode(execRoot, traversable);
            Log.Info("User namespaces: ID ranges will be mapped to subuid/subgid ranges", ("user", remap.User), ("uid", remap.RootUid), ("gid", remap.RootGid));
        }

        ISnapshotter snapshotter;
        try
        {
            snapshotter = StorageDriver.Open(dataRoot, o.StorageDriver);
        }
        catch (BerthException e)
        {
            // compat(docker): dockerd's words, and exit status 1.
            Log.Error("failed to start daemon: " + e.Message);
            return 1;
        }
        Log.Info("Storage driver", ("driver", snapshotter.Name));
        using var metadata = new MetadataStore(Path.Join(dataRoot, "berth.db"));
        var content = new ContentStore(Path.Join(dataRoot, "content"));
        RegistryHosts registries;
        try
        {
            registries = new RegistryHosts(o.InsecureRegistries, o.RegistryMirrors,
                new RegistryCertificates(o.RegistryCertsDirectories));
        }
        catch (BerthException e)
        {
            Log.Error("invalid registry configuration", ("error", e.Message));
            return 1;
        }
        var images = new ImageService(content, snapshotter, metadata, Path.Join(dataRoot, "tmp"))
        {
            Registries = registries,
            MaxConcurrentDownloads = o.MaxConcurrentDownloads,
            MaxConcurrentUploads = o.MaxConcurrentUploads,
        };
        var engineOptions = new EngineOptions
        {
            DataRoot = dataRoot,
            ExecRoot = execRoot,
            RuntimeBinary = runtimeBinary,
            InitBinary = Environment.GetEnvironmentVariable("BERTH_INIT_BINARY") ?? (File.Exists(Path.Join(AppContext.BaseDirectory, "berth-init")) ? Path.Join(AppContext.BaseDirectory, "berth-init") : null),
            DefaultRuntime = o.DefaultRuntime,
            Runtimes = runtimes,
            SeccompProfile = seccomp.Profile,
            SeccompProfileName = seccomp.Name,
            UsernsRemap = remap,
        };
        var cgroups = CgroupDriver.Detect();
        ContainerRuntime.RemoveStaleSpareCgroups(cgroups);
        using var runtime = new ContainerRuntime(runtimeBinary);
        NetworkController network;
        try
        {
            network = NetworkController.Open(NetworkOptionsFor(o, dataRoot, execRoot));
        }
        catch (Exception e) when (e is IOException or BerthException or UnauthorizedAccessException)
        {
            Log.Error("failed to start the networking: " + e.Message);
            return 1;
        }
        using var networkScope = network;
        var events = new EventBus();
        // A local volume with a device is mounted by the runtime's mounter, the one place storage mounts happen.
        var volumes = new VolumeService(Path.Join(dataRoot, "volumes"), new VolumeMounts((m, target) => RootfsMounter.Mount([m], target), RootfsMounter.Unmount));
        if (remap is not null)
        {
            volumes.DataOwner = (remap.RootUid, remap.RootGid);
        }
        var containers = new ContainerService(engineOptions, images, metadata, runtime, cgroups, network, volumes, events);
        await containers.RestoreAsync().ConfigureAwait(false);
        if (containers.List().Count(c => c.Driver.Length > 0 && c.Driver != snapshotter.Name) is var other and > 0)
        {
            Log.Warn($"{other} containers were created with another storage driver than {snapshotter.Name}; they cannot start until berthd runs with theirs (-s)");
        }
        // A spare shim's mount namespace is copied before its container's rootfs is mounted: it needs the
        // bundles' directory to propagate mounts.
        // Remapped containers never adopt a spare (its init is in the host's user namespace).
        runtime.KeepSpare = containers.BundlesPropagate && remap is null;
        runtime.Refill();
        Log.Info("Loading containers: done.", ("containers", containers.List().Count), ("cgroup", "v" + cgroups.Version));

        var services = new EngineServices
        {
            Containers = containers,
            Images = images,
            Networks = new NetworkService(network, containers, events),
            Volumes = volumes,
            Builder = new Berth.Build.Builder(containers, images, Path.Join(dataRoot, "builder")),
            Options = engineOptions,
            DaemonId = DaemonId(dataRoot),
            Debug = o.Debug,
        };
        await using var server = new ApiServer(DockerApi.Build(services));
        var listening = new List<string>();
        try
        {
            foreach (var address in addresses)
            {
                if (address.Tcp is { } endpoint)
                {
                    if (tls is null || !o.VerifyClients)
                    {
                        // compat(docker): dockerd's warnings for a TCP socket without client verification.
                        Log.Warn("Binding to IP address without --tlsverify is insecure and gives root access on this machine to everyone who has access to your network.", ("host", address.ToString()));
                        Log.Warn("Binding to an IP address, even on localhost, can also give access to scripts run in a browser. Be safe out there!", ("host", address.ToString()));
                    }
                    listening.Add(server.ListenTcp(endpoint, tls).ToString());
                }
                else
                {
                    var path = Path.GetFullPath(address.UnixPath!);
                    server.ListenUnix(path, socketGid);
                    listening.Add(path);
                }
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or BerthException or IOException or UnauthorizedAccessException)
        {
            Log.Error("failed to load listeners: " + e.Message);
            containers.Shutdown();
            return 1;
        }
        var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult("terminated"); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult("interrupt"); });
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, c => { c.Cancel = true; stop.TrySetResult("quit"); });
        server.Start();
        Log.Info("Daemon has completed initialization", ("version", BerthVersion.Version), ("storage-driver", snapshotter.Name), ("default-runtime", o.DefaultRuntime));
        foreach (var address in listening)
        {
            Log.Info("API listen on " + address);
        }
        using var idle = new CancellationTokenSource();
        var trimmer = TrimWhenIdleAsync(server, idle.Token);
        var signal = await stop.Task.ConfigureAwait(false);
        await idle.CancelAsync().ConfigureAwait(false);
        await trimmer.ConfigureAwait(false);
        Log.Info($"Processing signal '{signal}'");
        await server.DisposeAsync().ConfigureAwait(false);
        containers.Shutdown();
        Log.Info("Daemon shutdown complete; running containers keep running");
        return 0;
    }

    /// <summary>
    /// After a burst of requests, once a second passes without any, the garbage collector compacts the heap and
    /// gives its free memory back to the kernel (as Go's scavenger does for dockerd): an idle berthd holds what it
    /// uses, not what its busiest moment needed.
    /// </summary>
    private static async Task TrimWhenIdleAsync(ApiServer server, CancellationToken ct)
    {
        var seen = server.RequestsServed;
        var busy = false;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                var now = server.RequestsServed;
                if (now != seen)
                {
                    (seen, busy) = (now, true);
                }
                else if (busy && server.ActiveConnections == 0)
                {
                    busy = false;
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The default daemon gets dockerd's names with berth in them; a daemon on another exec root (tests,
    /// a second daemon) gets its own bridge and firewall table, so two daemons never share either.</summary>
    internal static NetworkOptions NetworkOptionsFor(DaemonOptions o, string dataRoot, string execRoot)
    {
        System.Net.IPEndPoint? advertise = null;
        if (o.ClusterAdvertise is { } text)
        {
            advertise = System.Net.IPEndPoint.TryParse(text, out var e) ? e
                : throw new ArgumentException($"invalid --cluster-advertise {text}: give this host's IP address, optionally with :PORT");
        }
        var suffix = execRoot == "/run/berth" ? null : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(execRoot)))[..6];
        return new NetworkOptions
        {
            StateDir = Path.Join(dataRoot, "network"),
            DefaultBridge = o.Bridge ?? (suffix is null ? "berth0" : "berth-" + suffix),
            DefaultBridgeIp = o.BridgeIp,
            FirewallTable = suffix is null ? "berth" : "berth-" + suffix,
            FirewallBackend = o.FirewallBackend,
            Advertise = advertise?.Address,
            PeerPort = advertise is { Port: > 0 } a ? a.Port : NetworkOptions.DefaultPeerPort,
        };
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':'))
        {
            var candidate = Path.Join(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static string DaemonId(string dataRoot)
    {
        var path = Path.Join(dataRoot, "engine-id");
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
        var id = Guid.NewGuid().ToString();
        AtomicFile.WriteText(path, id + "\n");
        return id;
    }
}

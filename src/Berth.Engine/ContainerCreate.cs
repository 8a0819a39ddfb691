using Berth.Common;
using Berth.Engine.Model;
using Berth.Images;
using Berth.Oci;

namespace Berth.Engine;

public sealed partial class ContainerService
{
    /// <summary><c>docker create</c>: validates, merges the image's defaults, prepares the writable layer and
    /// records the container. Nothing runs yet. What was asked for but is ignored on this host is added to
    /// <paramref name="warnings"/>.</summary>
    public Container Create(string? name, ContainerConfig config, HostConfig host, NetworkingConfig? networking = null, List<string>? warnings = null)
    {
        if (!string.IsNullOrEmpty(name) && !Ids.IsValidName(name))
        {
            throw BerthException.Invalid($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        Validate(host, warnings);
        ValidateConfig(config);
        if (config.Tty && host.Runtime is { Length: > 0 } runtime && runtime != "berth")
        {
            throw new BerthException(ErrorKind.NotImplemented, $"-t/--tty with --runtime {runtime}: not supported by this berthd yet");
        }
        var image = _images.TryResolve(config.Image)
            ?? throw BerthException.NotFound($"No such image: {(Reference.TryParse(config.Image, out var r, out _) && r is not null ? (r.Tag is null && r.Digest is null ? r.WithTag(Reference.DefaultTag) : r).Familiar : config.Image)}");
        var imageConfig = _images.Config(image).Config ?? new ImageRuntimeConfig();
        Merge(config, imageConfig);
        var command = (config.Entrypoint ?? []).Concat(config.Cmd ?? []).ToList();
        if (command.Count == 0)
        {
            throw BerthException.Invalid("No command specified");
        }
        Normalize(host);
        var mountPoints = PlanMounts(config, host);
        var networkSettings = new ContainerNetworkSettings();
        ConfigureNetworks(config, host, networking, networkSettings);
        PortRequests(config, host);

        if (host.UTSMode == "host" && !string.IsNullOrEmpty(config.Hostname))
        {
            throw BerthException.Invalid("conflicting options: hostname and the UTS mode");
        }
        var id = Ids.New();
        if (string.IsNullOrEmpty(config.Hostname))
        {
            // compat(docker): a container on the host's network is named as the host.
            config.Hostname = host.NetworkMode == "host" ? Environment.MachineName : id[..12];
        }
        var dir = DirOf(id);
        var container = new Container
        {
            Id = id,
            Created = DateTimeOffset.UtcNow,
            Path = command[0],
            Args = command.Skip(1).ToList(),
            Image = image.Id,
            Config = config,
            HostConfig = host,
            NetworkSettings = networkSettings,
            MountPoints = mountPoints,
            Driver = _images.Snapshotter.Name,
            ResolvConfPath = Path.Join(dir, "resolv.conf"),
            HostnamePath = Path.Join(dir, "hostname"),
            HostsPath = Path.Join(dir, "hosts"),
            // compat(docker): a container without a readable log driver has no LogPath.
            LogPath = LogDrivers.Readable(host.LogConfig) ? Path.Join(dir, id + "-json.log") : "",
        };
        var entry = new ContainerEntry(container);
        lock (_lock)
        {
            var wanted = string.IsNullOrEmpty(name) ? null : "/" + name.TrimStart('/');
            if (wanted is not null && _containers.Values.FirstOrDefault(e => e.Container.Name == wanted) is { } taken)
            {
                throw BerthException.Conflict($"Conflict. The container name \"{wanted}\" is already in use by container \"{taken.Container.Id}\". You have to remove (or rename) that container to be able to reuse that name.");
            }
            container.Name = wanted ?? "/" + NameGenerator.Next(n => _containers.Values.Any(e => e.Container.Name == "/" + n));
            _containers[id] = entry; // reserves the name while the layer is prepared
        }
        try
        {
            Directory.CreateDirectory(dir);
            EtcFiles.Write(dir, config.Hostname, config.Domainname, host.ExtraHosts);
            _images.PrepareRootfs(id, image);
            AcquireVolumes(id, mountPoints);
            try
            {
                Persist(container);
            }
            catch
            {
                ReleaseVolumes(container, removeAnonymous: true);
                throw;
            }
        }
        catch
        {
            lock (_lock)
            {
                _containers.Remove(id);
            }
            _images.RemoveRootfs(id);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
            throw;
        }
        Publish(container, "create");
        return container;
    }

    /// <summary>Docker's merge of the image config into the container's (user values win).</summary>
    private static void Merge(ContainerConfig c, ImageRuntimeConfig image)
    {
        if (c.Entrypoint is not { Count: > 0 })
        {
            if (c.Cmd is not { Count: > 0 })
            {
                c.Cmd = image.Cmd;
            }
            if (c.Entrypoint is null)
            {
                c.Entrypoint = image.Entrypoint;
            }
        }
        if (c.Entrypoint is { Count: 1 } e && e[0].Length == 0)
        {
            c.Entrypoint = null; // --entrypoint "" clears the image's
        }
        // compat(docker): the user's variables first, then the image's that the user did not set.
        if (c.Env is not { Count: > 0 })
        {
            c.Env = image.Env;
        }
        else
        {
            foreach (var imageEnv in image.Env ?? [])
            {
                var key = imageEnv.Split('=', 2)[0];
                if (!c.Env.Any(u => u.Split('=', 2)[0] == key))
                {
                    c.Env.Add(imageEnv);
                }
            }
        }
        if (image.Labels is { Count: > 0 })
        {
            var labels = new Dictionary<string, string>(image.Labels);
            foreach (var (k, v) in c.Labels ?? [])
            {
                labels[k] = v;
            }
            c.Labels = labels;
        }
        if (string.IsNullOrEmpty(c.WorkingDir))
        {
            c.WorkingDir = image.WorkingDir ?? "";
        }
        if (string.IsNullOrEmpty(c.User))
        {
            c.User = image.User ?? "";
        }
        c.StopSignal ??= image.StopSignal;
        c.Healthcheck = HealthCheck.Merge(c.Healthcheck, image.Healthcheck);
        c.Shell ??= image.Shell;
        c.OnBuild ??= image.OnBuild;
        foreach (var (k, v) in image.ExposedPorts ?? [])
        {
            c.ExposedPorts ??= [];
            c.ExposedPorts.TryAdd(k, v);
        }
        foreach (var (k, v) in image.Volumes ?? [])
        {
            c.Volumes ??= [];
            c.Volumes.TryAdd(k, v);
        }
    }

    private void Validate(HostConfig h, List<string>? warnings = null)
    {
        ValidateUserns(h);
        if (h.Annotations?.ContainsKey("") == true)
        {
            throw BerthException.Invalid("invalid Annotations: the empty string is not permitted as an annotation key");
        }
        if (h.Memory is > 0 and < 6 * 1024 * 1024)
        {
            throw BerthException.Invalid("Minimum memory limit allowed is 6MB");
        }
        if (h.MemorySwap > 0 && h.Memory == 0)
        {
            throw BerthException.Invalid("You should always set the Memory limit when using Memoryswap limit, see usage");
        }
        if (h.MemorySwap > 0 && h.MemorySwap < h.Memory)
        {
            throw BerthException.Invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (h.MemoryReservation > 0 && h.Memory > 0 && h.MemoryReservation > h.Memory)
        {
            throw BerthException.Invalid("Minimum memory limit can not be less than memory reservation limit, see usage");
        }
        var cpus = Environment.ProcessorCount;
        if (h.NanoCpus < 0 || h.NanoCpus > cpus * 1_000_000_000L)
        {
            throw BerthException.Invalid($"Range of CPUs is from 0.01 to {cpus}.00, as there are only {cpus} CPUs available");
        }
        if (h.NanoCpus > 0 && (h.CpuPeriod > 0 || h.CpuQuota > 0))
        {
            throw BerthException.Invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (h.CpuShares < 0)
        {
            throw BerthException.Invalid("invalid CPU shares: must not be negative");
        }
        switch (h.RestartPolicy.Name)
        {
            case "" or "no" or "always" or "unless-stopped" or "on-failure":
                break;
            default:
                throw BerthException.Invalid($"invalid restart policy: unknown policy '{h.RestartPolicy.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        }
        if (h.RestartPolicy.MaximumRetryCount < 0)
        {
            throw BerthException.Invalid("invalid restart policy: maximum retry count cannot be negative");
        }
        if (h.RestartPolicy.MaximumRetryCount > 0 && h.RestartPolicy.Name != "on-failure")
        {
            throw BerthException.Invalid($"invalid restart policy: maximum retry count can only be used with 'on-failure'");
        }
        if (h.AutoRemove && h.RestartPolicy.Name is not ("" or "no"))
        {
            throw BerthException.Invalid("can't create 'AutoRemove' container with restart policy");
        }
        foreach (var extra in h.ExtraHosts ?? [])
        {
            if (!EtcFiles.TrySplitExtraHost(extra, out _, out var address)
                || (address != "host-gateway" && !System.Net.IPAddress.TryParse(address, out _)))
            {
                throw BerthException.Invalid($"invalid IP address in add-host: \"{extra}\"");
            }
        }
        if (!string.IsNullOrEmpty(h.Runtime) && h.Runtime != "berth" && !_options.Runtimes.ContainsKey(h.Runtime))
        {
            throw BerthException.Invalid($"Unknown runtime specified {h.Runtime}");
        }
        var caps = LinuxCapabilities.For(h, SpecBuilder.DefaultCapabilities, LinuxCapabilities.Available); // unknown names fail at create
        var security = SecurityOptions.Parse(h.SecurityOpt);
        warnings?.AddRange(security.Warnings);
        Seccomp.ContainerSeccomp.For(h, caps, _options.SeccompProfile); // a bad profile fails at create, not at start
        Sysctls.Validate(h);
        // Options that change isolation or lifecycle are refused until they are implemented: running a container
        // without what the user asked for would be worse than not running it.
        var unsupported = new List<string>();
        // compat(docker): the namespace modes' Valid() and their messages; a container:X is looked up at start.
        if (h.PidMode is not ("" or "host") && !IsContainerMode(h.PidMode))
        {
            throw BerthException.Invalid($"invalid PID mode: {h.PidMode}");
        }
        if (h.IpcMode is not ("" or "none" or "private" or "shareable" or "host") && !IsContainerMode(h.IpcMode))
        {
            throw BerthException.Invalid($"invalid IPC mode: {h.IpcMode}");
        }
        if (h.UTSMode is not ("" or "host"))
        {
            throw BerthException.Invalid($"invalid UTS mode: {h.UTSMode}");
        }
        if (h.CgroupnsMode is not ("" or "host" or "private"))
        {
            throw BerthException.Invalid($"invalid cgroup namespace mode: {h.CgroupnsMode}");
        }
        if (h.ShmSize < 0)
        {
            throw BerthException.Invalid("SHM size can not be less than 0");
        }
        if (h.OomScoreAdj is < -1000 or > 1000)
        {
            throw BerthException.Invalid($"Invalid value {h.OomScoreAdj}, range for oom score adj is [-1000, 1000]");
        }
        ContainerDevices.Validate(h);
        h.BlkioWeight = OfferedBlkioWeight(h.BlkioWeight, warnings);
        if (h.BlkioWeightDevice is { Count: > 0 } && !_cgroups.Offers(_cgroups.Version == 2 ? "io" : "blkio", "blkio.weight_device"))
        {
            warnings?.Add("Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.");
            h.BlkioWeightDevice = [];
        }
        if (h.BlkioWeight is < 0 or > 1000 || h.BlkioWeight is > 0 and < 10)
        {
            throw BerthException.Invalid("Range of blkio weight is from 10 to 1000");
        }
        if (h.DeviceRequests is { Count: > 0 })
        {
            unsupported.Add("--gpus");
        }
        if (security.Unsupported.Count > 0)
        {
            unsupported.Add($"--security-opt {string.Join(", ", security.Unsupported)}");
        }
        if (h.Init == true && _options.InitBinary is null)
        {
            unsupported.Add("--init (berth-init is not installed beside berthd)");
        }
        if (!string.IsNullOrEmpty(h.CgroupParent))
        {
            unsupported.Add("--cgroup-parent");
        }
        LogDrivers.Validate(h.LogConfig);
        if (unsupported.Count > 0)
        {
            throw new BerthException(ErrorKind.NotImplemented, $"{string.Join(", ", unsupported)}: not supported by this berthd yet");
        }
    }

    /// <summary><c>container:NAME</c> with a name: a mode that joins another container's namespace.</summary>
    internal static bool IsContainerMode(string mode) => mode.StartsWith("container:", StringComparison.Ordinal) && mode.Length > "container:".Length;

    /// <summary>Container options Docker refuses at create; the working directory is cleaned, as dockerd's.</summary>
    internal static void ValidateConfig(ContainerConfig c)
    {
        if (!string.IsNullOrEmpty(c.WorkingDir))
        {
            // compat(docker): dockerd's translateWorkingDir; a relative directory has nothing to be relative to.
            if (!c.WorkingDir.StartsWith('/'))
            {
                throw BerthException.Invalid($"the working directory '{c.WorkingDir}' is invalid, it needs to be an absolute path");
            }
            c.WorkingDir = GoPath.Clean(c.WorkingDir);
        }
        HealthCheck.Validate(c.Healthcheck);
    }

    /// <summary>What Docker fills in for fields left empty, so inspect shows the values in force.</summary>
    private void Normalize(HostConfig h)
    {
        if (string.IsNullOrEmpty(h.LogConfig.Type))
        {
            h.LogConfig.Type = "json-file";
        }
        h.LogConfig.Config ??= [];
        if (string.IsNullOrEmpty(h.NetworkMode))
        {
            h.NetworkMode = "default";
        }
        if (string.IsNullOrEmpty(h.RestartPolicy.Name))
        {
            h.RestartPolicy.Name = "no";
        }
        if (string.IsNullOrEmpty(h.CgroupnsMode))
        {
            h.CgroupnsMode = _cgroups.Version == 2 ? "private" : "host";
        }
        if (string.IsNullOrEmpty(h.IpcMode))
        {
            h.IpcMode = "private";
        }
        if (h.ShmSize == 0)
        {
            h.ShmSize = SpecBuilder.DefaultShmSize;
        }
        if (string.IsNullOrEmpty(h.Runtime))
        {
            h.Runtime = _options.DefaultRuntime;
        }
        if (h.Memory > 0 && h.MemorySwap == 0)
        {
            h.MemorySwap = 2 * h.Memory;
        }
        if (h.PidsLimit is 0)
        {
            h.PidsLimit = null;
        }
        h.Dns ??= [];
        h.DnsOptions ??= [];
        h.DnsSearch ??= [];
        h.ConsoleSize ??= [0, 0];
        h.BlkioWeightDevice ??= [];
        h.BlkioDeviceReadBps ??= [];
        h.BlkioDeviceWriteBps ??= [];
        h.BlkioDeviceReadIOps ??= [];
        h.BlkioDeviceWriteIOps ??= [];
        h.Devices ??= [];
        h.Ulimits ??= [];
        // compat(docker): a privileged container has nothing masked or read-only (inspect shows null).
        if (!h.Privileged)
        {
            h.MaskedPaths ??= [.. SpecBuilder.DefaultMaskedPaths];
            h.ReadonlyPaths ??= [.. SpecBuilder.DefaultReadonlyPaths];
        }
    }

    /// <summary>compat(docker): verifyPlatformContainerResources, at create and update: a weight the kernel cannot
    /// apply (no BFQ scheduler, no blkio controller) is discarded, with dockerd's warning, rather than failing.</summary>
    private int OfferedBlkioWeight(int weight, List<string>? warnings)
    {
        if (weight > 0 && !_cgroups.Offers(_cgroups.Version == 2 ? "io" : "blkio", "blkio.weight"))
        {
            warnings?.Add("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
            return 0;
        }
        return weight;
    }
}

using Berth.Engine.Model;
using Berth.Engine.Seccomp;
using Berth.Linux;
using Berth.Oci;
using Capabilities = Berth.Oci.Capabilities;
using Process = Berth.Oci.Process;

namespace Berth.Engine;

/// <summary>
/// Turns a container's Docker configuration into an OCI runtime spec with Docker's defaults: namespaces, the
/// standard mounts, 14 capabilities, masked and read-only /proc paths, the device allow-list and cgroup limits.
/// </summary>
internal static class SpecBuilder
{
    /// <summary>compat(docker): HostDevices: every character and block device under the host's /dev for a
    /// privileged container, but the ones the runtime makes itself (pts, shm, mqueue, the console).</summary>
    private static List<LinuxDevice> HostDevices()
    {
        var devices = new List<LinuxDevice>();
        var pending = new Stack<string>(["/dev"]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            IEnumerable<string> entries;
            try
            {
                entries = Directory.EnumerateFileSystemEntries(dir).ToList();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            foreach (var path in entries)
            {
                if (path is "/dev/pts" or "/dev/shm" or "/dev/mqueue" or "/dev/fd" or "/dev/console" || !Fs.TryLstat(path, out var st))
                {
                    continue;
                }
                if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFDIR)
                {
                    pending.Push(path);
                }
                else if (ContainerDevices.Node(path, st) is { } node)
                {
                    devices.Add(node);
                }
            }
        }
        return devices;
    }

    public static readonly IReadOnlyList<string> DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>Current Docker's list (28): 20.10's ten plus /proc/interrupts and the RAPL energy counters.</summary>
    public static readonly IReadOnlyList<string> DefaultMaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ];

    public static readonly IReadOnlyList<string> DefaultReadonlyPaths =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public const long DefaultShmSize = 64 * 1024 * 1024;

    /// <summary>Docker's device cgroup allow-list (after denying everything).</summary>
    private static readonly (string Type, long? Major, long? Minor, string Access)[] AllowedDevices =
    [
        ("c", null, null, "m"), ("b", null, null, "m"),
        ("c", 1, 3, "rwm"), ("c", 1, 5, "rwm"), ("c", 1, 7, "rwm"), ("c", 1, 8, "rwm"), ("c", 1, 9, "rwm"),
        ("c", 5, 0, "rwm"), ("c", 5, 1, "rwm"), ("c", 5, 2, "rwm"), ("c", 136, null, "rwm"), ("c", 10, 200, "rwm"),
    ];

    /// <summary>compat(docker): ReplaceOrAppendEnvValues — a value replaces the same name in place; a bare NAME unsets it.</summary>
    internal static void ReplaceOrAppendEnv(List<string> env, IEnumerable<string>? values)
    {
        foreach (var e in values ?? [])
        {
            var eq = e.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? e : e[..eq];
            var at = env.FindIndex(x => x.StartsWith(key + "=", StringComparison.Ordinal));
            if (eq < 0)
            {
                if (at >= 0)
                {
                    env.RemoveAt(at);
                }
            }
            else if (at >= 0)
            {
                env[at] = e;
            }
            else
            {
                env.Add(e);
            }
        }
    }

    /// <summary>Where <c>--init</c>'s process is mounted in the container.</summary>
    public const string InitPath = "/sbin/docker-init";

    /// <param name="shared">The containers whose namespaces this one joins (<c>--network</c>, <c>--pid</c>,
    /// <c>--ipc container:X</c>) and where its /dev/shm comes from when it is not its own private tmpfs.</param>
    /// <param name="seccompProfile">The daemon's seccomp profile (<c>--seccomp-profile</c>): <c>builtin</c>,
    /// <c>unconfined</c> or a profile's JSON.</param>
    public static RuntimeSpec Build(Container c, UserLookup.ExecUser user, string rootfs, string cgroupsPath, bool privateCgroupNamespace, string? initBinary = null, SharedNamespaces? shared = null, IReadOnlyList<Mount>? userMounts = null, string seccompProfile = ContainerSeccomp.Builtin)
    {
        shared ??= SharedNamespaces.None;
        var networkOwner = shared.Network;
        var config = c.Config;
        var host = c.HostConfig;
        var env = new List<string> { "PATH=" + DefaultPath, "HOSTNAME=" + config.Hostname };
        if (config.Tty)
        {
            env.Add("TERM=xterm");
        }
        ReplaceOrAppendEnv(env, config.Env);
        if (!env.Any(e => e.StartsWith("HOME=", StringComparison.Ordinal)))
        {
            env.Add("HOME=" + (string.IsNullOrEmpty(user.Home) ? "/" : user.Home));
        }

        var namespaces = new List<LinuxNamespace> { new() { Type = "mount" } };
        // compat(docker): host mode leaves a namespace out (the init stays in berthd's); container:X joins X's.
        if (shared.Pid is { } pidOwner)
        {
            namespaces.Add(new LinuxNamespace { Type = "pid", Path = $"/proc/{pidOwner.State.Pid}/ns/pid" });
        }
        else if (host.PidMode != "host")
        {
            namespaces.Add(new LinuxNamespace { Type = "pid" });
        }
        if (shared.Ipc is { } ipcOwner)
        {
            namespaces.Add(new LinuxNamespace { Type = "ipc", Path = $"/proc/{ipcOwner.State.Pid}/ns/ipc" });
        }
        else if (host.IpcMode != "host")
        {
            namespaces.Add(new LinuxNamespace { Type = "ipc" });
        }
        if (host.UTSMode != "host")
        {
            namespaces.Add(new LinuxNamespace { Type = "uts" });
        }
        if (networkOwner is not null)
        {
            namespaces.Add(new LinuxNamespace { Type = "network", Path = $"/proc/{networkOwner.State.Pid}/ns/net" });
        }
        else if (host.NetworkMode != "host")
        {
            namespaces.Add(new LinuxNamespace { Type = "network" });
        }
        var etc = networkOwner ?? c;
        if (privateCgroupNamespace)
        {
            namespaces.Add(new LinuxNamespace { Type = "cgroup" });
        }

        var shm = host.ShmSize > 0 ? host.ShmSize : DefaultShmSize;
        var mounts = new List<Mount>
        {
            new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
            new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
            new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["ro", "nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", $"size={shm}"] },
            new() { Destination = "/etc/resolv.conf", Type = "bind", Source = etc.ResolvConfPath, Options = ["rbind", "rprivate"] },
            new() { Destination = "/etc/hostname", Type = "bind", Source = etc.HostnamePath, Options = ["rbind", "rprivate"] },
            new() { Destination = "/etc/hosts", Type = "bind", Source = etc.HostsPath, Options = ["rbind", "rprivate"] },
        };

        if (host.IpcMode == "none")
        {
            mounts.RemoveAll(m => m.Destination == "/dev/shm");
        }
        else if (shared.ShmSource is { } shmSource)
        {
            // compat(docker): shareable, host and container:X IPC get a /dev/shm that lives outside the container.
            mounts.RemoveAll(m => m.Destination == "/dev/shm");
            mounts.Add(new Mount { Destination = "/dev/shm", Type = "bind", Source = shmSource, Options = ["rbind", "rprivate"] });
        }

        if (userMounts is { Count: > 0 })
        {
            // compat(docker): a user's mount replaces the default one at its destination (a /dev of the user's
            // replaces every default below /dev too), and user mounts follow the defaults, shallowest first, so
            // that /a is mounted before /a/b.
            var taken = userMounts.Select(m => m.Destination).ToHashSet(StringComparer.Ordinal);
            var dev = taken.Contains("/dev");
            mounts.RemoveAll(m => taken.Contains(m.Destination) || dev && m.Destination.StartsWith("/dev/", StringComparison.Ordinal));
            mounts.AddRange(userMounts.OrderBy(m => m.Destination.Count(ch => ch == '/')));
        }

        var (userDevices, userDeviceRules) = ContainerDevices.Resolve(host.Devices);
        var resources = new LinuxResources
        {
            Devices =
            [
                new LinuxDeviceCgroup { Allow = false, Access = "rwm" },
                .. AllowedDevices.Select(d => new LinuxDeviceCgroup { Allow = true, Type = d.Type, Major = d.Major, Minor = d.Minor, Access = d.Access }),
                .. userDeviceRules,
                .. (host.DeviceCgroupRules ?? []).Select(ContainerDevices.ParseRule),
            ],
        };
        if (host.Memory > 0 || host.MemoryReservation > 0)
        {
            resources.Memory = new LinuxMemory
            {
                Limit = host.Memory > 0 ? host.Memory : null,
                Reservation = host.MemoryReservation > 0 ? host.MemoryReservation : null,
                Swap = host.MemorySwap != 0 ? host.MemorySwap : null,
                Swappiness = host.MemorySwappiness is >= 0 and <= 100 ? (ulong)host.MemorySwappiness.Value : null,
            };
        }
        if (host.NanoCpus > 0 || host.CpuShares > 0 || host.CpuQuota > 0 || !string.IsNullOrEmpty(host.CpusetCpus) || !string.IsNullOrEmpty(host.CpusetMems))
        {
            var period = host.CpuPeriod > 0 ? host.CpuPeriod : 100_000;
            resources.Cpu = new LinuxCpu
            {
                Shares = host.CpuShares > 0 ? (ulong)host.CpuShares : null,
                Period = host.NanoCpus > 0 || host.CpuQuota > 0 ? (ulong)period : null,
                Quota = host.NanoCpus > 0 ? host.NanoCpus * period / 1_000_000_000 : host.CpuQuota > 0 ? host.CpuQuota : null,
                Cpus = string.IsNullOrEmpty(host.CpusetCpus) ? null : host.CpusetCpus,
                Mems = string.IsNullOrEmpty(host.CpusetMems) ? null : host.CpusetMems,
            };
        }
        if (host.PidsLimit is > 0)
        {
            resources.Pids = new LinuxPids { Limit = host.PidsLimit.Value };
        }
        resources.BlockIO = BlockIo(host);

        if (host.Init == true && initBinary is not null)
        {
            // compat(docker): the init sits where Docker's docker-init does, read-only.
            mounts.Add(new Mount { Destination = InitPath, Type = "bind", Source = initBinary, Options = ["bind", "ro"] });
        }
        var caps = LinuxCapabilities.For(host, DefaultCapabilities, LinuxCapabilities.Available);
        if (host.Privileged)
        {
            // compat(docker): privileged: /sys and the cgroup tree writable, every host device, no masking.
            foreach (var m in mounts.Where(m => m.Destination is "/sys" or "/sys/fs/cgroup"))
            {
                m.Options = [.. m.Options!.Where(o => o != "ro"), "rw"];
            }
            resources.Devices = [new LinuxDeviceCgroup { Allow = true, Access = "rwm" }];
        }
        return new RuntimeSpec
        {
            Annotations = host.Annotations is { Count: > 0 } annotations ? new(annotations) : null,
            Process = new Process
            {
                Terminal = config.Tty,
                ConsoleSize = config.Tty && host.ConsoleSize is [> 0 and var h, > 0 and var w] ? new Box { Height = (uint)h, Width = (uint)w } : null,
                User = new User { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? user.AdditionalGids : null },
                Args = host.Init == true && initBinary is not null ? [InitPath, "--", c.Path, .. c.Args] : [c.Path, .. c.Args],
                Env = env,
                Cwd = string.IsNullOrEmpty(config.WorkingDir) ? "/" : config.WorkingDir,
                Capabilities = new Capabilities { Bounding = caps, Effective = caps, Permitted = caps },
                NoNewPrivileges = SecurityOptions.Parse(host.SecurityOpt).NoNewPrivileges,
                OomScoreAdj = host.OomScoreAdj != 0 ? host.OomScoreAdj : null,
                Rlimits = host.Ulimits is { Count: > 0 } u ? u.Select(l => new Rlimit { Type = "RLIMIT_" + l.Name.ToUpperInvariant(), Soft = (ulong)l.Soft, Hard = (ulong)l.Hard }).ToList() : null,
            },
            Root = new Root { Path = rootfs, Readonly = host.ReadonlyRootfs },
            Hostname = host.UTSMode == "host" ? null : config.Hostname,
            Domainname = string.IsNullOrEmpty(config.Domainname) ? null : config.Domainname,
            Mounts = mounts,
            Linux = new LinuxConfig
            {
                CgroupsPath = cgroupsPath,
                Namespaces = namespaces,
                Resources = resources,
                MaskedPaths = [.. host.MaskedPaths ?? (host.Privileged ? [] : DefaultMaskedPaths)],
                ReadonlyPaths = [.. host.ReadonlyPaths ?? (host.Privileged ? [] : DefaultReadonlyPaths)],
                Devices = host.Privileged ? [.. HostDevices().Where(d => !userDevices.Any(u => u.Path == d.Path)), .. userDevices] : userDevices.Count > 0 ? userDevices : null,
                Sysctl = host.Sysctls is { Count: > 0 } s ? s : null,
                Seccomp = ContainerSeccomp.For(host, caps, seccompProfile),
            },
        };
    }

    /// <summary><c>--blkio-weight</c>, <c>--blkio-weight-device</c> and the <c>--device-read-bps</c> family, with
    /// each device path turned into its numbers now (a path that is not a block device is refused).</summary>
    private static LinuxBlockIo? BlockIo(HostConfig host)
    {
        static (long Major, long Minor) Numbers(string path)
        {
            if (!Fs.TryStat(path, out var st))
            {
                throw Berth.Common.BerthException.Invalid($"{path}: no such file or directory");
            }
            return (st.st_mode & LibC.S_IFMT) == LibC.S_IFBLK
                ? (LibC.major(st.st_rdev), LibC.minor(st.st_rdev))
                : throw Berth.Common.BerthException.Invalid($"{path} is not a block device");
        }
        static List<LinuxThrottleDevice>? Throttles(List<ThrottleDevice>? devices) => devices is { Count: > 0 }
            ? [.. devices.Select(d =>
            {
                var (major, minor) = Numbers(d.Path);
                return new LinuxThrottleDevice { Major = major, Minor = minor, Rate = (ulong)d.Rate };
            })]
            : null;
        var io = new LinuxBlockIo
        {
            Weight = host.BlkioWeight > 0 ? (ushort)host.BlkioWeight : null,
            WeightDevice = host.BlkioWeightDevice is { Count: > 0 } weights
                ? [.. weights.Select(d =>
                {
                    var (major, minor) = Numbers(d.Path);
                    return new LinuxWeightDevice { Major = major, Minor = minor, Weight = (ushort)d.Weight };
                })]
                : null,
            ThrottleReadBpsDevice = Throttles(host.BlkioDeviceReadBps),
            ThrottleWriteBpsDevice = Throttles(host.BlkioDeviceWriteBps),
            ThrottleReadIOPSDevice = Throttles(host.BlkioDeviceReadIOps),
            ThrottleWriteIOPSDevice = Throttles(host.BlkioDeviceWriteIOps),
        };
        return io is { Weight: null, WeightDevice: null, ThrottleReadBpsDevice: null, ThrottleWriteBpsDevice: null, ThrottleReadIOPSDevice: null, ThrottleWriteIOPSDevice: null } ? null : io;
    }
}

/// <summary>What a starting container shares: the running containers whose network, PID or IPC namespace it joins,
/// and the host directory bound on its /dev/shm (its own shareable tmpfs, the host's, or its IPC owner's).</summary>
internal sealed record SharedNamespaces(Container? Network = null, Container? Pid = null, Container? Ipc = null, string? ShmSource = null)
{
    public static readonly SharedNamespaces None = new();
}

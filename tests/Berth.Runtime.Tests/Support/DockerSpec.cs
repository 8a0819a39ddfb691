using Berth.Oci;

namespace Berth.Runtime.Tests.Support;

/// <summary>
/// The config.json Docker would write for <c>docker run</c> of the probe with no options: the defaults of
/// <c>src/Berth.Engine/SpecBuilder.cs</c> (namespaces, mounts, 14 capabilities, masked and read-only paths, the
/// device allow-list), copied here so the runtime is tested against Docker's contract, not against the engine.
/// </summary>
internal static class DockerSpec
{
    public const string Path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static readonly IReadOnlyList<string> DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ];

    /// <summary>The 14 defaults as /proc/PID/status shows a capability set: the value every `docker run` has.</summary>
    public const string DefaultCapabilityMask = "00000000a80425fb";

    public static readonly IReadOnlyList<string> MaskedPaths =
    [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
    ];

    public static readonly IReadOnlyList<string> ReadonlyPaths =
    [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    private static readonly (string Type, long? Major, long? Minor, string Access)[] AllowedDevices =
    [
        ("c", null, null, "m"), ("b", null, null, "m"),
        ("c", 1, 3, "rwm"), ("c", 1, 5, "rwm"), ("c", 1, 7, "rwm"), ("c", 1, 8, "rwm"), ("c", 1, 9, "rwm"),
        ("c", 5, 0, "rwm"), ("c", 5, 1, "rwm"), ("c", 5, 2, "rwm"), ("c", 136, null, "rwm"), ("c", 10, 200, "rwm"),
    ];

    /// <summary>Docker's device rules as the kernel lists them in devices.list after they are applied.</summary>
    public static readonly IReadOnlyList<string> DevicesList =
    [
        "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
        "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm",
    ];

    public static List<LinuxDeviceCgroup> DeviceRules() =>
    [
        new() { Allow = false, Access = "rwm" },
        .. AllowedDevices.Select(d => new LinuxDeviceCgroup { Allow = true, Type = d.Type, Major = d.Major, Minor = d.Minor, Access = d.Access }),
    ];

    /// <param name="bundle">Holds the files Docker bind-mounts (resolv.conf, hostname, hosts).</param>
    public static RuntimeSpec Build(string id, string bundle, string rootfs, IReadOnlyList<string> args)
    {
        var hostname = id[..Math.Min(12, id.Length)];
        File.WriteAllText(System.IO.Path.Join(bundle, "resolv.conf"), "nameserver 127.0.0.11\noptions ndots:0\n");
        File.WriteAllText(System.IO.Path.Join(bundle, "hostname"), hostname + "\n");
        File.WriteAllText(System.IO.Path.Join(bundle, "hosts"), $"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n172.17.0.2\t{hostname}\n");
        var caps = DefaultCapabilities.ToList();
        return new RuntimeSpec
        {
            Process = new Process
            {
                User = new User { Uid = 0, Gid = 0 },
                Args = [.. args],
                Env = ["PATH=" + Path, "HOSTNAME=" + hostname, "HOME=/root"],
                Cwd = "/",
                Capabilities = new Capabilities { Bounding = caps, Effective = [.. caps], Permitted = [.. caps] },
            },
            Root = new Root { Path = rootfs, Readonly = false },
            Hostname = hostname,
            Mounts =
            [
                new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
                new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new() { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["ro", "nosuid", "noexec", "nodev"] },
                new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"] },
                new() { Destination = "/etc/resolv.conf", Type = "bind", Source = System.IO.Path.Join(bundle, "resolv.conf"), Options = ["rbind", "rprivate"] },
                new() { Destination = "/etc/hostname", Type = "bind", Source = System.IO.Path.Join(bundle, "hostname"), Options = ["rbind", "rprivate"] },
                new() { Destination = "/etc/hosts", Type = "bind", Source = System.IO.Path.Join(bundle, "hosts"), Options = ["rbind", "rprivate"] },
            ],
            Linux = new LinuxConfig
            {
                CgroupsPath = "/berth/" + id,
                Namespaces = [new() { Type = "pid" }, new() { Type = "ipc" }, new() { Type = "uts" }, new() { Type = "mount" }, new() { Type = "network" }],
                Resources = new LinuxResources { Devices = DeviceRules() },
                MaskedPaths = [.. MaskedPaths],
                ReadonlyPaths = [.. ReadonlyPaths],
            },
        };
    }
}

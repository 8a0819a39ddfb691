namespace Berth.Oci;

// The OCI runtime-spec config.json (v1.2), the subset Berth writes and reads. Field names are the spec's.

public sealed class RuntimeSpec
{
    public string OciVersion { get; set; } = "1.2.0";
    public Process? Process { get; set; }
    public Root? Root { get; set; }
    public string? Hostname { get; set; }
    public string? Domainname { get; set; }
    public List<Mount> Mounts { get; set; } = [];
    public Dictionary<string, string>? Annotations { get; set; }
    public LinuxConfig? Linux { get; set; }
}

public sealed class Process
{
    public bool Terminal { get; set; }
    public Box? ConsoleSize { get; set; }
    public User User { get; set; } = new();
    public List<string> Args { get; set; } = [];
    public List<string>? Env { get; set; }
    public string Cwd { get; set; } = "/";
    public Capabilities? Capabilities { get; set; }
    public List<Rlimit>? Rlimits { get; set; }
    public bool NoNewPrivileges { get; set; }
    public string? ApparmorProfile { get; set; }
    public int? OomScoreAdj { get; set; }
    public string? SelinuxLabel { get; set; }
}

public sealed class Box
{
    public uint Height { get; set; }
    public uint Width { get; set; }
}

public sealed class User
{
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public uint? Umask { get; set; }
    public List<uint>? AdditionalGids { get; set; }
}

public sealed class Capabilities
{
    public List<string>? Bounding { get; set; }
    public List<string>? Effective { get; set; }
    public List<string>? Inheritable { get; set; }
    public List<string>? Permitted { get; set; }
    public List<string>? Ambient { get; set; }
}

public sealed class Rlimit
{
    public string Type { get; set; } = "";
    public ulong Hard { get; set; }
    public ulong Soft { get; set; }
}

public sealed class Root
{
    public string Path { get; set; } = "rootfs";
    public bool Readonly { get; set; }
}

public sealed class Mount
{
    public string Destination { get; set; } = "";
    public string? Type { get; set; }
    public string? Source { get; set; }
    public List<string>? Options { get; set; }

    public override string ToString() => $"{Type} {Source} on {Destination} ({string.Join(',', Options ?? [])})";
}

public sealed class LinuxConfig
{
    public Dictionary<string, string>? Sysctl { get; set; }
    public LinuxResources? Resources { get; set; }
    public string? CgroupsPath { get; set; }
    public List<LinuxNamespace> Namespaces { get; set; } = [];
    public List<LinuxIdMapping>? UidMappings { get; set; }
    public List<LinuxIdMapping>? GidMappings { get; set; }
    public List<LinuxDevice>? Devices { get; set; }
    public string? RootfsPropagation { get; set; }
    public List<string>? MaskedPaths { get; set; }
    public List<string>? ReadonlyPaths { get; set; }
    public string? MountLabel { get; set; }
    public LinuxSeccomp? Seccomp { get; set; }
}

/// <summary>One line of a user namespace's uid_map or gid_map: <see cref="Size"/> ids from
/// <see cref="ContainerId"/> inside are <see cref="HostId"/> onwards outside.</summary>
public sealed class LinuxIdMapping
{
    [System.Text.Json.Serialization.JsonPropertyName("containerID")]
    public uint ContainerId { get; set; }
    [System.Text.Json.Serialization.JsonPropertyName("hostID")]
    public uint HostId { get; set; }
    public uint Size { get; set; }
}

/// <summary>linux.seccomp: a filter in the words of libseccomp (actions, architectures, comparison operators).</summary>
public sealed class LinuxSeccomp
{
    public string DefaultAction { get; set; } = "";
    public uint? DefaultErrnoRet { get; set; }
    public List<string>? Architectures { get; set; }
    public List<string>? Flags { get; set; }
    public string? ListenerPath { get; set; }
    public string? ListenerMetadata { get; set; }
    public List<LinuxSyscall>? Syscalls { get; set; }
}

public sealed class LinuxSyscall
{
    public List<string> Names { get; set; } = [];
    public string Action { get; set; } = "";
    public uint? ErrnoRet { get; set; }
    public List<LinuxSeccompArg>? Args { get; set; }
}

public sealed class LinuxSeccompArg
{
    public uint Index { get; set; }
    public ulong Value { get; set; }
    public ulong ValueTwo { get; set; }
    public string Op { get; set; } = "";
}

public sealed class LinuxNamespace
{
    public string Type { get; set; } = "";
    public string? Path { get; set; }
}

public sealed class LinuxDevice
{
    public string Path { get; set; } = "";
    public string Type { get; set; } = "c";
    public long Major { get; set; }
    public long Minor { get; set; }
    public uint? FileMode { get; set; }
    public uint? Uid { get; set; }
    public uint? Gid { get; set; }
}

public sealed class LinuxResources
{
    public List<LinuxDeviceCgroup>? Devices { get; set; }
    public LinuxMemory? Memory { get; set; }
    public LinuxCpu? Cpu { get; set; }
    public LinuxPids? Pids { get; set; }
    public LinuxBlockIo? BlockIO { get; set; }
}

public sealed class LinuxDeviceCgroup
{
    public bool Allow { get; set; }
    public string? Type { get; set; }
    public long? Major { get; set; }
    public long? Minor { get; set; }
    public string? Access { get; set; }
}

public sealed class LinuxMemory
{
    public long? Limit { get; set; }
    public long? Reservation { get; set; }
    public long? Swap { get; set; }
    public ulong? Swappiness { get; set; }
    public bool? DisableOOMKiller { get; set; }
}

public sealed class LinuxCpu
{
    public ulong? Shares { get; set; }
    public long? Quota { get; set; }
    public ulong? Period { get; set; }
    public string? Cpus { get; set; }
    public string? Mems { get; set; }
}

public sealed class LinuxPids
{
    public long Limit { get; set; }
}

public sealed class LinuxBlockIo
{
    public ushort? Weight { get; set; }
    public List<LinuxWeightDevice>? WeightDevice { get; set; }
    public List<LinuxThrottleDevice>? ThrottleReadBpsDevice { get; set; }
    public List<LinuxThrottleDevice>? ThrottleWriteBpsDevice { get; set; }
    public List<LinuxThrottleDevice>? ThrottleReadIOPSDevice { get; set; }
    public List<LinuxThrottleDevice>? ThrottleWriteIOPSDevice { get; set; }
}

public sealed class LinuxWeightDevice
{
    public long Major { get; set; }
    public long Minor { get; set; }
    public ushort? Weight { get; set; }
}

public sealed class LinuxThrottleDevice
{
    public long Major { get; set; }
    public long Minor { get; set; }
    public ulong Rate { get; set; }
}

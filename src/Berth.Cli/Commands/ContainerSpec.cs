namespace Berth.Cli.Commands;

/// <summary>What <c>run</c>/<c>create</c> flags ask for, before it becomes the create body.</summary>
internal sealed class ContainerSpec
{
    public string Image = "";
    public string Name = "";
    public string Platform = "";
    public string Pull = "missing";
    public bool Quiet;
    public bool Detach;
    public bool SigProxy = true;
    public string DetachKeys = "";

    // Config
    public string Hostname = "";
    public string Domainname = "";
    public string User = "";
    public bool AttachStdin;
    public bool AttachStdout;
    public bool AttachStderr;
    public SortedSet<string> ExposedPorts = new(StringComparer.Ordinal);
    public bool Tty;
    public bool OpenStdin;
    public bool StdinOnce;
    public List<string>? Env;
    public List<string>? Cmd;
    public List<string>? HealthTest;
    public bool HasHealthcheck;
    public long HealthInterval;
    public long HealthTimeout;
    public long HealthStartPeriod;
    public long HealthStartInterval;
    public long HealthRetries;
    public SortedSet<string> Volumes = new(StringComparer.Ordinal);
    public string WorkingDir = "";
    public List<string>? Entrypoint;
    public Dictionary<string, string> Labels = new(StringComparer.Ordinal);
    public Dictionary<string, string> Annotations = new(StringComparer.Ordinal);
    public string StopSignal = "";
    public long? StopTimeout;

    // HostConfig
    public List<string>? Binds;
    public List<MountFlag>? Mounts;
    public string ContainerIdFile = "";
    public string LogDriver = "";
    public Dictionary<string, string> LogOptions = new(StringComparer.Ordinal);
    public string NetworkMode = "default";
    public SortedDictionary<string, List<(string HostIp, string HostPort)>> PortBindings = new(StringComparer.Ordinal);
    public string RestartName = "no";
    public long RestartMaxRetries;
    public bool AutoRemove;
    public string VolumeDriver = "";
    public List<string>? VolumesFrom;
    public int ConsoleHeight;
    public int ConsoleWidth;
    public List<string>? CapAdd;
    public List<string>? CapDrop;
    public string CgroupnsMode = "";
    public List<string> Dns = [];
    public List<string> DnsOptions = [];
    public List<string> DnsSearch = [];
    public List<string>? ExtraHosts;
    public List<string>? GroupAdd;
    public string IpcMode = "";
    public long OomScoreAdj;
    public string PidMode = "";
    public bool Privileged;
    public bool PublishAllPorts;
    public bool ReadonlyRootfs;
    public List<string>? SecurityOpt;
    public Dictionary<string, string>? Tmpfs;
    public string UtsMode = "";
    public string UsernsMode = "";
    public long ShmSize;
    public Dictionary<string, string>? Sysctls;
    public string Runtime = "";
    public string Isolation = "";
    public long CpuShares;
    public long Memory;
    public long NanoCpus;
    public string CgroupParent = "";
    public long BlkioWeight;
    public List<(string Path, long Weight)> BlkioWeightDevice = [];
    public List<(string Path, long Rate)> BlkioDeviceReadBps = [];
    public List<(string Path, long Rate)> BlkioDeviceWriteBps = [];
    public List<(string Path, long Rate)> BlkioDeviceReadIOps = [];
    public List<(string Path, long Rate)> BlkioDeviceWriteIOps = [];
    public List<(string PathOnHost, string PathInContainer, string Permissions)> Devices = [];
    public List<string>? DeviceCgroupRules;
    public long CpuPeriod;
    public long CpuQuota;
    public long CpuRealtimePeriod;
    public long CpuRealtimeRuntime;
    public string CpusetCpus = "";
    public string CpusetMems = "";
    public long MemoryReservation;
    public long MemorySwap;
    public long MemorySwappiness = -1;
    public bool OomKillDisable;
    public long PidsLimit;
    public List<(string Name, long Hard, long Soft)> Ulimits = [];
    public List<string>? MaskedPaths;
    public List<string>? ReadonlyPaths;
    public bool? Init;

    /// <summary>Endpoint settings by network; an entry with no settings is written all-empty.</summary>
    public List<(string Network, string Ipv4, string Ipv6, List<string>? Aliases, string MacAddress)> Endpoints = [];
}

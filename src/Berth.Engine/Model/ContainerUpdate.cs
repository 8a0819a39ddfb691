namespace Berth.Engine.Model;

/// <summary>The body of <c>POST /containers/{id}/update</c>: Docker's <c>Resources</c> plus the restart policy. Zero
/// (or null) means "leave as it is".</summary>
public sealed class ContainerUpdate
{
    public long CpuShares { get; set; }
    public long Memory { get; set; }
    public long NanoCpus { get; set; }
    public string? CgroupParent { get; set; }
    public int BlkioWeight { get; set; }
    public List<WeightDevice>? BlkioWeightDevice { get; set; }
    public List<ThrottleDevice>? BlkioDeviceReadBps { get; set; }
    public List<ThrottleDevice>? BlkioDeviceWriteBps { get; set; }
    public List<ThrottleDevice>? BlkioDeviceReadIOps { get; set; }
    public List<ThrottleDevice>? BlkioDeviceWriteIOps { get; set; }
    public long CpuPeriod { get; set; }
    public long CpuQuota { get; set; }
    public long CpuRealtimePeriod { get; set; }
    public long CpuRealtimeRuntime { get; set; }
    public string? CpusetCpus { get; set; }
    public string? CpusetMems { get; set; }
    public List<DeviceMapping>? Devices { get; set; }
    public List<string>? DeviceCgroupRules { get; set; }
    public List<DeviceRequest>? DeviceRequests { get; set; }
    public long KernelMemory { get; set; }
    public long KernelMemoryTCP { get; set; }
    public long MemoryReservation { get; set; }
    public long MemorySwap { get; set; }
    public long? MemorySwappiness { get; set; }
    public bool? OomKillDisable { get; set; }
    public long? PidsLimit { get; set; }
    public List<Ulimit>? Ulimits { get; set; }
    public long CpuCount { get; set; }
    public long CpuPercent { get; set; }
    public long IOMaximumIOps { get; set; }
    public long IOMaximumBandwidth { get; set; }
    public RestartPolicy? RestartPolicy { get; set; }
}

namespace Berth.Runtime.Cgroups;

/// <summary>
/// One reading of a cgroup's accounting files, in units that do not depend on the cgroup version: nanoseconds
/// and bytes. A field a version has no file for stays null (v2 has no per-CPU usage and no memory high-water mark).
/// </summary>
public sealed class CgroupStats
{
    /// <summary>1 or 2: which files the numbers came from (memory.stat's keys differ).</summary>
    public int Version { get; init; }

    public CgroupCpuStats Cpu { get; init; } = new();

    public CgroupMemoryStats Memory { get; init; } = new();

    public CgroupPidsStats Pids { get; init; } = new();

    public CgroupIoStats Io { get; init; } = new();
}

public sealed class CgroupCpuStats
{
    /// <summary>CPU time of every task of the cgroup, ns.</summary>
    public ulong TotalUsage { get; init; }

    /// <summary>Per-CPU time, ns (v1's cpuacct.usage_percpu; null on v2).</summary>
    public IReadOnlyList<ulong>? PerCpuUsage { get; init; }

    public ulong UsageInKernelmode { get; init; }

    public ulong UsageInUsermode { get; init; }

    public ulong Periods { get; init; }

    public ulong ThrottledPeriods { get; init; }

    /// <summary>ns.</summary>
    public ulong ThrottledTime { get; init; }
}

public sealed class CgroupMemoryStats
{
    public ulong Usage { get; init; }

    /// <summary>v1's memory.max_usage_in_bytes; null on v2.</summary>
    public ulong? MaxUsage { get; init; }

    /// <summary>The limit in force; null when there is none.</summary>
    public ulong? Limit { get; init; }

    public ulong Failcnt { get; init; }

    /// <summary>memory.stat, key by key, in the file's order.</summary>
    public IReadOnlyList<KeyValuePair<string, ulong>> Stat { get; init; } = [];
}

public sealed class CgroupPidsStats
{
    public ulong Current { get; init; }

    /// <summary>pids.max; null for "max".</summary>
    public ulong? Limit { get; init; }
}

/// <summary>Block I/O per device: bytes and operations, by operation (v1: Read, Write, Sync, Async, Discard, Total;
/// v2: read, write, discard).</summary>
public sealed class CgroupIoStats
{
    public IReadOnlyList<CgroupIoEntry> ServiceBytes { get; init; } = [];

    public IReadOnlyList<CgroupIoEntry> Serviced { get; init; } = [];
}

public readonly record struct CgroupIoEntry(ulong Major, ulong Minor, string Op, ulong Value);

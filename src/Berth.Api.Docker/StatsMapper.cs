using Berth.Api.Docker.Models;
using Berth.Engine;
using Berth.Runtime.Cgroups;

namespace Berth.Api.Docker;

/// <summary>Turns the engine's stats readings into dockerd's <c>StatsJSON</c>.</summary>
internal static class StatsMapper
{
    /// <summary>compat(docker): on cgroup v1 dockerd reports these memory.stat keys only.</summary>
    private static readonly HashSet<string> V1MemoryKeys =
    [
        "active_anon", "active_file", "cache", "dirty", "hierarchical_memory_limit", "hierarchical_memsw_limit", "inactive_anon",
        "inactive_file", "mapped_file", "pgfault", "pgmajfault", "pgpgin", "pgpgout", "rss", "rss_huge", "total_active_anon",
        "total_active_file", "total_cache", "total_dirty", "total_inactive_anon", "total_inactive_file", "total_mapped_file",
        "total_pgfault", "total_pgmajfault", "total_pgpgin", "total_pgpgout", "total_rss", "total_rss_huge", "total_unevictable",
        "total_writeback", "unevictable", "writeback",
    ];

    public static StatsResponse Map(ContainerStatsFrame frame)
    {
        var response = new StatsResponse { Name = frame.Name, Id = frame.Id };
        if (frame.Previous is { } previous)
        {
            response.PreRead = previous.Read;
            response.PreCpuStats = Cpu(previous);
        }
        if (frame.Current is not { } s)
        {
            return response; // compat(docker): not running: zero times, empty sections, null block I/O lists
        }
        var cg = s.Cgroup;
        response.Read = s.Read;
        response.CpuStats = Cpu(s);
        response.PidsStats = new PidsStats { Current = cg.Pids.Current, Limit = cg.Pids.Limit ?? 0 };
        response.BlkioStats = new BlkioStats
        {
            IoServiceBytesRecursive = cg.Io.ServiceBytes.Select(Entry).ToList(),
            IoServicedRecursive = cg.Io.Serviced.Select(Entry).ToList(),
            IoQueueRecursive = [],
            IoServiceTimeRecursive = [],
            IoWaitTimeRecursive = [],
            IoMergedRecursive = [],
            IoTimeRecursive = [],
            SectorsRecursive = [],
        };
        var stat = new SortedDictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var (k, v) in cg.Memory.Stat)
        {
            if (cg.Version != 1 || V1MemoryKeys.Contains(k))
            {
                stat[k] = v;
            }
        }
        // compat(docker): without a limit of its own (or one above the host's memory) the limit is the host's memory.
        var limit = cg.Memory.Limit is { } l && l < s.HostMemory ? l : s.HostMemory;
        response.MemoryStats = new MemoryStats
        {
            Usage = cg.Memory.Usage,
            MaxUsage = cg.Memory.MaxUsage ?? 0,
            Stats = stat,
            Failcnt = cg.Memory.Failcnt,
            Limit = limit,
        };
        if (s.Networks.Count > 0)
        {
            response.Networks = new SortedDictionary<string, NetworkStats>(StringComparer.Ordinal);
            foreach (var n in s.Networks)
            {
                response.Networks[n.Name] = new NetworkStats
                {
                    RxBytes = n.RxBytes,
                    RxPackets = n.RxPackets,
                    RxErrors = n.RxErrors,
                    RxDropped = n.RxDropped,
                    TxBytes = n.TxBytes,
                    TxPackets = n.TxPackets,
                    TxErrors = n.TxErrors,
                    TxDropped = n.TxDropped,
                };
            }
        }
        return response;
    }

    private static CpuStats Cpu(ContainerStatsSample s) => new()
    {
        CpuUsage = new CpuUsage
        {
            TotalUsage = s.Cgroup.Cpu.TotalUsage,
            PercpuUsage = s.Cgroup.Cpu.PerCpuUsage?.ToList(),
            UsageInKernelmode = s.Cgroup.Cpu.UsageInKernelmode,
            UsageInUsermode = s.Cgroup.Cpu.UsageInUsermode,
        },
        SystemCpuUsage = s.SystemCpuUsage,
        OnlineCpus = s.OnlineCpus,
        ThrottlingData = new ThrottlingData
        {
            Periods = s.Cgroup.Cpu.Periods,
            ThrottledPeriods = s.Cgroup.Cpu.ThrottledPeriods,
            ThrottledTime = s.Cgroup.Cpu.ThrottledTime,
        },
    };

    private static BlkioStatEntry Entry(CgroupIoEntry e) => new() { Major = e.Major, Minor = e.Minor, Op = e.Op, Value = e.Value };
}

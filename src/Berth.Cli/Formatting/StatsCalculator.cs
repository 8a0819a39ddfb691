using System.Text.Json;

namespace Berth.Cli.Formatting;

/// <summary>The docker CLI's arithmetic over a stats answer (stats_helpers.go): CPU % against the previous reading,
/// memory without the inactive file cache, block and network totals.</summary>
internal static class StatsCalculator
{
    public static StatsEntry Entry(JsonElement v)
    {
        var cpu = Obj(v, "cpu_stats");
        var precpu = Obj(v, "precpu_stats");
        var memory = Obj(v, "memory_stats");
        var mem = MemUsageNoCache(memory);
        var limit = (double)U(memory, "limit");
        var (read, write) = BlockIo(Obj(v, "blkio_stats"));
        var (rx, tx) = Network(v);
        return new StatsEntry(
            Name: v.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "",
            Id: v.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "",
            CpuPercentage: CpuPercent(U(Obj(precpu, "cpu_usage"), "total_usage"), U(precpu, "system_cpu_usage"), cpu),
            Memory: mem,
            MemoryLimit: limit,
            MemoryPercentage: limit != 0 ? mem / limit * 100.0 : 0,
            NetworkRx: rx,
            NetworkTx: tx,
            BlockRead: read,
            BlockWrite: write,
            PidsCurrent: U(Obj(v, "pids_stats"), "current"));
    }

    public static double CpuPercent(ulong previousCpu, ulong previousSystem, JsonElement cpu)
    {
        var usage = Obj(cpu, "cpu_usage");
        var cpuDelta = (double)U(usage, "total_usage") - previousCpu;
        var systemDelta = (double)U(cpu, "system_cpu_usage") - previousSystem;
        double online = U(cpu, "online_cpus");
        if (online == 0 && usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty("percpu_usage", out var per) && per.ValueKind == JsonValueKind.Array)
        {
            online = per.GetArrayLength();
        }
        return systemDelta > 0 && cpuDelta > 0 ? cpuDelta / systemDelta * online * 100.0 : 0;
    }

    /// <summary>cgroup v1 subtracts total_inactive_file, v2 inactive_file, when smaller than the usage.</summary>
    public static double MemUsageNoCache(JsonElement memory)
    {
        var usage = U(memory, "usage");
        var stats = Obj(memory, "stats");
        if (stats.ValueKind == JsonValueKind.Object && stats.TryGetProperty("total_inactive_file", out var v1))
        {
            if (v1.GetUInt64() < usage)
            {
                return usage - v1.GetUInt64();
            }
        }
        else if (U(stats, "inactive_file") is var v2 && v2 < usage)
        {
            return usage - v2;
        }
        return usage;
    }

    private static (double Read, double Write) BlockIo(JsonElement blkio)
    {
        ulong read = 0, write = 0;
        if (blkio.ValueKind == JsonValueKind.Object && blkio.TryGetProperty("io_service_bytes_recursive", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in list.EnumerateArray())
            {
                var op = e.TryGetProperty("op", out var o) ? o.GetString() ?? "" : "";
                if (op.Length == 0)
                {
                    continue;
                }
                switch (op[0])
                {
                    case 'r' or 'R': read += U(e, "value"); break;
                    case 'w' or 'W': write += U(e, "value"); break;
                }
            }
        }
        return (read, write);
    }

    private static (double Rx, double Tx) Network(JsonElement v)
    {
        double rx = 0, tx = 0;
        if (v.TryGetProperty("networks", out var nets) && nets.ValueKind == JsonValueKind.Object)
        {
            foreach (var n in nets.EnumerateObject())
            {
                rx += U(n.Value, "rx_bytes");
                tx += U(n.Value, "tx_bytes");
            }
        }
        return (rx, tx);
    }

    private static JsonElement Obj(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

    private static ulong U(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetUInt64() : 0;
}

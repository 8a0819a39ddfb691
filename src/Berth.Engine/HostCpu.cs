using System.Globalization;

namespace Berth.Engine;

/// <summary>The host's CPU clock for <c>docker stats</c>: total CPU time since boot and the CPUs online.</summary>
internal static class HostCpu
{
    /// <summary>kernel: /proc/stat counts USER_HZ ticks, 100 a second.</summary>
    private const ulong NanosPerTick = 1_000_000_000 / 100;

    /// <summary>System CPU time in ns, as dockerd computes it: user, nice, system, idle, iowait, irq and softirq of
    /// /proc/stat's "cpu" line.</summary>
    public static ulong SystemUsage() => ParseSystemUsage(File.ReadAllText("/proc/stat"));

    public static ulong ParseSystemUsage(string procStat)
    {
        foreach (var line in procStat.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && parts[0] == "cpu")
            {
                if (parts.Length < 8)
                {
                    throw new FormatException("invalid number of cpu fields in /proc/stat");
                }
                ulong ticks = 0;
                foreach (var p in parts.AsSpan(1, 7))
                {
                    ticks += ulong.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture);
                }
                return ticks * NanosPerTick;
            }
        }
        throw new FormatException("no cpu line in /proc/stat");
    }

    public static uint Online()
    {
        try
        {
            return ParseCpuList(File.ReadAllText("/sys/devices/system/cpu/online"));
        }
        catch (IOException)
        {
            return (uint)Environment.ProcessorCount;
        }
    }

    /// <summary>How many CPUs a kernel CPU list names ("0-3,6,8-9" is 7).</summary>
    public static uint ParseCpuList(string list)
    {
        uint count = 0;
        foreach (var part in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            count += dash < 0 ? 1 : uint.Parse(part[(dash + 1)..], CultureInfo.InvariantCulture) - uint.Parse(part[..dash], CultureInfo.InvariantCulture) + 1;
        }
        return count;
    }
}

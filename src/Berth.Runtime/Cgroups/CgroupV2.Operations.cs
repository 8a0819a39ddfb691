namespace Berth.Runtime.Cgroups;

/// <summary>cgroup v2: accounting (cpu.stat, memory.*, pids.*, io.stat) and cgroup.freeze.</summary>
internal sealed partial class CgroupV2
{
    public CgroupStats Stats()
    {
        if (!Directory.Exists(Dir))
        {
            throw new DirectoryNotFoundException($"cgroup {Path} does not exist");
        }
        var cpu = CgroupStatFiles.FlatKeyed(CgroupFiles.Read(Dir, "cpu.stat"));
        var stats = new CgroupStats
        {
            Version = 2,
            Cpu = new CgroupCpuStats
            {
                // cpu.stat counts microseconds.
                TotalUsage = CgroupStatFiles.Key(cpu, "usage_usec") * 1000,
                UsageInUsermode = CgroupStatFiles.Key(cpu, "user_usec") * 1000,
                UsageInKernelmode = CgroupStatFiles.Key(cpu, "system_usec") * 1000,
                Periods = CgroupStatFiles.Key(cpu, "nr_periods"),
                ThrottledPeriods = CgroupStatFiles.Key(cpu, "nr_throttled"),
                ThrottledTime = CgroupStatFiles.Key(cpu, "throttled_usec") * 1000,
            },
            Memory = new CgroupMemoryStats
            {
                Usage = CgroupStatFiles.Value(CgroupFiles.Read(Dir, "memory.current")) ?? 0,
                Limit = CgroupStatFiles.Value(CgroupFiles.Read(Dir, "memory.max")),
                Failcnt = CgroupStatFiles.Key(CgroupStatFiles.FlatKeyed(CgroupFiles.Read(Dir, "memory.events")), "max"),
                Stat = CgroupStatFiles.FlatKeyed(CgroupFiles.Read(Dir, "memory.stat")),
            },
            Pids = new CgroupPidsStats
            {
                Current = CgroupStatFiles.Value(CgroupFiles.Read(Dir, "pids.current")) ?? 0,
                Limit = CgroupStatFiles.Value(CgroupFiles.Read(Dir, "pids.max")),
            },
            Io = CgroupStatFiles.IoStat(CgroupFiles.Read(Dir, "io.stat")),
        };
        return Directory.Exists(Dir) ? stats : throw new DirectoryNotFoundException($"cgroup {Path} does not exist");
    }

    public void Freeze(TimeSpan timeout)
    {
        CgroupFiles.Write(Dir, "cgroup.freeze", "1");
        // kernel: cgroup.events says "frozen 1" once every task has stopped; until then the cgroup is freezing.
        var deadline = DateTime.UtcNow + timeout;
        var delay = 1;
        while (!EventsSayFrozen())
        {
            if (DateTime.UtcNow >= deadline)
            {
                Thaw();
                throw new IOException($"freezing cgroup {Path}: cgroup.events did not report it frozen within {timeout.TotalSeconds:F0} s");
            }
            Thread.Sleep(delay);
            delay = Math.Min(delay * 2, 20);
        }
    }

    public void Thaw()
    {
        CgroupFiles.Write(Dir, "cgroup.freeze", "0");
        if ((CgroupFiles.Read(Dir, "cgroup.freeze") ?? "").Trim() != "0")
        {
            throw new IOException($"thawing cgroup {Path}: cgroup.freeze did not take 0");
        }
    }

    public bool IsFrozen() => (CgroupFiles.Read(Dir, "cgroup.freeze") ?? "").Trim() == "1";

    private bool EventsSayFrozen() =>
        CgroupStatFiles.FlatKeyed(CgroupFiles.Read(Dir, "cgroup.events")).Any(p => p.Key == "frozen" && p.Value == 1);
}

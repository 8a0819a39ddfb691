namespace Berth.Runtime.Cgroups;

/// <summary>cgroup v1: accounting (cpuacct, cpu, memory, pids, blkio) and the freezer.</summary>
internal sealed partial class CgroupV1
{
    // Where block I/O is counted, best first: the bfq and cfq schedulers' own counters, then the throttling layer's,
    // which every kernel keeps (blk-mq kernels have no cfq, and their bfq files exist only with bfq in use).
    private static readonly (string Bytes, string Ios)[] BlkioSources =
    [
        ("blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive"),
        ("blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive"),
        ("blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive"),
        ("blkio.throttle.io_service_bytes", "blkio.throttle.io_serviced"),
    ];

    public CgroupStats Stats()
    {
        var anchor = DirOf("memory") ?? DirOf("pids") ?? (_hierarchies.Count > 0 ? Dir(_hierarchies[0]) : null);
        if (anchor is null || !Directory.Exists(anchor))
        {
            throw new DirectoryNotFoundException($"cgroup {Path} does not exist");
        }
        var stats = new CgroupStats { Version = 1, Cpu = CpuStats(), Memory = MemoryStats(), Pids = PidsStats(), Io = IoStats() };
        // The cgroup may have gone while its files were read: numbers from a dying cgroup are not a reading.
        return Directory.Exists(anchor) ? stats : throw new DirectoryNotFoundException($"cgroup {Path} does not exist");
    }

    private CgroupCpuStats CpuStats()
    {
        var acct = DirOf("cpuacct");
        var times = CgroupStatFiles.FlatKeyed(acct is null ? null : CgroupFiles.Read(acct, "cpuacct.stat"));
        var throttling = CgroupStatFiles.FlatKeyed(DirOf("cpu") is { } cpu ? CgroupFiles.Read(cpu, "cpu.stat") : null);
        return new CgroupCpuStats
        {
            TotalUsage = acct is null ? 0 : CgroupStatFiles.Value(CgroupFiles.Read(acct, "cpuacct.usage")) ?? 0,
            PerCpuUsage = acct is null ? null : CgroupStatFiles.List(CgroupFiles.Read(acct, "cpuacct.usage_percpu")),
            UsageInUsermode = CgroupStatFiles.Key(times, "user") * CgroupStatFiles.NanosPerUserHzTick,
            UsageInKernelmode = CgroupStatFiles.Key(times, "system") * CgroupStatFiles.NanosPerUserHzTick,
            Periods = CgroupStatFiles.Key(throttling, "nr_periods"),
            ThrottledPeriods = CgroupStatFiles.Key(throttling, "nr_throttled"),
            ThrottledTime = CgroupStatFiles.Key(throttling, "throttled_time"),
        };
    }

    private CgroupMemoryStats MemoryStats()
    {
        if (DirOf("memory") is not { } memory)
        {
            return new CgroupMemoryStats();
        }
        return new CgroupMemoryStats
        {
            Usage = CgroupStatFiles.Value(CgroupFiles.Read(memory, "memory.usage_in_bytes")) ?? 0,
            MaxUsage = CgroupStatFiles.Value(CgroupFiles.Read(memory, "memory.max_usage_in_bytes")) ?? 0,
            Limit = CgroupStatFiles.Value(CgroupFiles.Read(memory, "memory.limit_in_bytes")),
            Failcnt = CgroupStatFiles.Value(CgroupFiles.Read(memory, "memory.failcnt")) ?? 0,
            Stat = CgroupStatFiles.FlatKeyed(CgroupFiles.Read(memory, "memory.stat")),
        };
    }

    private CgroupPidsStats PidsStats() => DirOf("pids") is { } pids
        ? new CgroupPidsStats
        {
            Current = CgroupStatFiles.Value(CgroupFiles.Read(pids, "pids.current")) ?? 0,
            Limit = CgroupStatFiles.Value(CgroupFiles.Read(pids, "pids.max")),
        }
        : new CgroupPidsStats();

    private CgroupIoStats IoStats()
    {
        if (DirOf("blkio") is not { } blkio)
        {
            return new CgroupIoStats();
        }
        foreach (var (bytesFile, iosFile) in BlkioSources)
        {
            var bytes = CgroupStatFiles.Blkio(CgroupFiles.Read(blkio, bytesFile));
            if (bytes.Count > 0)
            {
                return new CgroupIoStats { ServiceBytes = bytes, Serviced = CgroupStatFiles.Blkio(CgroupFiles.Read(blkio, iosFile)) };
            }
        }
        return new CgroupIoStats();
    }

    public void Freeze(TimeSpan timeout)
    {
        var freezer = FreezerDir();
        var deadline = DateTime.UtcNow + timeout;
        var delay = 1;
        while (true)
        {
            // kernel: a task in an uninterruptible sleep keeps the cgroup FREEZING; writing FROZEN again retries it.
            CgroupFiles.Write(freezer, "freezer.state", "FROZEN");
            if (FreezerState(freezer) == "FROZEN")
            {
                return;
            }
            if (DateTime.UtcNow >= deadline)
            {
                Thaw();
                throw new IOException($"freezing cgroup {Path}: still {FreezerState(freezer)} after {timeout.TotalSeconds:F0} s");
            }
            Thread.Sleep(delay);
            delay = Math.Min(delay * 2, 20);
        }
    }

    public void Thaw()
    {
        var freezer = FreezerDir();
        CgroupFiles.Write(freezer, "freezer.state", "THAWED");
        if (FreezerState(freezer) != "THAWED")
        {
            throw new IOException($"thawing cgroup {Path}: freezer.state is {FreezerState(freezer)}");
        }
    }

    public bool IsFrozen() => DirOf("freezer") is { } freezer && FreezerState(freezer) is "FROZEN" or "FREEZING";

    private string FreezerDir() =>
        DirOf("freezer") ?? throw new NotSupportedException("this host mounts no cgroup v1 freezer hierarchy");

    private static string FreezerState(string dir) => (CgroupFiles.Read(dir, "freezer.state") ?? "").Trim();
}

using Berth.Runtime.Cgroups;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>
/// cgroup v2 accounting and freezing against a plain directory tree holding what cgroupfs shows (this host's v2 mount
/// carries no controllers, so the fake stands in, as for <see cref="CgroupV2Tests"/>). File texts are the kernel's.
/// </summary>
public sealed class CgroupStatsV2Tests : IDisposable
{
    private readonly TempDir _root = new("berth-cgv2s-");
    private readonly ICgroup _cgroup;

    public CgroupStatsV2Tests()
    {
        File.WriteAllText(_root.Join("cgroup.controllers"), "cpuset cpu io memory pids\n");
        _cgroup = CgroupDriver.FakeV2(_root.Path).Open("/berth/c1");
        _cgroup.Create();
    }

    public void Dispose() => _root.Dispose();

    private void Write(string file, string text) => File.WriteAllText(_root.Join("berth", "c1", file), text);

    [Fact]
    public void Stats_reads_cpu_memory_pids_and_io_in_ns_and_bytes()
    {
        Write("cpu.stat", "usage_usec 767384\nuser_usec 220000\nsystem_usec 540000\nnr_periods 12\nnr_throttled 3\nthrottled_usec 4500\nnr_bursts 0\nburst_usec 0\n");
        Write("memory.current", "933888\n");
        Write("memory.max", "67108864\n");
        Write("memory.events", "low 0\nhigh 0\nmax 7\noom 0\noom_kill 0\n");
        Write("memory.stat", "anon 53248\nfile 589824\nkernel_stack 16384\ninactive_file 28672\nactive_file 561152\npgfault 3081\n");
        Write("pids.current", "2\n");
        Write("pids.max", "50\n");
        Write("io.stat", "8:0 rbytes=1048576 wbytes=4096 rios=16 wios=1 dbytes=0 dios=0\n253:1 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");

        var s = _cgroup.Stats();

        Assert.Equal(2, s.Version);
        Assert.Equal(767384000UL, s.Cpu.TotalUsage);
        Assert.Equal(220000000UL, s.Cpu.UsageInUsermode);
        Assert.Equal(540000000UL, s.Cpu.UsageInKernelmode);
        Assert.Null(s.Cpu.PerCpuUsage);
        Assert.Equal((12UL, 3UL, 4500000UL), (s.Cpu.Periods, s.Cpu.ThrottledPeriods, s.Cpu.ThrottledTime));
        Assert.Equal(933888UL, s.Memory.Usage);
        Assert.Equal(67108864UL, s.Memory.Limit);
        Assert.Null(s.Memory.MaxUsage);
        Assert.Equal(7UL, s.Memory.Failcnt);
        Assert.Equal(["anon", "file", "kernel_stack", "inactive_file", "active_file", "pgfault"], s.Memory.Stat.Select(p => p.Key));
        Assert.Equal(28672UL, s.Memory.Stat.Single(p => p.Key == "inactive_file").Value);
        Assert.Equal((2UL, (ulong?)50), (s.Pids.Current, s.Pids.Limit));
        Assert.Equal(
            [new CgroupIoEntry(8, 0, "read", 1048576), new CgroupIoEntry(8, 0, "write", 4096), new CgroupIoEntry(8, 0, "discard", 0), new CgroupIoEntry(253, 1, "read", 512), new CgroupIoEntry(253, 1, "write", 0), new CgroupIoEntry(253, 1, "discard", 0)],
            s.Io.ServiceBytes);
        Assert.Equal(new CgroupIoEntry(8, 0, "read", 16), s.Io.Serviced[0]);
    }

    [Fact]
    public void Limits_of_max_read_as_none()
    {
        Write("memory.max", "max\n");
        Write("pids.max", "max\n");

        var s = _cgroup.Stats();

        Assert.Null(s.Memory.Limit);
        Assert.Null(s.Pids.Limit);
        Assert.Empty(s.Io.ServiceBytes); // no io.stat: no entries
    }

    [Fact]
    public void Stats_of_a_cgroup_that_is_gone_throw()
    {
        Assert.True(_cgroup.Destroy(TimeSpan.FromSeconds(1)));
        Assert.Throws<DirectoryNotFoundException>(() => _cgroup.Stats());
    }

    [Fact]
    public async Task Freeze_writes_cgroup_freeze_and_waits_for_the_kernel_to_report_frozen()
    {
        Write("cgroup.events", "populated 1\nfrozen 0\n");
        // The kernel sets "frozen 1" once the last task stops; here a writer plays the kernel a moment later. The clock
        // starts first: the writer may run at once, and the test thread may lose its core before starting a clock.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var kernel = Task.Run(async () =>
        {
            await Task.Delay(100);
            Write("cgroup.events", "populated 1\nfrozen 1\n");
        });

        _cgroup.Freeze(TimeSpan.FromSeconds(10));

        Assert.True(clock.ElapsedMilliseconds >= 90, $"Freeze returned after {clock.ElapsedMilliseconds} ms, before the cgroup was frozen");
        Assert.Equal("1", File.ReadAllText(_root.Join("berth", "c1", "cgroup.freeze")));
        Assert.True(_cgroup.IsFrozen());
        await kernel;

        _cgroup.Thaw();
        Assert.Equal("0", File.ReadAllText(_root.Join("berth", "c1", "cgroup.freeze")));
        Assert.False(_cgroup.IsFrozen());
    }

    [Fact]
    public void A_freeze_that_never_completes_is_undone_and_reported()
    {
        Write("cgroup.events", "populated 1\nfrozen 0\n");

        var e = Assert.Throws<IOException>(() => _cgroup.Freeze(TimeSpan.FromMilliseconds(200)));

        Assert.Contains("did not report it frozen", e.Message, StringComparison.Ordinal);
        Assert.Equal("0", File.ReadAllText(_root.Join("berth", "c1", "cgroup.freeze")));
    }
}

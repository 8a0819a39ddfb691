using Berth.Runtime.Cgroups;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>cgroup v1 accounting and the freezer against plain directories shaped like this host's hierarchies, with
/// file texts copied from its kernel; <see cref="CgroupHostTests"/> reads the real ones.</summary>
public sealed class CgroupStatsV1Tests : IDisposable
{
    private static readonly string[] Controllers = ["cpu", "cpuacct", "memory", "pids", "blkio", "freezer"];

    private readonly TempDir _root = new("berth-cgv1s-");
    private readonly ICgroup _cgroup;

    public CgroupStatsV1Tests()
    {
        foreach (var c in Controllers)
        {
            Directory.CreateDirectory(_root.Join(c, "berth", "c1"));
        }
        _cgroup = CgroupDriver.FakeV1(Controllers.Select(c => new CgroupHierarchy(_root.Join(c), [c])).ToList()).Open("/berth/c1");
    }

    public void Dispose() => _root.Dispose();

    private void Write(string controller, string file, string text) => File.WriteAllText(_root.Join(controller, "berth", "c1", file), text);

    [Fact]
    public void Stats_reads_cpuacct_cpu_memory_pids_and_blkio()
    {
        Write("cpuacct", "cpuacct.usage", "40778878\n");
        Write("cpuacct", "cpuacct.usage_percpu", "26795495 13983383 \n");
        Write("cpuacct", "cpuacct.stat", "user 2\nsystem 1\n");
        Write("cpu", "cpu.stat", "nr_periods 12\nnr_throttled 2\nthrottled_time 3000000\nnr_bursts 0\nburst_time 0\n");
        Write("memory", "memory.usage_in_bytes", "352256\n");
        Write("memory", "memory.max_usage_in_bytes", "3842048\n");
        Write("memory", "memory.limit_in_bytes", "9223372036854771712\n");
        Write("memory", "memory.failcnt", "0\n");
        Write("memory", "memory.stat", "cache 0\nrss 53248\nshmem 0\ntotal_inactive_file 16384\nhierarchical_memory_limit 9223372036854771712\n");
        Write("pids", "pids.current", "1\n");
        Write("pids", "pids.max", "max\n");

        var s = _cgroup.Stats();

        Assert.Equal(1, s.Version);
        Assert.Equal(40778878UL, s.Cpu.TotalUsage);
        Assert.Equal([26795495UL, 13983383UL], s.Cpu.PerCpuUsage);
        // cpuacct.stat counts USER_HZ (100 a second) ticks.
        Assert.Equal((20000000UL, 10000000UL), (s.Cpu.UsageInUsermode, s.Cpu.UsageInKernelmode));
        Assert.Equal((12UL, 2UL, 3000000UL), (s.Cpu.Periods, s.Cpu.ThrottledPeriods, s.Cpu.ThrottledTime));
        Assert.Equal((352256UL, (ulong?)3842048UL), (s.Memory.Usage, s.Memory.MaxUsage));
        Assert.Equal(9223372036854771712UL, s.Memory.Limit);
        Assert.Equal(16384UL, s.Memory.Stat.Single(p => p.Key == "total_inactive_file").Value);
        Assert.Equal(5, s.Memory.Stat.Count);
        Assert.Equal((1UL, (ulong?)null), (s.Pids.Current, s.Pids.Limit));
    }

    public static TheoryData<string, string, int> BlkioFiles => new()
    {
        // row, file that has the counts, entries expected ("Total" lines never count)
        { "bfq", "blkio.bfq.io_service_bytes_recursive", 2 },
        { "cfq", "blkio.io_service_bytes_recursive", 2 },
        { "throttle recursive", "blkio.throttle.io_service_bytes_recursive", 2 },
        { "throttle", "blkio.throttle.io_service_bytes", 2 },
    };

    [Theory]
    [MemberData(nameof(BlkioFiles))]
    public void Block_io_comes_from_the_first_file_with_device_entries(string row, string file, int count)
    {
        // Files earlier in the order exist but hold only "Total 0", as on a blk-mq kernel.
        foreach (var (name, _) in new[] { ("blkio.bfq.io_service_bytes_recursive", 0), ("blkio.io_service_bytes_recursive", 0), ("blkio.throttle.io_service_bytes_recursive", 0) })
        {
            if (name == file)
            {
                break;
            }
            Write("blkio", name, "Total 0\n");
        }
        Write("blkio", file, "8:0 Read 1048576\n8:0 Write 8192\nTotal 1056768\n");

        var s = _cgroup.Stats();

        Assert.True(s.Io.ServiceBytes.Count == count, row);
        Assert.Equal(new CgroupIoEntry(8, 0, "Read", 1048576), s.Io.ServiceBytes[0]);
        Assert.Equal(new CgroupIoEntry(8, 0, "Write", 8192), s.Io.ServiceBytes[1]);
    }

    [Fact]
    public void Block_io_without_device_entries_is_empty()
    {
        Write("blkio", "blkio.throttle.io_service_bytes_recursive", "Total 0\n");
        Assert.Empty(_cgroup.Stats().Io.ServiceBytes);
    }

    [Fact]
    public void Freeze_and_thaw_write_freezer_state()
    {
        Write("freezer", "freezer.state", "THAWED\n");

        _cgroup.Freeze(TimeSpan.FromSeconds(1));
        Assert.Equal("FROZEN", File.ReadAllText(_root.Join("freezer", "berth", "c1", "freezer.state")));
        Assert.True(_cgroup.IsFrozen());

        _cgroup.Thaw();
        Assert.Equal("THAWED", File.ReadAllText(_root.Join("freezer", "berth", "c1", "freezer.state")));
        Assert.False(_cgroup.IsFrozen());
    }
}

using Berth.Oci;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>
/// cgroup v2 against a plain directory tree shaped like cgroupfs (this host's v2 mount carries no controllers, so a
/// real v2 run is impossible here; the fake is the stand-in, as the design allows where reality cannot run).
/// </summary>
public sealed class CgroupV2Tests : IDisposable
{
    private readonly TempDir _root = new("berth-cgv2-");

    public CgroupV2Tests()
    {
        File.WriteAllText(_root.Join("cgroup.controllers"), "cpuset cpu io memory pids\n");
        File.WriteAllText(_root.Join("cgroup.subtree_control"), "");
    }

    public void Dispose() => _root.Dispose();

    private ICgroup Open(string path = "/berth/c1")
    {
        var driver = CgroupDriver.FakeV2(_root.Path);
        Assert.Equal(2, driver.Version);
        return driver.Open(path);
    }

    [Fact]
    public void Create_enables_the_controllers_down_the_path()
    {
        var cgroup = Open("/berth/c1");
        cgroup.Create();

        // Each parent delegates every controller to its children; the leaf itself delegates nothing.
        Assert.Equal("cpuset cpu io memory pids", File.ReadAllText(_root.Join("cgroup.subtree_control")));
        Assert.Equal("cpuset cpu io memory pids", File.ReadAllText(_root.Join("berth", "cgroup.subtree_control")));
        Assert.True(Directory.Exists(_root.Join("berth", "c1")));
        Assert.False(File.Exists(_root.Join("berth", "c1", "cgroup.subtree_control")));
    }

    [Fact]
    public void Create_adds_only_the_controllers_still_missing()
    {
        File.WriteAllText(_root.Join("cgroup.subtree_control"), "cpu memory");
        Open().Create();
        Assert.Equal("cpu memory cpuset io pids", File.ReadAllText(_root.Join("cgroup.subtree_control")));
    }

    public static TheoryData<string, LinuxResources, string, string> Knobs => new()
    {
        // row name, resources, knob, value written
        { "memory limit", new() { Memory = new() { Limit = 512 << 20 } }, "memory.max", "536870912" },
        { "memory reservation", new() { Memory = new() { Reservation = 256 << 20 } }, "memory.low", "268435456" },
        // v1's memsw counts memory+swap; v2's swap.max counts swap alone: 1 GiB - 512 MiB.
        { "swap", new() { Memory = new() { Limit = 512 << 20, Swap = 1 << 30 } }, "memory.swap.max", "536870912" },
        { "unlimited swap", new() { Memory = new() { Limit = 512 << 20, Swap = -1 } }, "memory.swap.max", "max" },
        { "shares 2", new() { Cpu = new() { Shares = 2 } }, "cpu.weight", "1" },
        { "shares 1024", new() { Cpu = new() { Shares = 1024 } }, "cpu.weight", "39" },
        { "shares 262144", new() { Cpu = new() { Shares = 262144 } }, "cpu.weight", "10000" },
        { "half a cpu", new() { Cpu = new() { Quota = 50000, Period = 100000 } }, "cpu.max", "50000 100000" },
        { "period only", new() { Cpu = new() { Period = 100000 } }, "cpu.max", "max 100000" },
        { "quota only", new() { Cpu = new() { Quota = 25000 } }, "cpu.max", "25000 100000" },
        { "cpuset", new() { Cpu = new() { Cpus = "0-1", Mems = "0" } }, "cpuset.cpus", "0-1" },
        { "cpuset mems", new() { Cpu = new() { Cpus = "0-1", Mems = "0" } }, "cpuset.mems", "0" },
        { "pids", new() { Pids = new() { Limit = 100 } }, "pids.max", "100" },
        { "pids unlimited", new() { Pids = new() { Limit = -1 } }, "pids.max", "max" },
        { "blkio weight 500", new() { BlockIO = new() { Weight = 500 } }, "io.weight", "4950" },
        { "blkio weight 10", new() { BlockIO = new() { Weight = 10 } }, "io.weight", "1" },
        { "blkio weight 1000", new() { BlockIO = new() { Weight = 1000 } }, "io.weight", "10000" },
    };

    [Theory]
    [MemberData(nameof(Knobs))]
    public void Apply_writes_the_v2_knob(string row, LinuxResources resources, string knob, string value)
    {
        var cgroup = Open();
        cgroup.Create();
        cgroup.Apply(resources);
        Assert.True(File.Exists(_root.Join("berth", "c1", knob)), $"{row}: {knob} was not written");
        Assert.Equal(value, File.ReadAllText(_root.Join("berth", "c1", knob)));
    }

    [Fact]
    public void Apply_writes_nothing_it_was_not_asked_for()
    {
        var cgroup = Open();
        cgroup.Create();
        cgroup.Apply(new LinuxResources { Memory = new() { Limit = 1 << 20 } });
        Assert.Equal(["memory.max"], Directory.EnumerateFiles(_root.Join("berth", "c1")).Select(Path.GetFileName));
        cgroup.Apply(null);
    }

    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]          // below the v1 minimum: clamped to 2
    [InlineData(2UL, 1UL)]
    [InlineData(512UL, 20UL)]
    [InlineData(1024UL, 39UL)]
    [InlineData(262144UL, 10000UL)]
    [InlineData(1000000UL, 10000UL)]
    public void Shares_convert_to_weight_as_runc_does(ulong shares, ulong weight) =>
        Assert.Equal(weight, CgroupV2.SharesToWeight(shares));

    [Fact]
    public void AddProcess_writes_cgroup_procs_and_Destroy_removes_the_directory()
    {
        var cgroup = Open();
        cgroup.Create();
        cgroup.AddProcess(4242);
        Assert.Equal("4242", File.ReadAllText(_root.Join("berth", "c1", "cgroup.procs")));
        Assert.Equal([4242], cgroup.Processes());
        Assert.Equal([new CgroupMountSource("", _root.Join("berth", "c1"))], cgroup.MountSources());

        Assert.True(cgroup.Destroy(TimeSpan.FromSeconds(1)));
        Assert.False(Directory.Exists(_root.Join("berth", "c1")));
        Assert.True(Directory.Exists(_root.Join("berth")));
        Assert.True(cgroup.Destroy(TimeSpan.FromSeconds(1))); // already gone: nothing left is success
    }
}

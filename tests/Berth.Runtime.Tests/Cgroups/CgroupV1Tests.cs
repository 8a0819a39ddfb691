using Berth.Oci;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>cgroup v1 against plain directories shaped like this host's hierarchies (one per controller).</summary>
public sealed class CgroupV1Tests : IDisposable
{
    private static readonly string[] Controllers = ["cpu", "cpuacct", "cpuset", "memory", "devices", "blkio", "pids"];

    private readonly TempDir _root = new("berth-cgv1-");
    private readonly CgroupDriver _driver;

    public CgroupV1Tests()
    {
        foreach (var c in Controllers)
        {
            Directory.CreateDirectory(_root.Join(c));
        }
        // cpuset refuses tasks until cpus and mems are set; a new cgroup copies them from its parent.
        File.WriteAllText(_root.Join("cpuset", "cpuset.cpus"), "0-1\n");
        File.WriteAllText(_root.Join("cpuset", "cpuset.mems"), "0\n");
        _driver = CgroupDriver.FakeV1(Controllers.Select(c => new CgroupHierarchy(_root.Join(c), [c])).ToList());
    }

    public void Dispose() => _root.Dispose();

    private string Knob(string controller, string file) => File.ReadAllText(_root.Join(controller, "berth", "c1", file));

    [Fact]
    public void Create_makes_the_path_in_every_hierarchy_and_copies_cpuset_from_the_parent()
    {
        Assert.Equal(1, _driver.Version);
        _driver.Open("/berth/c1").Create();

        foreach (var c in Controllers)
        {
            Assert.True(Directory.Exists(_root.Join(c, "berth", "c1")), c);
        }
        foreach (var level in new[] { _root.Join("cpuset", "berth"), _root.Join("cpuset", "berth", "c1") })
        {
            Assert.Equal("0-1", File.ReadAllText(Path.Join(level, "cpuset.cpus")));
            Assert.Equal("0", File.ReadAllText(Path.Join(level, "cpuset.mems")));
        }
    }

    public static TheoryData<string, LinuxResources, string, string, string> Knobs => new()
    {
        // row name, resources, controller, knob, value written
        { "memory limit", new() { Memory = new() { Limit = 512 << 20 } }, "memory", "memory.limit_in_bytes", "536870912" },
        { "memory+swap", new() { Memory = new() { Limit = 512 << 20, Swap = 1 << 30 } }, "memory", "memory.memsw.limit_in_bytes", "1073741824" },
        { "unlimited swap", new() { Memory = new() { Limit = 512 << 20, Swap = -1 } }, "memory", "memory.memsw.limit_in_bytes", "-1" },
        { "reservation", new() { Memory = new() { Reservation = 256 << 20 } }, "memory", "memory.soft_limit_in_bytes", "268435456" },
        { "swappiness", new() { Memory = new() { Swappiness = 10 } }, "memory", "memory.swappiness", "10" },
        { "oom killer off", new() { Memory = new() { DisableOOMKiller = true } }, "memory", "memory.oom_control", "1" },
        { "shares", new() { Cpu = new() { Shares = 512 } }, "cpu", "cpu.shares", "512" },
        { "quota", new() { Cpu = new() { Quota = 50000, Period = 100000 } }, "cpu", "cpu.cfs_quota_us", "50000" },
        { "period", new() { Cpu = new() { Quota = 50000, Period = 100000 } }, "cpu", "cpu.cfs_period_us", "100000" },
        { "cpuset cpus", new() { Cpu = new() { Cpus = "1" } }, "cpuset", "cpuset.cpus", "1" },
        { "pids", new() { Pids = new() { Limit = 100 } }, "pids", "pids.max", "100" },
        { "pids unlimited", new() { Pids = new() { Limit = -1 } }, "pids", "pids.max", "max" },
        { "blkio weight", new() { BlockIO = new() { Weight = 500 } }, "blkio", "blkio.weight", "500" },
    };

    [Theory]
    [MemberData(nameof(Knobs))]
    public void Apply_writes_the_v1_knob(string row, LinuxResources resources, string controller, string knob, string value)
    {
        var cgroup = _driver.Open("/berth/c1");
        cgroup.Create();
        cgroup.Apply(resources);
        Assert.True(File.Exists(_root.Join(controller, "berth", "c1", knob)), $"{row}: {knob} was not written");
        Assert.Equal(value, Knob(controller, knob));
    }

    [Fact]
    public void Devices_deny_everything_then_allow_the_list()
    {
        var cgroup = _driver.Open("/berth/c1");
        cgroup.Create();
        cgroup.Apply(new LinuxResources { Devices = DockerSpec.DeviceRules() });

        // A plain file keeps only the last write of each knob; the kernel's order is checked in CgroupHostTests.
        Assert.Equal("a", Knob("devices", "devices.deny"));
        Assert.Equal("c 10:200 rwm", Knob("devices", "devices.allow"));
    }

    [Theory]
    [InlineData(false, null, null, null, "rwm", "a")]
    [InlineData(true, "c", 1L, 3L, "rwm", "c 1:3 rwm")]
    [InlineData(true, "c", null, null, "m", "c *:* m")]
    [InlineData(true, "c", 136L, null, "rwm", "c 136:* rwm")]
    [InlineData(true, "b", 8L, 0L, "r", "b 8:0 r")]
    [InlineData(true, "a", null, null, null, "a")]
    public void Device_rules_read_as_the_kernel_wants_them(bool allow, string? type, long? major, long? minor, string? access, string rule) =>
        Assert.Equal(rule, CgroupV1.DeviceRule(new LinuxDeviceCgroup { Allow = allow, Type = type, Major = major, Minor = minor, Access = access }));

    [Fact]
    public void AddProcess_joins_every_hierarchy_and_Destroy_removes_them_all()
    {
        var cgroup = _driver.Open("/berth/c1");
        cgroup.Create();
        cgroup.AddProcess(4242);
        foreach (var c in Controllers)
        {
            Assert.Equal("4242", Knob(c, "cgroup.procs"));
        }
        Assert.Equal(Controllers.Length, cgroup.MountSources().Count);
        Assert.Contains(new CgroupMountSource("memory", _root.Join("memory", "berth", "c1")), cgroup.MountSources());

        Assert.True(cgroup.Destroy(TimeSpan.FromSeconds(1)));
        Assert.All(Controllers, c => Assert.False(Directory.Exists(_root.Join(c, "berth", "c1"))));
    }
}

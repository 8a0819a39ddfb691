using System.Runtime.InteropServices;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Cgroups;

/// <summary>The real cgroup hierarchies of this machine (v1, with an empty v2 mount beside them).</summary>
public sealed class CgroupHostTests
{
    [Fact]
    public async Task A_cgroup_on_the_host_takes_limits_the_kernel_reads_back_and_goes_away()
    {
        var driver = CgroupDriver.Detect();
        Assert.Equal(1, driver.Version); // this host: controllers on v1; the v2 mount holds none
        Assert.Contains(driver.Hierarchies, h => h.Controllers.Contains("memory"));

        var path = "/berth/test-" + Guid.NewGuid().ToString("N")[..12];
        var cgroup = driver.Open(path);
        int? pid = null;
        try
        {
            cgroup.Create();
            cgroup.Apply(new LinuxResources
            {
                Memory = new() { Limit = 64 << 20, Swap = 128 << 20 },
                Pids = new() { Limit = 50 },
                Devices = DockerSpec.DeviceRules(),
            });
            Assert.Equal("67108864", File.ReadAllText($"/sys/fs/cgroup/memory{path}/memory.limit_in_bytes").Trim());
            Assert.Equal("134217728", File.ReadAllText($"/sys/fs/cgroup/memory{path}/memory.memsw.limit_in_bytes").Trim());
            Assert.Equal("50", File.ReadAllText($"/sys/fs/cgroup/pids{path}/pids.max").Trim());
            // Had an allow come before the deny-all, the deny would have wiped it: the kernel's list shows the order.
            Assert.Equal(DockerSpec.DevicesList, File.ReadAllLines($"/sys/fs/cgroup/devices{path}/devices.list"));

            using var devnull = Fs.Open("/dev/null", LibC.O_RDWR);
            pid = Spawner.Spawn(new SpawnRequest { Path = "/bin/sleep", Args = ["sleep", "60"], Fds = new Dictionary<int, SafeHandle> { [0] = devnull, [1] = devnull, [2] = devnull } });
            cgroup.AddProcess(pid.Value);
            Assert.Equal([pid.Value], cgroup.Processes());
            Assert.Contains($":memory:{path}", File.ReadAllText($"/proc/{pid}/cgroup"), StringComparison.Ordinal);
            // On this hybrid host the process joins the controller-less v2 tree too, as runc puts it there.
            Assert.Contains($"0::{path}", File.ReadAllText($"/proc/{pid}/cgroup"), StringComparison.Ordinal);

            // Destroy ends what is left inside, then removes the directory from every hierarchy.
            Assert.True(cgroup.Destroy(TimeSpan.FromSeconds(5)));
            Assert.Equal(137, (await ChildReaper.WaitAsync(pid.Value).WaitAsync(TimeSpan.FromSeconds(10))).Code);
            pid = null;
            Assert.All(driver.Hierarchies, h => Assert.False(Directory.Exists(h.MountPoint + path), h.MountPoint + path));
            Assert.False(Directory.Exists(driver.UnifiedRoot + path), driver.UnifiedRoot + path);
        }
        finally
        {
            if (pid is { } p)
            {
                Proc.Kill(p, LibC.SIGKILL);
            }
            cgroup.Destroy(TimeSpan.FromSeconds(5));
        }
    }
}

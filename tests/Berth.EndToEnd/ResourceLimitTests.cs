using Berth.EndToEnd.Infrastructure;
using Berth.EndToEnd.Infrastructure.Skipping;

namespace Berth.EndToEnd;

/// <summary>Resource flags reach the kernel: each is read back from the container's own cgroup files.</summary>
[Collection(BerthCollection.Name)]
public sealed class ResourceLimitTests(BerthEngine engine)
{
    [SkippableTheory]
    [InlineData("docker", "-m 64m", "memory/memory.limit_in_bytes", "67108864")]
    [InlineData("berth", "-m 64m", "memory/memory.limit_in_bytes", "67108864")]
    [InlineData("docker", "-m 64m", "memory/memory.memsw.limit_in_bytes", "134217728")]
    [InlineData("berth", "-m 64m", "memory/memory.memsw.limit_in_bytes", "134217728")]
    [InlineData("docker", "-m 64m --memory-swap 100m", "memory/memory.memsw.limit_in_bytes", "104857600")]
    [InlineData("berth", "-m 64m --memory-swap 100m", "memory/memory.memsw.limit_in_bytes", "104857600")]
    [InlineData("docker", "--cpus 0.5", "cpu/cpu.cfs_quota_us", "50000")]
    [InlineData("berth", "--cpus 0.5", "cpu/cpu.cfs_quota_us", "50000")]
    [InlineData("docker", "--cpu-shares 512", "cpu/cpu.shares", "512")]
    [InlineData("berth", "--cpu-shares 512", "cpu/cpu.shares", "512")]
    [InlineData("docker", "--pids-limit 10", "pids/pids.max", "10")]
    [InlineData("berth", "--pids-limit 10", "pids/pids.max", "10")]
    public void ALimitIsWrittenToTheContainersCgroupV1(string client, string flags, string cgroupFile, string expected)
    {
        if (HostTraces.CgroupV2)
        {
            throw new SkipException("these rows read cgroup v1 files and this host runs cgroup v2");
        }

        var run = engine.Cli(client, ["run", "--rm", .. flags.Split(' '), "busybox", "cat", "/sys/fs/cgroup/" + cgroupFile]);

        Assert.Equal(expected, run.Ok());
    }

    // compat(docker): --memory-swap defaults to twice --memory; -1 is unlimited.
    [Theory]
    [InlineData("docker", "-m 64m", "67108864 134217728")]
    [InlineData("berth", "-m 64m", "67108864 134217728")]
    [InlineData("docker", "-m 64m --memory-swap 100m", "67108864 104857600")]
    [InlineData("berth", "-m 64m --memory-swap 100m", "67108864 104857600")]
    [InlineData("docker", "-m 64m --memory-swap -1", "67108864 -1")]
    [InlineData("berth", "-m 64m --memory-swap -1", "67108864 -1")]
    public void InspectShowsMemoryAndMemorySwap(string client, string flags, string expected)
    {
        var id = engine.Cli(client, ["create", .. flags.Split(' '), "busybox"]).Ok();

        Assert.Equal(expected, engine.Inspect(id, "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}"));
    }
}

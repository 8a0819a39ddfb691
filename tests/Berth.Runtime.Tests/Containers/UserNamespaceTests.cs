using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Containers;

/// <summary>
/// A bundle with a <c>user</c> namespace and OCI <c>linux.uidMappings</c>/<c>gidMappings</c> (what
/// <c>berthd --userns-remap</c> writes), under Berth and under runc: the container's root is the mapped host id,
/// the other namespaces are the user namespace's (proc, sysfs, mqueue and devpts mount), Docker's capabilities hold
/// inside it, and nothing is left behind.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class UserNamespaceTests
{
    private const uint HostId = 420000;
    private const uint Size = 65536;

    private static void Remap(RuntimeSpec spec)
    {
        spec.Linux!.Namespaces.Insert(0, new LinuxNamespace { Type = "user" });
        spec.Linux.UidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = HostId, Size = Size }];
        spec.Linux.GidMappings = [new LinuxIdMapping { ContainerId = 0, HostId = HostId + Size, Size = Size }];
        // The root's directories are the mapped root's, as in a chown-shifted rootfs (the engine idmaps its layers
        // instead), so that it can make its mount points there. Not the files: they are hard links to the template
        // every test shares, and reading them needs no owner.
        var rootfs = spec.Root!.Path;
        foreach (var path in Directory.EnumerateDirectories(rootfs, "*", SearchOption.AllDirectories).Where(d => new DirectoryInfo(d).LinkTarget is null).Prepend(rootfs))
        {
            Fs.Lchown(path, HostId, HostId + Size);
        }
    }

    [Theory]
    [MemberData(nameof(Runtimes.Names), MemberType = typeof(Runtimes))]
    public async Task The_maps_are_the_specs(string runtime)
    {
        await Artifacts.NsexecAsync();
        await using var container = await TestContainer.CreateBundleAsync(runtime, ["cat", "/proc/self/uid_map", "/proc/self/gid_map"], Remap);
        var run = await container.RunAsync();

        Assert.True(run.Exit.ExitCode == 0, $"cat exited {run.Exit.ExitCode} ({run.Exit.Error}): {run.Stderr}");
        var lines = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal([$"0 {HostId} {Size}", $"0 {HostId + Size} {Size}"], lines);
        await container.AssertNothingLeftAsync();
    }

    [Theory]
    [MemberData(nameof(Runtimes.Names), MemberType = typeof(Runtimes))]
    public async Task The_host_sees_the_mapped_ids(string runtime)
    {
        await Artifacts.NsexecAsync();
        await using var container = await TestContainer.CreateBundleAsync(runtime, ["true"], Remap);
        var (client, ready) = await container.CreateAsync();
        // The created container's process, before it execs, as the host sees it.
        var status = File.ReadAllLines($"/proc/{ready.Pid}/status").Select(l => l.Split(':', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1].Trim());
        Assert.StartsWith($"{HostId}\t", status["Uid"], StringComparison.Ordinal);
        Assert.StartsWith($"{HostId + Size}\t", status["Gid"], StringComparison.Ordinal);
        var waiting = client.WaitAsync();
        await client.StartAsync();
        Assert.Equal(0, (await waiting.WaitAsync(TestContainer.Timeout)).ExitCode);
        await container.AssertNothingLeftAsync();
    }

    [Theory]
    [MemberData(nameof(Runtimes.Names), MemberType = typeof(Runtimes))]
    public async Task The_probe_is_root_of_its_own_user_namespace(string runtime)
    {
        await Artifacts.NsexecAsync();
        await using var container = await TestContainer.CreateBundleAsync(runtime, edit: Remap);
        var run = await container.RunAsync();

        Assert.True(run.Exit.ExitCode == 0, $"probe exited {run.Exit.ExitCode} ({run.Exit.Error}): {run.Stderr}");
        var probe = run.Probe;
        Assert.Equal(1, probe.Pid);
        Assert.Equal([0L, 0, 0, 0], probe.Uid);
        Assert.Equal([0L, 0, 0, 0], probe.Gid);
        Assert.Equal(DockerSpec.DefaultCapabilityMask, probe.Cap("CapEff"));
        foreach (var ns in new[] { "user", "pid", "ipc", "uts", "mnt", "net" })
        {
            Assert.NotEqual(Host.NamespaceLink(ns), probe.Namespaces[ns]);
        }
        foreach (var (path, type) in new[] { ("/proc", "proc"), ("/sys", "sysfs"), ("/dev/mqueue", "mqueue"), ("/dev/pts", "devpts"), ("/dev/shm", "tmpfs") })
        {
            Assert.Equal(type, probe.MountAt(path)?.FsType);
        }
        await container.AssertNothingLeftAsync();
    }
}

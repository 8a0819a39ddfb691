using Berth.Oci;

namespace Berth.Runtime.Cgroups;

/// <summary>One container's cgroup, on whichever cgroup version the host runs.</summary>
public interface ICgroup
{
    /// <summary>The path below each hierarchy's root, e.g. <c>/berth/&lt;id&gt;</c>.</summary>
    string Path { get; }

    void Create();

    void Apply(LinuxResources? resources);

    void AddProcess(int pid);

    IReadOnlyList<int> Processes();

    /// <summary>Removes the cgroup, killing what is left in it; true when nothing of it remains.</summary>
    bool Destroy(TimeSpan timeout);

    /// <summary>Host directories a container sees as its /sys/fs/cgroup (v1: one per hierarchy).</summary>
    IReadOnlyList<CgroupMountSource> MountSources();
}

public sealed record CgroupMountSource(string Name, string HostPath);

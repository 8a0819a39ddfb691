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

    /// <summary>
    /// Moves the cgroup, processes and all, to another path under the same parent (rename(2) of its directories).
    /// Unlike moving processes, a rename needs no RCU grace period: a spare shim's init joins a cgroup of its own
    /// ahead of need, and the cgroup takes the container's name when the container arrives.
    /// </summary>
    ICgroup RenameTo(string path);

    IReadOnlyList<int> Processes();

    /// <summary>Removes the cgroup, killing what is left in it; true when nothing of it remains.</summary>
    bool Destroy(TimeSpan timeout);

    /// <summary>Host directories a container sees as its /sys/fs/cgroup (v1: one per hierarchy).</summary>
    IReadOnlyList<CgroupMountSource> MountSources();

    /// <summary>Reads the accounting files; throws <see cref="DirectoryNotFoundException"/> when the cgroup is gone.</summary>
    CgroupStats Stats();

    /// <summary>Freezes every task (v1 freezer.state, v2 cgroup.freeze) and returns once the kernel reports the cgroup
    /// frozen; thaws again and throws when that takes longer than <paramref name="timeout"/>.</summary>
    void Freeze(TimeSpan timeout);

    void Thaw();

    /// <summary>How many processes the kernel's OOM killer has killed in the cgroup (v1 memory.oom_control
    /// <c>oom_kill</c>, v2 memory.events <c>oom_kill</c>); 0 when unknown.</summary>
    long OomKills();

    /// <summary>Whether the kernel holds the cgroup frozen (or freezing).</summary>
    bool IsFrozen();
}

public sealed record CgroupMountSource(string Name, string HostPath);

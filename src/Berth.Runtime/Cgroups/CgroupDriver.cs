using Berth.Linux;

namespace Berth.Runtime.Cgroups;

/// <summary>A v1 hierarchy: where it is mounted and which controllers it carries.</summary>
public sealed record CgroupHierarchy(string MountPoint, IReadOnlyList<string> Controllers);

/// <summary>
/// Finds how the host mounts cgroups and opens containers' cgroups on it. A host whose v1 hierarchies hold the
/// controllers (this machine: cgroup v1 with an empty v2 mount beside it) is driven as v1; a unified host as v2.
/// </summary>
public sealed class CgroupDriver
{
    private readonly IReadOnlyList<CgroupHierarchy> _v1;
    private readonly string? _v2Root;
    private readonly bool _kernel;

    private CgroupDriver(int version, IReadOnlyList<CgroupHierarchy> v1, string? v2Root, bool kernel)
    {
        Version = version;
        _v1 = v1;
        _v2Root = v2Root;
        _kernel = kernel;
    }

    /// <summary>1 or 2.</summary>
    public int Version { get; }

    public IReadOnlyList<CgroupHierarchy> Hierarchies => _v1;

    public string? UnifiedRoot => _v2Root;

    public static CgroupDriver Detect()
    {
        var v1 = new List<CgroupHierarchy>();
        string? v2 = null;
        foreach (var m in Mounts.Read())
        {
            if (m.FsType == "cgroup")
            {
                var controllers = m.SuperOptions.Split(',').Where(o => o is not ("rw" or "ro" or "relatime" or "nosuid" or "nodev" or "noexec" or "clone_children") && !o.StartsWith("release_agent", StringComparison.Ordinal)).ToList();
                v1.Add(new CgroupHierarchy(m.MountPoint, controllers));
            }
            else if (m.FsType == "cgroup2")
            {
                v2 ??= m.MountPoint;
            }
        }
        // A hybrid host keeps its controllers on v1; the v2 mount beside them is then empty.
        if (v1.Any(h => h.Controllers.Contains("memory") || h.Controllers.Contains("pids")))
        {
            return new CgroupDriver(1, v1, v2, kernel: true);
        }
        if (v2 is not null)
        {
            return new CgroupDriver(2, [], v2, kernel: true);
        }
        throw new InvalidOperationException("no cgroup filesystem is mounted");
    }

    /// <summary>A v2 driver over a plain directory tree that imitates cgroupfs, for tests.</summary>
    public static CgroupDriver FakeV2(string root) => new(2, [], root, kernel: false);

    /// <summary>A v1 driver over plain directories that imitate the hierarchies, for tests.</summary>
    public static CgroupDriver FakeV1(IReadOnlyList<CgroupHierarchy> hierarchies) => new(1, hierarchies, null, kernel: false);

    public ICgroup Open(string path) =>
        Version == 1 ? new CgroupV1(_v1, path, _kernel, _v2Root) : new CgroupV2(_v2Root!, path, _kernel);
}

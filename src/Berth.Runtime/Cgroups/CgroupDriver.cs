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

    /// <summary>Whether the kernel offers a control file such as <c>blkio.weight</c> (v1: in the root of the
    /// controller's hierarchy) or <c>io.weight</c> (v2: the controller listed as available). Block I/O weights,
    /// for one, need the BFQ scheduler; dockerd discards them with a warning where they are missing.</summary>
    public bool Offers(string controller, string file)
    {
        if (Version == 2)
        {
            return _v2Root is not null && (CgroupFiles.Read(_v2Root, "cgroup.controllers") ?? "").Split(' ', StringSplitOptions.TrimEntries).Contains(controller);
        }
        return _v1.FirstOrDefault(h => h.Controllers.Contains(controller)) is { } h && File.Exists(Path.Join(h.MountPoint, file));
    }

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

    /// <summary>
    /// Starts, in the background, the RCU grace period the next cgroup migration would wait for. Moving a process
    /// between cgroups takes a lock whose first writer after a quiet spell waits a whole grace period (about 15 ms
    /// on a small VM); writers that arrive while it is pending or just passed go through at once. The daemon calls
    /// this as it begins a container start, so the shim's move of the container into its cgroup finds the lock warm.
    /// The move is of this process into the cgroup it already is in: nothing changes but the timing.
    /// </summary>
    public void BeginMigrationWarmup()
    {
        if (!_kernel)
        {
            return;
        }
        var procs = OwnCgroupProcsFile();
        if (procs is null)
        {
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static p =>
        {
            try
            {
                File.WriteAllText(p, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }, procs, preferLocal: false);
    }

    private string? _ownProcs;

    private string? OwnCgroupProcsFile()
    {
        if (_ownProcs is not null)
        {
            return _ownProcs;
        }
        foreach (var line in File.ReadLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }
            var mount = Version == 2
                ? (parts[0] == "0" ? _v2Root : null)
                : _v1.FirstOrDefault(h => parts[1].Split(',').Any(h.Controllers.Contains))?.MountPoint;
            if (mount is not null)
            {
                return _ownProcs = Path.Join(mount, parts[2], "cgroup.procs");
            }
        }
        return null;
    }

    public ICgroup Open(string path) =>
        Version == 1 ? new CgroupV1(_v1, path, _kernel, _v2Root) : new CgroupV2(_v2Root!, path, _kernel);

    /// <summary>
    /// A cgroup that can later be renamed (<see cref="ICgroup.RenameTo"/>), or null where the kernel cannot rename
    /// cgroups: cgroup2 has no rename. On a hybrid host it leaves out the controller-less v2 tree for that reason
    /// (membership there limits nothing).
    /// </summary>
    public ICgroup? OpenRenamable(string path) =>
        Version == 1 ? new CgroupV1(_v1, path, _kernel, unifiedRoot: null) : null;
}

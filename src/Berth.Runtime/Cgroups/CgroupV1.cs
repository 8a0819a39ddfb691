using System.Globalization;
using Berth.Oci;

namespace Berth.Runtime.Cgroups;

/// <summary>cgroup v1: one directory per hierarchy (cpu, memory, pids, ...), each holding the container.</summary>
internal sealed partial class CgroupV1 : ICgroup
{
    private readonly IReadOnlyList<CgroupHierarchy> _hierarchies;
    private readonly bool _kernel;
    private readonly string? _unified;

    /// <param name="unifiedRoot">The controller-less v2 mount of a hybrid host. The container joins it as runc does,
    /// so tools that read the v2 tree (and /proc/PID/cgroup's "0::" line) place it; best effort, it limits nothing.</param>
    public CgroupV1(IReadOnlyList<CgroupHierarchy> hierarchies, string path, bool kernel, string? unifiedRoot = null)
    {
        _hierarchies = hierarchies;
        Path = path;
        _kernel = kernel;
        _unified = unifiedRoot is null ? null : System.IO.Path.Join(unifiedRoot, path);
    }

    public string Path { get; }

    private string Dir(CgroupHierarchy h) => System.IO.Path.Join(h.MountPoint, Path);

    public long OomKills() => CgroupFiles.ReadKey(DirOf("memory"), "memory.oom_control", "oom_kill");

    private string? DirOf(string controller)
    {
        var h = _hierarchies.FirstOrDefault(h => h.Controllers.Contains(controller));
        return h is null ? null : Dir(h);
    }

    public void Create()
    {
        foreach (var h in _hierarchies)
        {
            if (h.Controllers.Contains("cpuset"))
            {
                // cpuset refuses tasks until cpus and mems are set, at every level we create.
                var dir = h.MountPoint;
                foreach (var part in Path.Split('/', StringSplitOptions.RemoveEmptyEntries))
                {
                    var parent = dir;
                    dir = System.IO.Path.Join(dir, part);
                    Directory.CreateDirectory(dir);
                    foreach (var f in new[] { "cpuset.cpus", "cpuset.mems" })
                    {
                        if (string.IsNullOrWhiteSpace(CgroupFiles.Read(dir, f)))
                        {
                            CgroupFiles.Write(dir, f, (CgroupFiles.Read(parent, f) ?? "").Trim());
                        }
                    }
                }
            }
            else
            {
                Directory.CreateDirectory(Dir(h));
            }
        }
        if (_unified is not null)
        {
            try
            {
                Directory.CreateDirectory(_unified);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    public void Apply(LinuxResources? r)
    {
        if (r is null)
        {
            return;
        }
        if (DirOf("devices") is { } devices && r.Devices is { Count: > 0 })
        {
            foreach (var rule in r.Devices)
            {
                CgroupFiles.Write(devices, rule.Allow ? "devices.allow" : "devices.deny", DeviceRule(rule));
            }
        }
        if (DirOf("memory") is { } memory && r.Memory is { } m)
        {
            if (m.Reservation is > 0)
            {
                CgroupFiles.Write(memory, "memory.soft_limit_in_bytes", Num(m.Reservation.Value));
            }
            if (m.Limit is > 0)
            {
                // memory.limit_in_bytes must never exceed memory.memsw.limit_in_bytes: order the writes.
                var swap = m.Swap;
                var hasMemsw = File.Exists(System.IO.Path.Join(memory, "memory.memsw.limit_in_bytes")) || !_kernel;
                if (swap is { } s && s != 0 && hasMemsw)
                {
                    try
                    {
                        CgroupFiles.Write(memory, "memory.limit_in_bytes", Num(m.Limit.Value));
                        CgroupFiles.Write(memory, "memory.memsw.limit_in_bytes", Num(s));
                    }
                    catch (IOException)
                    {
                        CgroupFiles.Write(memory, "memory.memsw.limit_in_bytes", Num(s));
                        CgroupFiles.Write(memory, "memory.limit_in_bytes", Num(m.Limit.Value));
                    }
                }
                else
                {
                    CgroupFiles.Write(memory, "memory.limit_in_bytes", Num(m.Limit.Value));
                }
            }
            if (m.Swappiness is { } sw && sw <= 100)
            {
                CgroupFiles.Write(memory, "memory.swappiness", sw.ToString(CultureInfo.InvariantCulture));
            }
            if (m.DisableOOMKiller == true)
            {
                CgroupFiles.Write(memory, "memory.oom_control", "1");
            }
        }
        if (DirOf("cpu") is { } cpu && r.Cpu is { } c)
        {
            if (c.Shares is > 0)
            {
                CgroupFiles.Write(cpu, "cpu.shares", c.Shares.Value.ToString(CultureInfo.InvariantCulture));
            }
            if (c.Period is > 0)
            {
                CgroupFiles.Write(cpu, "cpu.cfs_period_us", c.Period.Value.ToString(CultureInfo.InvariantCulture));
            }
            if (c.Quota is { } q && q != 0)
            {
                CgroupFiles.Write(cpu, "cpu.cfs_quota_us", Num(q));
            }
        }
        if (DirOf("cpuset") is { } cpuset && r.Cpu is { } cs)
        {
            if (!string.IsNullOrEmpty(cs.Cpus))
            {
                CgroupFiles.Write(cpuset, "cpuset.cpus", cs.Cpus);
            }
            if (!string.IsNullOrEmpty(cs.Mems))
            {
                CgroupFiles.Write(cpuset, "cpuset.mems", cs.Mems);
            }
        }
        if (DirOf("pids") is { } pids && r.Pids is { } p)
        {
            CgroupFiles.Write(pids, "pids.max", p.Limit > 0 ? Num(p.Limit) : "max");
        }
        if (DirOf("blkio") is { } blkio && r.BlockIO is { } io)
        {
            if (io.Weight is { } w and > 0)
            {
                CgroupFiles.Write(blkio, "blkio.weight", w.ToString(CultureInfo.InvariantCulture));
            }
            foreach (var d in io.WeightDevice ?? [])
            {
                if (d.Weight is not (> 0 and var dw))
                {
                    continue;
                }
                CgroupFiles.Write(blkio, "blkio.weight_device", $"{d.Major}:{d.Minor} {dw}");
            }
            foreach (var (file, throttled) in new[]
            {
                ("blkio.throttle.read_bps_device", io.ThrottleReadBpsDevice), ("blkio.throttle.write_bps_device", io.ThrottleWriteBpsDevice),
                ("blkio.throttle.read_iops_device", io.ThrottleReadIOPSDevice), ("blkio.throttle.write_iops_device", io.ThrottleWriteIOPSDevice),
            })
            {
                foreach (var d in throttled ?? [])
                {
                    CgroupFiles.Write(blkio, file, $"{d.Major}:{d.Minor} {d.Rate}");
                }
            }
        }
    }

    public void AddProcess(int pid)
    {
        var text = pid.ToString(CultureInfo.InvariantCulture);
        foreach (var h in _hierarchies)
        {
            CgroupFiles.Write(Dir(h), "cgroup.procs", text);
        }
        if (_unified is not null && Directory.Exists(_unified))
        {
            try
            {
                CgroupFiles.Write(_unified, "cgroup.procs", text);
            }
            catch (IOException)
            {
            }
        }
    }

    public ICgroup RenameTo(string path)
    {
        if (_unified is not null)
        {
            throw new NotSupportedException("a cgroup with a place in the v2 tree cannot be renamed (cgroup2 has no rename)");
        }
        var renamed = new CgroupV1(_hierarchies, path, _kernel);
        var done = new List<CgroupHierarchy>();
        try
        {
            foreach (var h in _hierarchies)
            {
                Directory.Move(Dir(h), renamed.Dir(h));
                done.Add(h);
            }
        }
        catch (IOException)
        {
            // All hierarchies or none: put back what moved.
            foreach (var h in done)
            {
                Directory.Move(renamed.Dir(h), Dir(h));
            }
            throw;
        }
        return renamed;
    }

    public IReadOnlyList<int> Processes() =>
        _hierarchies.Count == 0 ? [] : CgroupFiles.ReadPids(Dir(_hierarchies.FirstOrDefault(h => h.Controllers.Contains("pids")) ?? _hierarchies[0]));

    public bool Destroy(TimeSpan timeout)
    {
        var ok = true;
        foreach (var h in _hierarchies)
        {
            ok &= CgroupFiles.RemoveDir(Dir(h), timeout, _ => _kernel);
        }
        if (_unified is not null)
        {
            ok &= CgroupFiles.RemoveDir(_unified, timeout, _ => _kernel);
        }
        return ok;
    }

    public IReadOnlyList<CgroupMountSource> MountSources() =>
        _hierarchies.Select(h => new CgroupMountSource(System.IO.Path.GetFileName(h.MountPoint), Dir(h))).ToList();

    internal static string DeviceRule(LinuxDeviceCgroup d)
    {
        if (d.Type is null or "a" && d.Major is null && d.Minor is null)
        {
            return "a";
        }
        var major = d.Major is { } ma ? ma.ToString(CultureInfo.InvariantCulture) : "*";
        var minor = d.Minor is { } mi ? mi.ToString(CultureInfo.InvariantCulture) : "*";
        return $"{d.Type ?? "a"} {major}:{minor} {d.Access ?? "rwm"}";
    }

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);
}

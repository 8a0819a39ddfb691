using System.Globalization;
using Berth.Oci;

namespace Berth.Runtime.Cgroups;

/// <summary>cgroup v2: one unified tree; controllers are enabled down the path through cgroup.subtree_control.</summary>
internal sealed partial class CgroupV2 : ICgroup
{
    private readonly string _root;
    private readonly bool _kernel;

    public CgroupV2(string root, string path, bool kernel)
    {
        _root = root;
        Path = path;
        _kernel = kernel;
    }

    public string Path { get; }

    public string Dir => System.IO.Path.Join(_root, Path);

    public long OomKills() => CgroupFiles.ReadKey(Dir, "memory.events", "oom_kill");

    public void Create()
    {
        var available = (CgroupFiles.Read(_root, "cgroup.controllers") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var wanted = available.Where(c => c is "cpu" or "cpuset" or "memory" or "pids" or "io" or "hugetlb").ToList();
        var dir = _root;
        foreach (var part in Path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (wanted.Count > 0)
            {
                var enabled = (CgroupFiles.Read(dir, "cgroup.subtree_control") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var missing = wanted.Except(enabled).ToList();
                if (missing.Count > 0)
                {
                    var value = string.Join(' ', missing.Select(c => "+" + c));
                    // compat(kernel): the fake tree of the tests keeps the text; the kernel keeps the set.
                    CgroupFiles.Write(dir, "cgroup.subtree_control", _kernel ? value : string.Join(' ', enabled.Concat(missing)));
                }
            }
            dir = System.IO.Path.Join(dir, part);
            Directory.CreateDirectory(dir);
        }
    }

    public void Apply(LinuxResources? r)
    {
        if (r is null)
        {
            return;
        }
        if (r.Devices is { Count: > 0 } && _kernel)
        {
            // v2 has no devices.allow: the rules become an eBPF program on the cgroup (a fake tree has no kernel).
            Berth.Linux.CgroupDeviceProgram.Replace(Dir, DeviceFilter.Compile(r.Devices));
        }
        if (r.Memory is { } m)
        {
            if (m.Reservation is > 0)
            {
                CgroupFiles.Write(Dir, "memory.low", Num(m.Reservation.Value));
            }
            if (m.Limit is > 0)
            {
                CgroupFiles.Write(Dir, "memory.max", Num(m.Limit.Value));
                // v1 "memsw" counts memory+swap; v2 counts swap alone.
                if (m.Swap is { } s && s != 0)
                {
                    CgroupFiles.Write(Dir, "memory.swap.max", s < 0 ? "max" : Num(Math.Max(0, s - m.Limit.Value)));
                }
            }
            if (m.DisableOOMKiller == true)
            {
                CgroupFiles.Write(Dir, "memory.oom.group", "0");
            }
        }
        if (r.Cpu is { } c)
        {
            if (c.Shares is > 0)
            {
                CgroupFiles.Write(Dir, "cpu.weight", SharesToWeight(c.Shares.Value).ToString(CultureInfo.InvariantCulture));
            }
            if (c.Quota is { } q && q != 0 || c.Period is > 0)
            {
                var quota = c.Quota is { } qq && qq > 0 ? Num(qq) : "max";
                CgroupFiles.Write(Dir, "cpu.max", $"{quota} {c.Period ?? 100000}");
            }
            if (!string.IsNullOrEmpty(c.Cpus))
            {
                CgroupFiles.Write(Dir, "cpuset.cpus", c.Cpus);
            }
            if (!string.IsNullOrEmpty(c.Mems))
            {
                CgroupFiles.Write(Dir, "cpuset.mems", c.Mems);
            }
        }
        if (r.Pids is { } p)
        {
            CgroupFiles.Write(Dir, "pids.max", p.Limit > 0 ? Num(p.Limit) : "max");
        }
        if (r.BlockIO is { } io)
        {
            if (io.Weight is { } w and > 0)
            {
                CgroupFiles.Write(Dir, "io.weight", BlkioWeightToIoWeight(w).ToString(CultureInfo.InvariantCulture));
            }
            foreach (var d in io.WeightDevice ?? [])
            {
                if (d.Weight is not (> 0 and var dw))
                {
                    continue;
                }
                CgroupFiles.Write(Dir, "io.weight", $"{d.Major}:{d.Minor} {BlkioWeightToIoWeight(dw)}");
            }
            // io.max takes one device's limits per line; keys left out keep their value.
            foreach (var (key, devices) in new[]
            {
                ("rbps", io.ThrottleReadBpsDevice), ("wbps", io.ThrottleWriteBpsDevice),
                ("riops", io.ThrottleReadIOPSDevice), ("wiops", io.ThrottleWriteIOPSDevice),
            })
            {
                foreach (var d in devices ?? [])
                {
                    CgroupFiles.Write(Dir, "io.max", $"{d.Major}:{d.Minor} {key}={d.Rate}");
                }
            }
        }
    }

    public void AddProcess(int pid) => CgroupFiles.Write(Dir, "cgroup.procs", pid.ToString(CultureInfo.InvariantCulture));

    // kernel: cgroup2 directories cannot be renamed (its kernfs operations have no rename).
    public ICgroup RenameTo(string path) => throw new NotSupportedException("cgroup v2 directories cannot be renamed");

    public IReadOnlyList<int> Processes() => CgroupFiles.ReadPids(Dir);

    public bool Destroy(TimeSpan timeout)
    {
        if (_kernel && Directory.Exists(Dir))
        {
            // cgroup.kill (Linux 5.14) ends every process of the cgroup at once.
            try
            {
                CgroupFiles.Write(Dir, "cgroup.kill", "1");
            }
            catch (IOException)
            {
            }
        }
        return CgroupFiles.RemoveDir(Dir, timeout, _ => _kernel);
    }

    public IReadOnlyList<CgroupMountSource> MountSources() => [new CgroupMountSource("", Dir)];

    /// <summary>The conversion runc and crun use from cpu.shares [2, 262144] to cpu.weight [1, 10000].</summary>
    public static ulong SharesToWeight(ulong shares) =>
        shares == 0 ? 0 : 1 + ((Math.Clamp(shares, 2, 262144) - 2) * 9999 / 262142);

    public static ushort BlkioWeightToIoWeight(ushort weight) => (ushort)(1 + ((weight - 10) * 9999 / 990));

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);
}

using Berth.Engine.Model;
using Berth.Oci;

namespace Berth.Engine.Tests;

/// <summary>The OCI spec of a container, against Docker's defaults (moby's oci/defaults.go and daemon/oci_linux.go).</summary>
public sealed class SpecBuilderTests
{
    private static readonly UserLookup.ExecUser Root = new(0, 0, [0], "/root");

    private static Container Container(Action<ContainerConfig>? config = null, Action<HostConfig>? host = null)
    {
        var c = new Container
        {
            Id = new string('c', 64),
            Path = "/bin/sh",
            Args = ["-c", "echo hi"],
            ResolvConfPath = "/var/lib/berth/containers/c/resolv.conf",
            HostnamePath = "/var/lib/berth/containers/c/hostname",
            HostsPath = "/var/lib/berth/containers/c/hosts",
            Config = new ContainerConfig { Hostname = "cccccccccccc" },
            HostConfig = new HostConfig { NetworkMode = "default" },
        };
        config?.Invoke(c.Config);
        host?.Invoke(c.HostConfig);
        return c;
    }

    private static RuntimeSpec Build(Container c, UserLookup.ExecUser? user = null, bool privateCgroupns = true) =>
        SpecBuilder.Build(c, user ?? Root, "/run/berth/containers/c/rootfs", "/berth/c", privateCgroupns);

    [Fact]
    public void Annotations_reach_the_runtime_in_the_spec()
    {
        Assert.Null(Build(Container()).Annotations);
        var spec = Build(Container(host: h => h.Annotations = new() { ["com.example.team"] = "payments", ["empty"] = "" }));
        Assert.Equal(new Dictionary<string, string> { ["com.example.team"] = "payments", ["empty"] = "" }, spec.Annotations);
    }

    [Fact]
    public void The_process_gets_Dockers_fourteen_capabilities_and_no_inheritable_ones()
    {
        string[] docker =
        [
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
        ];
        var caps = Build(Container()).Process!.Capabilities!;
        Assert.Equal(docker, caps.Bounding);
        Assert.Equal(docker, caps.Effective);
        Assert.Equal(docker, caps.Permitted);
        Assert.True(caps.Inheritable is null or { Count: 0 }); // compat(docker): none since CVE-2022-24769
        Assert.True(caps.Ambient is null or { Count: 0 });
    }

    [Fact]
    public void Proc_and_sys_paths_are_masked_and_read_only_as_Docker_does()
    {
        var linux = Build(Container()).Linux!;
        // Docker 20.10's lists (API 1.41); later Docker versions mask more, never less.
        Assert.Superset(new HashSet<string>
        {
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        }, linux.MaskedPaths!.ToHashSet());
        Assert.Equal(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"], linux.ReadonlyPaths);
    }

    [Fact]
    public void Current_Docker_masks_powercap_and_interrupts()
    {
        var masked = Build(Container()).Linux!.MaskedPaths!;
        Assert.Contains("/sys/devices/virtual/powercap", masked);
        Assert.Contains("/proc/interrupts", masked);
    }

    public static TheoryData<string, string, bool, string[]> Namespaces => new()
    {
        // row, network mode, private cgroup namespace, namespaces
        { "default network", "default", true, ["cgroup", "ipc", "mount", "network", "pid", "uts"] },
        { "bridge", "bridge", true, ["cgroup", "ipc", "mount", "network", "pid", "uts"] },
        { "none keeps its own empty network", "none", true, ["cgroup", "ipc", "mount", "network", "pid", "uts"] },
        { "host network", "host", true, ["cgroup", "ipc", "mount", "pid", "uts"] },
        { "host cgroup namespace", "default", false, ["ipc", "mount", "network", "pid", "uts"] },
    };

    [Theory]
    [MemberData(nameof(Namespaces))]
    public void Namespaces_follow_the_modes(string row, string network, bool privateCgroupns, string[] expected)
    {
        var spec = Build(Container(host: h => h.NetworkMode = network), privateCgroupns: privateCgroupns);
        var actual = spec.Linux!.Namespaces.Select(n => n.Type).Order(StringComparer.Ordinal).ToArray();
        Assert.True(expected.SequenceEqual(actual), $"{row}: {string.Join(',', actual)}");
        Assert.All(spec.Linux.Namespaces, n => Assert.Null(n.Path));
    }

    [Fact]
    public void Memory_limits_come_from_HostConfig()
    {
        var r = Build(Container(host: h =>
        {
            h.Memory = 64 << 20;
            h.MemorySwap = 128 << 20;
            h.MemoryReservation = 32 << 20;
            h.MemorySwappiness = 10;
        })).Linux!.Resources!;
        Assert.Equal(64L << 20, r.Memory!.Limit);
        Assert.Equal(128L << 20, r.Memory.Swap);
        Assert.Equal(32L << 20, r.Memory.Reservation);
        Assert.Equal(10ul, r.Memory.Swappiness);
    }

    [Fact]
    public void Unlimited_swap_and_unset_swappiness_are_passed_as_Docker_does()
    {
        var r = Build(Container(host: h =>
        {
            h.Memory = 64 << 20;
            h.MemorySwap = -1;
            h.MemorySwappiness = -1;
        })).Linux!.Resources!;
        Assert.Equal(-1L, r.Memory!.Swap);
        Assert.Null(r.Memory.Swappiness);
    }

    public static TheoryData<string, long, long, long, long?, ulong?> Cpus => new()
    {
        // row, NanoCpus, CpuPeriod, CpuQuota, quota, period
        { "1.5 CPUs", 1_500_000_000, 0, 0, 150_000, 100_000 },
        { "0.01 CPU", 10_000_000, 0, 0, 1_000, 100_000 },
        { "2 CPUs", 2_000_000_000, 0, 0, 200_000, 100_000 },
        { "quota and period", 0, 50_000, 25_000, 25_000, 50_000 },
        { "quota with the default period", 0, 0, 25_000, 25_000, 100_000 },
    };

    [Theory]
    [MemberData(nameof(Cpus))]
    public void Cpu_quota_comes_from_NanoCpus_or_quota_and_period(string row, long nano, long period, long quota, long? expectedQuota, ulong? expectedPeriod)
    {
        var cpu = Build(Container(host: h =>
        {
            h.NanoCpus = nano;
            h.CpuPeriod = period;
            h.CpuQuota = quota;
        })).Linux!.Resources!.Cpu!;
        Assert.True(expectedQuota == cpu.Quota && expectedPeriod == cpu.Period, $"{row}: {cpu.Quota}/{cpu.Period}");
    }

    [Fact]
    public void Shares_cpusets_pids_and_blkio_weight_pass_through()
    {
        var r = Build(Container(host: h =>
        {
            h.CpuShares = 512;
            h.CpusetCpus = "0-1";
            h.CpusetMems = "0";
            h.PidsLimit = 100;
            h.BlkioWeight = 300;
        })).Linux!.Resources!;
        Assert.Equal(512ul, r.Cpu!.Shares);
        Assert.Equal("0-1", r.Cpu.Cpus);
        Assert.Equal("0", r.Cpu.Mems);
        Assert.Null(r.Cpu.Quota);
        Assert.Equal(100, r.Pids!.Limit);
        Assert.Equal((ushort)300, r.BlockIO!.Weight);
    }

    [Fact]
    public void No_limits_means_no_limit_sections()
    {
        var r = Build(Container()).Linux!.Resources!;
        Assert.Null(r.Memory);
        Assert.Null(r.Cpu);
        Assert.Null(r.Pids);
        Assert.Null(r.BlockIO);
        // The device cgroup: deny all, then Docker's allow-list (null, zero, full, random, urandom, tty, console, ptmx, pts, tun).
        var devices = r.Devices!;
        Assert.False(devices[0].Allow);
        Assert.Equal("rwm", devices[0].Access);
        Assert.Contains(devices, d => d.Allow && d.Type == "c" && d.Major == 1 && d.Minor == 3 && d.Access == "rwm");
        Assert.Contains(devices, d => d.Allow && d.Type == "c" && d.Major == 136 && d.Minor is null);
    }

    public static TheoryData<string, bool, string[], string[]> Environments => new()
    {
        // row, tty, the container's Env (image's merged with the user's), the process environment (sorted)
        { "defaults", false, [], ["HOME=/root", "HOSTNAME=cccccccccccc", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
        { "TERM with a tty", true, [], ["HOME=/root", "HOSTNAME=cccccccccccc", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"] },
        { "the image's PATH replaces the default", false, ["PATH=/opt/bin:/bin", "A=1"], ["A=1", "HOME=/root", "HOSTNAME=cccccccccccc", "PATH=/opt/bin:/bin"] },
        { "the user's HOME and TERM win", true, ["HOME=/home/x", "TERM=dumb"], ["HOME=/home/x", "HOSTNAME=cccccccccccc", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=dumb"] },
        { "a value with an equals sign", false, ["OPTS=a=b"], ["HOME=/root", "HOSTNAME=cccccccccccc", "OPTS=a=b", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
    };

    [Theory]
    [MemberData(nameof(Environments))]
    public void The_environment_is_Dockers(string row, bool tty, string[] env, string[] expected)
    {
        var spec = Build(Container(config: c =>
        {
            c.Tty = tty;
            c.Env = [.. env];
        }));
        var actual = spec.Process!.Env!.Order(StringComparer.Ordinal).ToArray();
        Assert.True(expected.SequenceEqual(actual), $"{row}: {string.Join(' ', actual)}");
        Assert.Equal(tty, spec.Process.Terminal);
    }

    [Fact]
    public void The_environment_keeps_Dockers_order_and_bare_names_unset()
    {
        var env = Build(Container(config: c => c.Env = ["PATH=/opt/bin", "HOSTNAME", "A=1"])).Process!.Env!;
        Assert.Equal("PATH=/opt/bin", env[0]);
        Assert.DoesNotContain(env, e => e.StartsWith("HOSTNAME", StringComparison.Ordinal));
    }

    [Fact]
    public void The_user_cwd_args_root_and_hostname_are_set()
    {
        var user = new UserLookup.ExecUser(1000, 100, [100, 27], "/home/u");
        var spec = Build(Container(config: c =>
        {
            c.WorkingDir = "/app";
            c.Domainname = "example.com";
        }, host: h => h.ReadonlyRootfs = true), user);
        Assert.Equal(1000u, spec.Process!.User.Uid);
        Assert.Equal(100u, spec.Process.User.Gid);
        Assert.Equal([100u, 27u], spec.Process.User.AdditionalGids);
        Assert.Contains("HOME=/home/u", spec.Process.Env!);
        Assert.Equal("/app", spec.Process.Cwd);
        Assert.Equal(["/bin/sh", "-c", "echo hi"], spec.Process.Args);
        Assert.Equal("/run/berth/containers/c/rootfs", spec.Root!.Path);
        Assert.True(spec.Root.Readonly);
        Assert.Equal("cccccccccccc", spec.Hostname);
        Assert.Equal("example.com", spec.Domainname);
        Assert.Equal("/berth/c", spec.Linux!.CgroupsPath);
        Assert.Equal("/", Build(Container()).Process!.Cwd);
    }

    [Fact]
    public void The_standard_mounts_are_Dockers()
    {
        var mounts = Build(Container(host: h => h.ShmSize = 128 << 20)).Mounts!;
        string Describe(string destination)
        {
            var m = Assert.Single(mounts, m => m.Destination == destination);
            return $"{m.Type} {m.Source} {string.Join(',', m.Options ?? [])}";
        }
        Assert.Equal("proc proc nosuid,noexec,nodev", Describe("/proc"));
        Assert.Equal("tmpfs tmpfs nosuid,strictatime,mode=755,size=65536k", Describe("/dev"));
        Assert.Equal("devpts devpts nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5", Describe("/dev/pts"));
        Assert.Equal("sysfs sysfs nosuid,noexec,nodev,ro", Describe("/sys"));
        Assert.Equal("cgroup cgroup ro,nosuid,noexec,nodev", Describe("/sys/fs/cgroup"));
        Assert.Equal("mqueue mqueue nosuid,noexec,nodev", Describe("/dev/mqueue"));
        Assert.Equal($"tmpfs shm nosuid,noexec,nodev,mode=1777,size={128 << 20}", Describe("/dev/shm"));
        Assert.Equal("bind /var/lib/berth/containers/c/resolv.conf rbind,rprivate", Describe("/etc/resolv.conf"));
        Assert.Equal("bind /var/lib/berth/containers/c/hostname rbind,rprivate", Describe("/etc/hostname"));
        Assert.Equal("bind /var/lib/berth/containers/c/hosts rbind,rprivate", Describe("/etc/hosts"));
        Assert.Contains("size=67108864", Build(Container()).Mounts!.Single(m => m.Destination == "/dev/shm").Options!);
    }

    [Fact]
    public void No_new_privileges_oom_score_ulimits_and_sysctls_pass_through()
    {
        var spec = Build(Container(host: h =>
        {
            h.SecurityOpt = ["no-new-privileges:true"];
            h.OomScoreAdj = 500;
            h.Ulimits = [new Ulimit { Name = "nofile", Soft = 1024, Hard = 2048 }];
            h.Sysctls = new() { ["net.ipv4.ip_forward"] = "1" };
        }));
        Assert.True(spec.Process!.NoNewPrivileges);
        Assert.Equal(500, spec.Process.OomScoreAdj);
        var rlimit = Assert.Single(spec.Process.Rlimits!);
        Assert.Equal(("RLIMIT_NOFILE", 1024ul, 2048ul), (rlimit.Type, rlimit.Soft, rlimit.Hard));
        Assert.Equal("1", spec.Linux!.Sysctl!["net.ipv4.ip_forward"]);
        Assert.False(Build(Container()).Process!.NoNewPrivileges);
    }

    [Fact]
    public void User_mounts_replace_the_defaults_at_their_destination_and_follow_them_shallowest_first()
    {
        Mount[] user =
        [
            new() { Destination = "/data/logs", Type = "bind", Source = "/srv/logs", Options = ["rbind", "rw", "rprivate"] },
            new() { Destination = "/data", Type = "bind", Source = "/srv/data", Options = ["rbind", "ro", "rprivate"] },
            new() { Destination = "/dev/shm", Type = "tmpfs", Source = "tmpfs", Options = ["size=1g"] },
        ];

        var mounts = SpecBuilder.Build(Container(), Root, "/r", "/berth/c", true, userMounts: user).Mounts;

        Assert.Single(mounts, m => m.Destination == "/dev/shm");
        Assert.Equal(["/data", "/data/logs", "/dev/shm"], mounts.Skip(mounts.Count - 3).Select(m => m.Destination));
    }

    [Fact]
    public void A_user_dev_replaces_every_default_below_dev()
    {
        Mount[] user = [new() { Destination = "/dev", Type = "bind", Source = "/dev", Options = ["rbind"] }];

        var mounts = SpecBuilder.Build(Container(), Root, "/r", "/berth/c", true, userMounts: user).Mounts;

        Assert.DoesNotContain(mounts, m => m.Destination.StartsWith("/dev/", StringComparison.Ordinal));
        Assert.Single(mounts, m => m.Destination == "/dev");
    }

    private static Container Running(string id, int pid, string ipcMode = "private")
    {
        var c = Container(host: h => h.IpcMode = ipcMode);
        c.Id = id;
        c.State = new ContainerState { Running = true, Pid = pid };
        return c;
    }

    [Fact]
    public void Host_modes_leave_their_namespaces_out_and_the_hostname_unset()
    {
        var spec = Build(Container(host: h => (h.PidMode, h.IpcMode, h.UTSMode) = ("host", "host", "host")), privateCgroupns: false);
        Assert.Equal(["mount", "network"], spec.Linux!.Namespaces.Select(n => n.Type).Order());
        Assert.Null(spec.Hostname);
    }

    [Fact]
    public void Container_modes_join_the_owners_namespaces_by_path()
    {
        var owner = Running(new string('a', 64), 4242, "shareable");
        var c = Container(host: h => (h.PidMode, h.IpcMode) = ("container:a", "container:a"));
        var spec = SpecBuilder.Build(c, Root, "/rootfs", "/berth/c", false, shared: new SharedNamespaces(Pid: owner, Ipc: owner, ShmSource: "/run/berth/containers/aaa/shm"));
        var byType = spec.Linux!.Namespaces.ToDictionary(n => n.Type, n => n.Path);
        Assert.Equal("/proc/4242/ns/pid", byType["pid"]);
        Assert.Equal("/proc/4242/ns/ipc", byType["ipc"]);
        Assert.Null(byType["uts"]);
        var shm = Assert.Single(spec.Mounts!, m => m.Destination == "/dev/shm");
        Assert.Equal(("bind", "/run/berth/containers/aaa/shm"), (shm.Type, shm.Source));
    }

    [Fact]
    public void Ipc_none_has_no_dev_shm_and_private_has_its_own_tmpfs()
    {
        Assert.DoesNotContain(Build(Container(host: h => h.IpcMode = "none")).Mounts!, m => m.Destination == "/dev/shm");
        var shm = Assert.Single(Build(Container(host: h => (h.IpcMode, h.ShmSize) = ("private", 1 << 20))).Mounts!, m => m.Destination == "/dev/shm");
        Assert.Equal("tmpfs", shm.Type);
        Assert.Contains("size=1048576", shm.Options!);
    }

    [Fact]
    public void A_device_is_made_in_the_container_and_allowed_in_its_cgroup()
    {
        var spec = Build(Container(host: h => h.Devices = [new DeviceMapping { PathOnHost = "/dev/null", PathInContainer = "/dev/mynull", CgroupPermissions = "r" }]));
        var node = Assert.Single(spec.Linux!.Devices!);
        Assert.Equal(("/dev/mynull", "c", 1L, 3L), (node.Path, node.Type, node.Major, node.Minor));
        var rule = spec.Linux.Resources!.Devices!.Last();
        Assert.Equal((true, "c", 1L, 3L, "r"), (rule.Allow, rule.Type, rule.Major, rule.Minor, rule.Access));
    }

    [Fact]
    public void A_device_directory_gives_every_device_below_it()
    {
        var spec = Build(Container(host: h => h.Devices = [new DeviceMapping { PathOnHost = "/dev/pts", PathInContainer = "/dev/hostpts", CgroupPermissions = "rwm" }]));
        Assert.Contains(spec.Linux!.Devices!, d => d.Path == "/dev/hostpts/ptmx" && d.Major == 5 && d.Minor == 2);
    }

    [Theory]
    [InlineData("/dev/does-not-exist", "error gathering device information while adding custom device \"/dev/does-not-exist\": no such file or directory")]
    [InlineData("/etc/hostname", "error gathering device information while adding custom device \"/etc/hostname\": not a device node")]
    public void A_path_that_is_not_a_device_is_refused_with_Dockers_message(string path, string message)
    {
        var e = Assert.Throws<Berth.Common.BerthException>(() => Build(Container(host: h => h.Devices = [new DeviceMapping { PathOnHost = path, PathInContainer = "/dev/x", CgroupPermissions = "rwm" }])));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("c 42:* rmw", "c", 42L, null, "rmw")]
    [InlineData("b *:* m", "b", null, null, "m")]
    [InlineData("a 1:3 r", "a", 1L, 3L, "r")]
    public void Device_cgroup_rules_are_read_as_Docker_reads_them(string text, string type, long? major, long? minor, string access)
    {
        var rule = ContainerDevices.ParseRule(text);
        Assert.Equal((true, type, major, minor, access), (rule.Allow, rule.Type, rule.Major, rule.Minor, rule.Access));
        Assert.Contains(Build(Container(host: h => h.DeviceCgroupRules = [text])).Linux!.Resources!.Devices!, r => r.Type == type && r.Major == major && r.Minor == minor && r.Access == access);
    }

    [Theory]
    [InlineData("c 42 rmw")]
    [InlineData("x 1:1 r")]
    [InlineData("c 1:1 rwx")]
    [InlineData("c 1:1 r\na *:* rwm")]
    public void A_malformed_device_cgroup_rule_is_refused(string text)
    {
        var e = Assert.Throws<Berth.Common.BerthException>(() => ContainerDevices.ParseRule(text));
        Assert.Equal($"invalid device cgroup rule format: '{text}'", e.Message);
    }

    [Theory]
    [InlineData("/etc/../dev/x")]
    [InlineData("/etc/x")]
    public void A_device_outside_dev_in_the_container_is_refused(string inContainer)
    {
        var host = new HostConfig { Devices = [new DeviceMapping { PathOnHost = "/dev/null", PathInContainer = inContainer }] };
        Assert.Throws<Berth.Common.BerthException>(() => ContainerDevices.Validate(host));
    }

    [Fact]
    public void Block_io_throttles_name_the_device_by_its_numbers()
    {
        var disk = Directory.EnumerateFileSystemEntries("/dev").FirstOrDefault(p => Berth.Linux.Fs.TryStat(p, out var st) && (st.st_mode & Berth.Linux.LibC.S_IFMT) == Berth.Linux.LibC.S_IFBLK);
        Assert.NotNull(disk); // a VM has its disk, a CI runner too
        var io = Build(Container(host: h => (h.BlkioDeviceReadBps, h.BlkioDeviceWriteIOps) = ([new ThrottleDevice { Path = disk!, Rate = 1048576 }], [new ThrottleDevice { Path = disk!, Rate = 100 }]))).Linux!.Resources!.BlockIO!;
        Assert.True(Berth.Linux.Fs.TryStat(disk!, out var st));
        var read = Assert.Single(io.ThrottleReadBpsDevice!);
        Assert.Equal((Berth.Linux.LibC.major(st.st_rdev), Berth.Linux.LibC.minor(st.st_rdev), 1048576UL), (read.Major, read.Minor, read.Rate));
        Assert.Equal(100UL, Assert.Single(io.ThrottleWriteIOPSDevice!).Rate);
        var e = Assert.Throws<Berth.Common.BerthException>(() => Build(Container(host: h => h.BlkioDeviceReadBps = [new ThrottleDevice { Path = "/dev/null", Rate = 1 }])));
        Assert.Equal("/dev/null is not a block device", e.Message);
    }
}

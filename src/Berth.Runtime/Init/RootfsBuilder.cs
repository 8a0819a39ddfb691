using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Cgroups;

namespace Berth.Runtime.Init;

/// <summary>
/// Builds the container's root inside its fresh mount namespace: the spec's mounts, the standard /dev nodes and
/// links, then pivot_root. Every destination is resolved inside the rootfs with openat2(RESOLVE_IN_ROOT) and
/// mounted through its /proc/self/fd path, so a symlink planted in the image cannot redirect a mount to the host.
/// </summary>
internal sealed class RootfsBuilder
{
    private static readonly (string Name, uint Major, uint Minor)[] DefaultDevices =
    [
        ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
    ];

    private readonly RuntimeSpec _spec;
    private readonly string _rootfs;
    private readonly string _bundle;

    private readonly CgroupGate? _gate;
    private CgroupDriver? _cgroupDriver;

    public RootfsBuilder(RuntimeSpec spec, string bundle, CgroupGate? gate = null)
    {
        _spec = spec;
        _gate = gate;
        _bundle = bundle;
        var path = spec.Root?.Path ?? "rootfs";
        _rootfs = Path.IsPathRooted(path) ? path : Path.Join(bundle, path);
    }

    public void Prepare()
    {
        var propagation = _spec.Linux?.RootfsPropagation switch
        {
            "shared" or "rshared" => LibC.MS_SHARED | LibC.MS_REC,
            "private" or "rprivate" => LibC.MS_PRIVATE | LibC.MS_REC,
            "unbindable" or "runbindable" => LibC.MS_UNBINDABLE | LibC.MS_REC,
            _ => LibC.MS_SLAVE | LibC.MS_REC,
        };
        // The host's cgroup mounts as they are before the root gets any: a /sys bound from the host brings copies.
        _cgroupDriver = CgroupDriver.Detect();
        // Nothing we mount from here on may propagate back to the host.
        Mounts.Mount(null, "/", null, propagation);
        // pivot_root needs the new root to be a mount point.
        Mounts.Mount(_rootfs, _rootfs, null, LibC.MS_BIND | LibC.MS_REC);

        using var root = Fs.Open(_rootfs, LibC.O_PATH | LibC.O_DIRECTORY);
        var devIsTmpfs = false;
        var cgroupMounts = new List<Mount>();
        foreach (var m in _spec.Mounts)
        {
            if (m.Type is "cgroup" or "cgroup2")
            {
                cgroupMounts.Add(m); // last: they may have to wait until the container is in its cgroup
                continue;
            }
            MountOne(root, m);
            if (Clean(m.Destination) == "/dev" && m.Type == "tmpfs")
            {
                devIsTmpfs = true;
            }
        }
        foreach (var m in cgroupMounts)
        {
            MountOne(root, m);
        }
        if (devIsTmpfs)
        {
            CreateDevices(root);
        }
        PivotRoot();
    }

    private static string Clean(string p) => "/" + string.Join('/', p.Split('/', StringSplitOptions.RemoveEmptyEntries));

    private void MountOne(SafeFd root, Mount m)
    {
        var dest = Clean(m.Destination);
        if (dest.Split('/').Contains(".."))
        {
            throw new InvalidOperationException($"mount destination {m.Destination} leaves the rootfs");
        }
        var opts = MountOptions.Parse(m.Options);
        if (m.Type == "bind" || opts.IsBind)
        {
            MountBind(root, m, dest, opts);
            return;
        }
        if (m.Type == "cgroup" || m.Type == "cgroup2")
        {
            MountCgroup(root, dest, opts);
            return;
        }
        using (var target = Fs.MkdirAllInRoot(root, dest))
        {
            try
            {
                Mounts.Mount(m.Source ?? m.Type, target.ProcPath, m.Type, opts.Flags & ~LibC.MS_REMOUNT, opts.Data.Length > 0 ? opts.Data : null);
            }
            catch (LinuxException e) when (e.Errno == LibC.EPERM && m.Type == "sysfs" && UserNamespace.Wanted(_spec))
            {
                // kernel: sysfs wants the network namespace owned by the mounter's user namespace, and one joined by
                // path (--network container:X) is not: the host's /sys instead, bound read-only, as runc does.
                Mounts.Mount("/sys", target.ProcPath, null, LibC.MS_BIND | LibC.MS_REC);
                using var bound = Fs.OpenInRoot(root, dest, LibC.O_PATH);
                Mounts.Mount(null, bound.ProcPath, null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY | (opts.Flags & (LibC.MS_NOSUID | LibC.MS_NODEV | LibC.MS_NOEXEC)));
            }
        }
        if (opts.Propagation != 0)
        {
            using var mounted = Fs.OpenInRoot(root, dest, LibC.O_PATH);
            Mounts.Mount(null, mounted.ProcPath, null, opts.Propagation);
        }
    }

    private void MountBind(SafeFd root, Mount m, string dest, MountOptions opts)
    {
        var source = m.Source ?? throw new InvalidOperationException($"bind mount on {dest} has no source");
        if (!Path.IsPathRooted(source))
        {
            source = Path.Join(_bundle, source);
        }
        var st = Fs.Lstat(source);
        var isDir = (st.st_mode & LibC.S_IFMT) == LibC.S_IFDIR;
        if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFLNK)
        {
            isDir = Directory.Exists(source);
        }
        using (var target = isDir ? Fs.MkdirAllInRoot(root, dest) : CreateFileInRoot(root, dest))
        {
            Mounts.Mount(source, target.ProcPath, null, LibC.MS_BIND | (opts.Flags & LibC.MS_REC));
        }
        var extra = opts.Flags & ~(LibC.MS_BIND | LibC.MS_REC | LibC.MS_REMOUNT);
        if (extra != 0)
        {
            using var mounted = Fs.OpenInRoot(root, dest, LibC.O_PATH);
            // A remount keeps the flags the kernel locks on the source (nosuid, nodev, noexec of the host's mount).
            Mounts.Mount(null, mounted.ProcPath, null, LibC.MS_BIND | LibC.MS_REMOUNT | extra | LockedFlags(mounted.ProcPath));
        }
        if (opts.RecursiveReadOnly)
        {
            using var mounted = Fs.OpenInRoot(root, dest, LibC.O_PATH);
            Mounts.MakeReadOnlyRecursive(mounted.ProcPath);
        }
        if (opts.Propagation != 0)
        {
            using var mounted = Fs.OpenInRoot(root, dest, LibC.O_PATH);
            Mounts.Mount(null, mounted.ProcPath, null, opts.Propagation);
        }
    }

    /// <summary>The per-mount flags of the mount at <paramref name="path"/> a bind remount must repeat.</summary>
    private static ulong LockedFlags(string path)
    {
        var st = Fs.StatVfsFlags(path);
        ulong flags = 0;
        if ((st & LibC.ST_NOSUID) != 0)
        {
            flags |= LibC.MS_NOSUID;
        }
        if ((st & LibC.ST_NODEV) != 0)
        {
            flags |= LibC.MS_NODEV;
        }
        if ((st & LibC.ST_NOEXEC) != 0)
        {
            flags |= LibC.MS_NOEXEC;
        }
        return flags;
    }

    private static SafeFd CreateFileInRoot(SafeFd root, string dest)
    {
        var parent = Path.GetDirectoryName(dest) ?? "/";
        Fs.MkdirAllInRoot(root, parent).Dispose();
        var existing = Fs.TryOpenInRoot(root, dest, LibC.O_PATH);
        if (existing is not null)
        {
            return existing;
        }
        Fs.OpenInRoot(root, dest, LibC.O_CREAT | LibC.O_WRONLY | LibC.O_NOFOLLOW, 0x1a4).Dispose();
        return Fs.OpenInRoot(root, dest, LibC.O_PATH);
    }

    /// <summary>v2: the cgroup2 filesystem (its root is the container's cgroup in a private cgroup namespace).
    /// v1: a tmpfs holding a read-only bind of the container's directory of each hierarchy, as runc does.</summary>
    private void MountCgroup(SafeFd root, string dest, MountOptions opts)
    {
        // The shim creates the cgroup while this init builds the rest of the root; cgroup2 also shows the
        // mounter's cgroup namespace. Both want the container in its cgroup first.
        _gate?.Enter();
        var driver = _cgroupDriver ?? CgroupDriver.Detect();
        var flags = opts.Flags & ~(LibC.MS_BIND | LibC.MS_REC | LibC.MS_REMOUNT);
        using (var target = Fs.MkdirAllInRoot(root, dest))
        {
            if (driver.Version == 2)
            {
                Mounts.Mount("cgroup2", target.ProcPath, "cgroup2", flags);
                return;
            }
            Mounts.Mount("tmpfs", target.ProcPath, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV | LibC.MS_NOEXEC, "mode=755");
        }
        var cgroup = driver.Open(_spec.Linux?.CgroupsPath ?? "/");
        foreach (var source in cgroup.MountSources())
        {
            using var sub = Fs.MkdirAllInRoot(root, dest + "/" + source.Name);
            Mounts.Mount(source.HostPath, sub.ProcPath, null, LibC.MS_BIND);
            using var mounted = Fs.OpenInRoot(root, dest + "/" + source.Name, LibC.O_PATH);
            Mounts.Mount(null, mounted.ProcPath, null, LibC.MS_BIND | LibC.MS_REMOUNT | flags);
        }
        if ((flags & LibC.MS_RDONLY) != 0)
        {
            using var top = Fs.OpenInRoot(root, dest, LibC.O_PATH);
            Mounts.Mount(null, top.ProcPath, null, LibC.MS_REMOUNT | LibC.MS_NOSUID | LibC.MS_NODEV | LibC.MS_NOEXEC | LibC.MS_RDONLY, "mode=755");
        }
    }

    private void CreateDevices(SafeFd root)
    {
        using var dev = Fs.OpenInRoot(root, "/dev", LibC.O_DIRECTORY | LibC.O_RDONLY);
        var devices = DefaultDevices.Select(d => new LinuxDevice { Path = "/dev/" + d.Name, Type = "c", Major = d.Major, Minor = d.Minor, FileMode = 0x1b6 }).ToList();
        foreach (var extra in _spec.Linux?.Devices ?? [])
        {
            devices.RemoveAll(d => d.Path == extra.Path);
            devices.Add(extra);
        }
        foreach (var d in devices)
        {
            var rel = Clean(d.Path);
            if (!rel.StartsWith("/dev/", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"device {d.Path} is outside /dev");
            }
            var parent = Path.GetDirectoryName(rel)!;
            if (parent != "/dev")
            {
                Fs.MkdirAllInRoot(root, parent).Dispose();
            }
            var type = d.Type switch
            {
                "b" => LibC.S_IFBLK,
                "p" => LibC.S_IFIFO,
                _ => LibC.S_IFCHR,
            };
            var name = rel["/dev/".Length..];
            LibC.unlinkat(dev.Fd, name, 0);
            if (UserNamespace.Wanted(_spec))
            {
                // kernel: mknod is refused in a user namespace; bind the host's node instead, as runc does.
                using var node = CreateFileInRoot(root, rel);
                Mounts.Mount(d.Path, node.ProcPath, null, LibC.MS_BIND);
                continue;
            }
            Sys.Check(LibC.mknodat(dev.Fd, name, type | (d.FileMode ?? 0x1b6) & 0xfff, LibC.makedev((uint)d.Major, (uint)d.Minor)), "mknod", d.Path);
            Sys.Check(LibC.fchownat(dev.Fd, name, d.Uid ?? 0, d.Gid ?? 0, LibC.AT_SYMLINK_NOFOLLOW), "chown", d.Path);
        }
        (string Link, string Target)[] links =
        [
            ("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"),
        ];
        foreach (var (link, target) in links)
        {
            if (LibC.symlinkat(target, dev.Fd, link) < 0 && Sys.LastErrno != LibC.EEXIST)
            {
                throw new LinuxException("symlink", "/dev/" + link, Sys.LastErrno);
            }
        }
        if (File.Exists("/proc/kcore"))
        {
            LibC.symlinkat("/proc/kcore", dev.Fd, "core");
        }
        // With a private devpts instance, /dev/ptmx must be its ptmx.
        LibC.unlinkat(dev.Fd, "ptmx", 0);
        Sys.Check(LibC.symlinkat("pts/ptmx", dev.Fd, "ptmx"), "symlink", "/dev/ptmx");
    }

    private void PivotRoot()
    {
        using var oldRoot = Fs.Open("/", LibC.O_DIRECTORY | LibC.O_RDONLY);
        using var newRoot = Fs.Open(_rootfs, LibC.O_DIRECTORY | LibC.O_RDONLY);
        Sys.Check(LibC.fchdir(newRoot.Fd), "fchdir", _rootfs);
        // pivot_root(".", ".") stacks the old root on top of the new one; it is then detached (runc's way).
        Sys.Check(LibC.pivot_root(".", "."), "pivot_root", _rootfs);
        Sys.Check(LibC.fchdir(oldRoot.Fd), "fchdir", "old root");
        Mounts.Mount(null, ".", null, LibC.MS_SLAVE | LibC.MS_REC);
        Mounts.Unmount(".", LibC.MNT_DETACH);
        Sys.Check(LibC.chdir("/"), "chdir", "/");
    }

    /// <summary>After pivot_root: hide what Docker hides and make read-only what it makes read-only.</summary>
    public static void ProtectPaths(LinuxConfig? linux)
    {
        if (linux is null)
        {
            return;
        }
        using var root = Fs.Open("/", LibC.O_PATH | LibC.O_DIRECTORY);
        foreach (var p in linux.ReadonlyPaths ?? [])
        {
            using var fd = Fs.TryOpenInRoot(root, p, LibC.O_PATH);
            if (fd is null)
            {
                continue;
            }
            Mounts.Mount(fd.ProcPath, fd.ProcPath, null, LibC.MS_BIND | LibC.MS_REC);
            using var mounted = Fs.OpenInRoot(root, p, LibC.O_PATH);
            Mounts.Mount(null, mounted.ProcPath, null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY | LibC.MS_NOSUID | LibC.MS_NODEV | LibC.MS_NOEXEC);
        }
        using var devNull = linux.MaskedPaths is { Count: > 0 } ? OpenNullDevice(root) : null;
        foreach (var p in linux.MaskedPaths ?? [])
        {
            using var fd = Fs.TryOpenInRoot(root, p, LibC.O_PATH);
            if (fd is null)
            {
                continue;
            }
            var st = Fs.Fstat(fd);
            if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFDIR)
            {
                Mounts.Mount("tmpfs", fd.ProcPath, "tmpfs", LibC.MS_RDONLY, null);
            }
            else
            {
                Mounts.Mount(devNull!.ProcPath, fd.ProcPath, null, LibC.MS_BIND);
            }
        }
    }

    /// <summary>
    /// The container's /dev/null, to bind over masked files. It is the container's to make (a /dev of the user's is
    /// a volume another container can fill), so it is opened without following a link and must be the null device
    /// (CVE-2025-31133: a /dev/null that was a link to /proc/sys/kernel/core_pattern put that file where a masked
    /// one was, and a missing one left the paths unmasked). The bind is made from this descriptor, not the path.
    /// </summary>
    private static SafeFd OpenNullDevice(SafeFd root)
    {
        var fd = Fs.TryOpenInRoot(root, "/dev/null", LibC.O_PATH | LibC.O_NOFOLLOW)
            ?? throw new InvalidOperationException("cannot mask paths: /dev/null is missing");
        var st = Fs.Fstat(fd);
        if ((st.st_mode & LibC.S_IFMT) != LibC.S_IFCHR || st.st_rdev != LibC.makedev(1, 3))
        {
            fd.Dispose();
            throw new InvalidOperationException("cannot mask paths: /dev/null is not the null device (1:3)");
        }
        return fd;
    }
}

using System.Text;

namespace Berth.Linux;

/// <summary>File-system calls .NET does not offer (lchown, mknod, xattrs, openat2) and path resolution that stays
/// inside a root even when the tree under it is hostile.</summary>
public static unsafe class Fs
{
    public static SafeFd Open(string path, int flags, uint mode = 0) =>
        new(Sys.Check(LibC.open(path, flags | LibC.O_CLOEXEC, mode), "open", path));

    public static SafeFd OpenAt(SafeFd dir, string path, int flags, uint mode = 0) =>
        new(Sys.Check(LibC.openat(dir.Fd, path, flags | LibC.O_CLOEXEC, mode), "openat", path));

    /// <summary>Opens <paramref name="path"/> as if <paramref name="root"/> were <c>/</c>: symlinks and <c>..</c>
    /// cannot leave it (openat2 with RESOLVE_IN_ROOT and no magic links).</summary>
    public static SafeFd OpenInRoot(SafeFd root, string path, int flags, uint mode = 0)
    {
        var how = new LibC.OpenHow
        {
            flags = (ulong)(flags | LibC.O_CLOEXEC),
            mode = (flags & LibC.O_CREAT) != 0 ? mode : 0,
            resolve = LibC.RESOLVE_IN_ROOT | LibC.RESOLVE_NO_MAGICLINKS,
        };
        return new SafeFd(Sys.Check(LibC.openat2(root.Fd, Relative(path), how), "openat2", path));
    }

    /// <summary>Like <see cref="OpenInRoot"/> but returns null where the path does not exist.</summary>
    public static SafeFd? TryOpenInRoot(SafeFd root, string path, int flags)
    {
        var how = new LibC.OpenHow
        {
            flags = (ulong)(flags | LibC.O_CLOEXEC),
            resolve = LibC.RESOLVE_IN_ROOT | LibC.RESOLVE_NO_MAGICLINKS,
        };
        var fd = LibC.openat2(root.Fd, Relative(path), how);
        if (fd < 0)
        {
            var errno = Sys.LastErrno;
            if (errno == LibC.ENOENT)
            {
                return null;
            }
            throw new LinuxException("openat2", path, errno);
        }
        return new SafeFd(fd);
    }

    /// <summary>Opens <paramref name="path"/> beneath <paramref name="dir"/> following no symlink at all (openat2 with
    /// RESOLVE_BENEATH and RESOLVE_NO_SYMLINKS): a link anywhere on the path fails with ELOOP, a <c>..</c> out of
    /// <paramref name="dir"/> with EXDEV.</summary>
    public static SafeFd OpenBeneathNoSymlinks(SafeFd dir, string path, int flags)
    {
        var how = new LibC.OpenHow
        {
            flags = (ulong)(flags | LibC.O_CLOEXEC),
            resolve = LibC.RESOLVE_BENEATH | LibC.RESOLVE_NO_SYMLINKS | LibC.RESOLVE_NO_MAGICLINKS,
        };
        return new SafeFd(Sys.Check(LibC.openat2(dir.Fd, Relative(path), how), "openat2", path));
    }

    /// <summary>Creates every missing directory of <paramref name="path"/> under <paramref name="root"/>, never
    /// following a symlink out of it, and returns an O_PATH handle to the last one.</summary>
    public static SafeFd MkdirAllInRoot(SafeFd root, string path, uint mode = 0x1ed) => MkdirAllInRoot(root, path, mode, null, out _);

    /// <summary>As <see cref="MkdirAllInRoot(SafeFd, string, uint)"/>; the directories it creates get
    /// <paramref name="owner"/>, and <paramref name="created"/> says whether it created any.</summary>
    public static SafeFd MkdirAllInRoot(SafeFd root, string path, uint mode, (uint Uid, uint Gid)? owner, out bool created)
    {
        created = false;
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = OpenInRoot(root, "/", LibC.O_PATH | LibC.O_DIRECTORY);
        var sofar = "";
        foreach (var part in parts)
        {
            if (part == "..")
            {
                throw new LinuxException("mkdir", path, LibC.EINVAL);
            }
            sofar += "/" + part;
            var next = TryOpenInRoot(root, sofar, LibC.O_PATH | LibC.O_DIRECTORY);
            if (next is null)
            {
                // An O_PATH directory fd serves as the dirfd of mkdirat (Linux >= 2.6.39).
                using (var parent = current)
                {
                    if (LibC.mkdirat(parent.Fd, part, mode) < 0)
                    {
                        if (Sys.LastErrno != LibC.EEXIST)
                        {
                            throw new LinuxException("mkdir", sofar, Sys.LastErrno);
                        }
                    }
                    else
                    {
                        created = true;
                        if (owner is { } o)
                        {
                            Sys.Check(LibC.fchownat(parent.Fd, part, o.Uid, o.Gid, LibC.AT_SYMLINK_NOFOLLOW), "lchown", sofar);
                        }
                    }
                }
                next = OpenInRoot(root, sofar, LibC.O_PATH | LibC.O_DIRECTORY);
            }
            else
            {
                current.Dispose();
            }
            current = next;
        }
        return current;
    }

    private static string Relative(string path)
    {
        var rel = path.TrimStart('/');
        return rel.Length == 0 ? "." : rel;
    }

    public static void Mknod(string path, uint mode, ulong dev) =>
        Sys.Check(LibC.mknodat(LibC.AT_FDCWD, path, mode, dev), "mknod", path);

    public static void Lchown(string path, uint uid, uint gid) =>
        Sys.Check(LibC.fchownat(LibC.AT_FDCWD, path, uid, gid, LibC.AT_SYMLINK_NOFOLLOW), "lchown", path);

    public static void Chmod(string path, uint mode) =>
        Sys.Check(LibC.fchmodat(LibC.AT_FDCWD, path, mode, 0), "chmod", path);

    public static void Link(string existing, string newPath) =>
        Sys.Check(LibC.linkat(LibC.AT_FDCWD, existing, LibC.AT_FDCWD, newPath, 0), "link", newPath);

    public static void Symlink(string target, string linkPath) =>
        Sys.Check(LibC.symlinkat(target, LibC.AT_FDCWD, linkPath), "symlink", linkPath);

    /// <summary>Sets atime and mtime without following a symlink.</summary>
    public static void Lutimes(string path, DateTimeOffset atime, DateTimeOffset mtime)
    {
        var times = stackalloc LibC.Timespec[2];
        times[0] = ToTimespec(atime);
        times[1] = ToTimespec(mtime);
        Sys.Check(LibC.utimensat(LibC.AT_FDCWD, path, times, LibC.AT_SYMLINK_NOFOLLOW), "utimensat", path);
    }

    /// <summary>The mount flags (statvfs <c>f_flag</c>: ST_RDONLY, ST_NOSUID…) of the mount holding <paramref name="path"/>.</summary>
    public static ulong StatVfsFlags(string path)
    {
        Sys.Check(LibC.statvfs(path, out var st), "statvfs", path);
        return st.f_flag;
    }

    public static LibC.Stat Lstat(string path)
    {
        Sys.Check(LibC.fstatat(LibC.AT_FDCWD, path, out var st, LibC.AT_SYMLINK_NOFOLLOW), "lstat", path);
        return st;
    }

    public static bool TryLstat(string path, out LibC.Stat st) =>
        LibC.fstatat(LibC.AT_FDCWD, path, out st, LibC.AT_SYMLINK_NOFOLLOW) == 0;

    /// <summary>stat(2), symlinks followed; false when the path or its target does not exist.</summary>
    public static bool TryStat(string path, out LibC.Stat st) =>
        LibC.fstatat(LibC.AT_FDCWD, path, out st, 0) == 0;

    /// <summary>Whether <paramref name="path"/> is, or links to, a unix socket.</summary>
    public static bool IsSocket(string path) =>
        TryStat(path, out var st) && (st.st_mode & LibC.S_IFMT) == LibC.S_IFSOCK;

    public static LibC.Stat Fstat(SafeFd fd)
    {
        Sys.Check(LibC.fstat(fd.Fd, out var st), "fstat");
        return st;
    }

    public static void SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        fixed (byte* v = value)
        {
            Sys.Check(LibC.lsetxattr(path, name, v, value.Length, 0), "lsetxattr", path + " " + name);
        }
    }

    public static byte[]? GetXattr(string path, string name)
    {
        var buf = stackalloc byte[256];
        var n = LibC.lgetxattr(path, name, buf, 256);
        if (n < 0)
        {
            var errno = Sys.LastErrno;
            if (errno is LibC.ENODATA or LibC.EOPNOTSUPP)
            {
                return null;
            }
            throw new LinuxException("lgetxattr", path + " " + name, errno);
        }
        return new ReadOnlySpan<byte>(buf, (int)n).ToArray();
    }

    public static void WriteAll(SafeFd fd, ReadOnlySpan<byte> data, string what)
    {
        fixed (byte* p = data)
        {
            var off = 0;
            while (off < data.Length)
            {
                var n = LibC.write(fd.Fd, p + off, data.Length - off);
                if (n < 0)
                {
                    if (Sys.LastErrno == LibC.EINTR)
                    {
                        continue;
                    }
                    throw new LinuxException("write", what, Sys.LastErrno);
                }
                off += (int)n;
            }
        }
    }

    public static void WriteText(SafeFd fd, string text, string what) => WriteAll(fd, Encoding.UTF8.GetBytes(text), what);

    /// <summary>Writes a small file such as a cgroup knob or /proc entry in one write(2), as the kernel expects.</summary>
    public static void WriteFile(string path, string text)
    {
        using var fd = Open(path, LibC.O_WRONLY | LibC.O_TRUNC);
        WriteText(fd, text, path);
    }

    public static int Read(SafeFd fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = LibC.read(fd.Fd, p, buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }
                if (Sys.LastErrno != LibC.EINTR)
                {
                    throw new LinuxException("read", null, Sys.LastErrno);
                }
            }
        }
    }

    public static (SafeFd Read, SafeFd Write) Pipe()
    {
        var fds = stackalloc int[2];
        Sys.Check(LibC.pipe2(fds, LibC.O_CLOEXEC), "pipe2");
        return (new SafeFd(fds[0]), new SafeFd(fds[1]));
    }

    public static void SetCloexec(SafeFd fd, bool on)
    {
        Sys.Check(LibC.fcntl(fd.Fd, LibC.F_SETFD, on ? LibC.FD_CLOEXEC : 0), "fcntl(F_SETFD)");
    }

    private static LibC.Timespec ToTimespec(DateTimeOffset t)
    {
        var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return new LibC.Timespec { tv_sec = ticks / TimeSpan.TicksPerSecond, tv_nsec = ticks % TimeSpan.TicksPerSecond * 100 };
    }
}

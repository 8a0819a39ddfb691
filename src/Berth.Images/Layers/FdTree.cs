using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux;

namespace Berth.Images.Layers;

/// <summary>Listing and recursive removal relative to directory fds, never following a symlink: a hostile tree
/// cannot redirect a removal out of the layer root.</summary>
internal static unsafe class FdTree
{
    /// <summary>The entries of <paramref name="dir"/> without "." and "..": names as raw bytes, NUL-terminated for
    /// the *at calls, and the d_type (DT_UNKNOWN on file systems that do not fill it).</summary>
    public static List<(byte[] Name, byte Type)> List(SafeFd dir)
    {
        // A fresh open file description: getdents64 reads from the fd's offset, and the caller's fd may be reused.
        using var fd = new SafeFd(Sys.Check(LibC.openat(dir.Fd, ".", LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0), "openat", "."));
        var entries = new List<(byte[], byte)>();
        var buffer = new byte[32 * 1024];
        fixed (byte* p = buffer)
        {
            while (true)
            {
                var n = LibC.getdents64(fd.Fd, p, buffer.Length);
                if (n < 0)
                {
                    throw new LinuxException("getdents64", null, Sys.LastErrno);
                }
                if (n == 0)
                {
                    return entries;
                }
                for (var off = 0; off < n;)
                {
                    // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
                    var reclen = *(ushort*)(p + off + 16);
                    var type = p[off + 18];
                    var name = new ReadOnlySpan<byte>(p + off + 19, reclen - 19);
                    name = name[..name.IndexOf((byte)0)];
                    if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8))
                    {
                        var z = new byte[name.Length + 1];
                        name.CopyTo(z);
                        entries.Add((z, type));
                    }
                    off += reclen;
                }
            }
        }
    }

    /// <summary>Removes <paramref name="name"/> under <paramref name="dir"/> and everything below it; a missing name
    /// is not an error.</summary>
    public static void RemoveAll(SafeFd dir, string name)
    {
        var z = LibC.Utf8(name);
        fixed (byte* p = z)
        {
            RemoveAll(dir.Fd, p);
        }
    }

    public static void RemoveAll(int dirFd, byte[] name)
    {
        fixed (byte* p = name)
        {
            RemoveAll(dirFd, p);
        }
    }

    /// <summary>The entry's lstat mode (S_IFMT bits), or 0 when it does not exist.</summary>
    public static uint TypeOf(SafeFd dir, string name) =>
        LibC.fstatat(dir.Fd, name, out var st, LibC.AT_SYMLINK_NOFOLLOW) == 0 ? st.st_mode & LibC.S_IFMT
        : Sys.LastErrno == LibC.ENOENT ? 0u
        : throw new LinuxException("lstat", name, Sys.LastErrno);

    public static bool IsDirectory(SafeFd dir, byte[] name, byte type)
    {
        if (type != LibC.DT_UNKNOWN)
        {
            return type == LibC.DT_DIR;
        }
        fixed (byte* p = name)
        {
            return LibC.fstatat(dir.Fd, p, out var st, LibC.AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & LibC.S_IFMT) == LibC.S_IFDIR;
        }
    }

    /// <summary>Opens a child directory without following a symlink in its place.</summary>
    public static SafeFd OpenChildDirectory(SafeFd dir, byte[] name)
    {
        fixed (byte* p = name)
        {
            return new SafeFd(Sys.Check(LibC.openat(dir.Fd, p, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0), "openat", Display(name)));
        }
    }

    public static string Display(byte[] name) => Encoding.UTF8.GetString(name.AsSpan().TrimEnd((byte)0));

    private static void RemoveAll(int dirFd, byte* name)
    {
        if (LibC.unlinkat(dirFd, name, 0) == 0)
        {
            return;
        }
        var errno = Sys.LastErrno;
        if (errno == LibC.ENOENT)
        {
            return;
        }
        if (errno != LibC.EISDIR)
        {
            throw new LinuxException("unlinkat", Marshal.PtrToStringUTF8((nint)name), errno);
        }
        if (LibC.unlinkat(dirFd, name, LibC.AT_REMOVEDIR) == 0)
        {
            return;
        }
        errno = Sys.LastErrno;
        if (errno == LibC.ENOENT)
        {
            return;
        }
        if (errno is not (LibC.ENOTEMPTY or LibC.EEXIST))
        {
            throw new LinuxException("unlinkat", Marshal.PtrToStringUTF8((nint)name), errno);
        }
        using (var child = new SafeFd(Sys.Check(LibC.openat(dirFd, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0), "openat", Marshal.PtrToStringUTF8((nint)name))))
        {
            foreach (var (childName, _) in List(child))
            {
                RemoveAll(child.Fd, childName);
            }
        }
        Sys.Check(LibC.unlinkat(dirFd, name, LibC.AT_REMOVEDIR), "unlinkat", Marshal.PtrToStringUTF8((nint)name));
    }
}

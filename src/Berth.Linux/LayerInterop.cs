using System.Runtime.InteropServices;

namespace Berth.Linux;

#pragma warning disable CA1707, CA1401, IDE1006 // C names kept so the man page is the documentation.

// Calls the layer applier of Berth.Images needs beyond the skeleton's set: it works on directory fds only,
// so it sets times and xattrs through fds and lists directories with getdents64(2) instead of paths.
public static unsafe partial class LibC
{
    // getdents64(2) d_type values
    public const byte DT_UNKNOWN = 0, DT_DIR = 4, DT_LNK = 10;

    // setxattr(2) flags
    public const int XATTR_CREATE = 1, XATTR_REPLACE = 2;

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int fsetxattr(int fd, string name, byte* value, nint size, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int futimens(int fd, Timespec* times);

    // Byte-path overloads: names read back from getdents64(2) are bytes, and a name that is not UTF-8 must still be
    // removable exactly as it is on disk.
    [LibraryImport(Lib, SetLastError = true)]
    public static partial int openat(int dirfd, byte* path, int flags, uint mode);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int unlinkat(int dirfd, byte* path, int flags);

    [LibraryImport(Lib, SetLastError = true)]
    public static partial int fstatat(int dirfd, byte* path, out Stat buf, int flags);

    /// <summary>Fills <paramref name="dirp"/> with <c>struct linux_dirent64</c> records (glibc >= 2.30).</summary>
    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint getdents64(int fd, byte* dirp, nint count);
}

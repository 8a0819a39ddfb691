using System.Runtime.InteropServices;

namespace Berth.Linux;

#pragma warning disable CA1707, CA1401, IDE1006 // C names kept so the man page is the documentation.

// Calls the container archive (docker cp, export, diff) needs beyond the layer applier's: it reads trees through
// directory fds, so links are read and xattrs fetched by fd and by raw byte names.
public static unsafe partial class LibC
{
    /// <summary>getdents64(2) d_type of a character device.</summary>
    public const byte DT_CHR = 2;

    [LibraryImport(Lib, SetLastError = true)]
    public static partial nint readlinkat(int dirfd, byte* path, byte* buf, nint size);

    [LibraryImport(Lib, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint fgetxattr(int fd, string name, byte* value, nint size);
}

using System.Text;
using Berth.Images.Layers;
using Berth.Linux;
using Microsoft.Win32.SafeHandles;

namespace Berth.Images.Archive;

/// <summary>
/// Writes a file tree as tar, reading it only through directory fds and *at calls that never follow a symlink:
/// what a container put in its root (links to the host's files, names swapped meanwhile) is archived as what it
/// is, never followed. Directory entries come sorted by name (Go's <c>filepath.Walk</c> order, as Docker's), files
/// with several links become hardlinks to the first name seen, sockets are left out. Files the container sees
/// through a bind mount over its root (/etc/hostname and the like, <paramref name="overlays"/>: container path to
/// host file) are archived with the bound file's content, as the container sees them.
/// </summary>
internal sealed unsafe class TreeArchiver(TarStreamWriter tar, IReadOnlyDictionary<string, string>? overlays = null)
{
    /// <summary>Container paths left out, with what is below them (a layer diff leaves out the mount points the
    /// runtime made).</summary>
    public IReadOnlySet<string>? Skip { get; init; }

    /// <summary>The tree is an overlayfs upper directory: a 0/0 character device is written as the
    /// <c>.wh.NAME</c> whiteout and an opaque directory gets a <c>.wh..wh..opq</c> entry, as Docker's overlay
    /// driver writes a layer diff.</summary>
    public bool OverlayWhiteouts { get; init; }

    /// <summary>Directories are written without what is below them (a diff of listed changes).</summary>
    public bool Shallow { get; init; }

    /// <summary>The owners of the tree are host ids of a remapped container (its idmapped rootfs): the archive
    /// gets the container's, the id minus the range's start (the overflow id 65534 outside the range).</summary>
    public IdRangeShift? Unshift { get; init; }

    private readonly Dictionary<(ulong Dev, ulong Ino), byte[]> _seen = [];
    private readonly byte[] _buffer = new byte[128 * 1024];

    /// <summary>Archives <paramref name="name"/> of <paramref name="parent"/> (and what is below it) under the
    /// entry name <paramref name="entryName"/>.</summary>
    public void AddEntry(SafeFd parent, byte[] name, string entryName, string containerPath)
    {
        fixed (byte* n = name)
        {
            if (LibC.fstatat(parent.Fd, n, out var st, LibC.AT_SYMLINK_NOFOLLOW) < 0)
            {
                var errno = Sys.LastErrno;
                if (errno == LibC.ENOENT)
                {
                    return; // removed while we walked: Docker skips it too
                }
                throw new LinuxException("lstat", entryName, errno);
            }
            Add(parent, name, st, Encoding.UTF8.GetBytes(entryName), containerPath);
        }
    }

    /// <summary>Archives the directory <paramref name="dir"/> itself under <paramref name="entryName"/>, then its
    /// content; with a null entry name only the content, named relative to it (export).</summary>
    public void AddDirectory(SafeFd dir, string? entryName, string containerPath)
    {
        var st = Fs.Fstat(dir);
        if (entryName is not null)
        {
            var name = Encoding.UTF8.GetBytes(entryName);
            WriteHeader(DirName(name), st, (byte)'5', [], 0);
            AddChildren(dir, name, containerPath);
        }
        else
        {
            AddChildren(dir, null, containerPath);
        }
    }

    public void Finish() => tar.Finish();

    private void Add(SafeFd parent, byte[] name, LibC.Stat st, byte[] entryName, string containerPath)
    {
        switch (st.st_mode & LibC.S_IFMT)
        {
            case LibC.S_IFDIR:
                {
                    using var dir = OpenChild(parent, name, LibC.O_RDONLY | LibC.O_DIRECTORY, entryName);
                    if (dir is null)
                    {
                        return;
                    }
                    WriteHeader(DirName(entryName), st, (byte)'5', [], 0);
                    if (OverlayWhiteouts && IsOpaque(dir))
                    {
                        WriteHeader([.. DirName(entryName), .. ".wh..wh..opq"u8], st with { st_mode = st.st_mode & 0x1ff }, (byte)'0', [], 0);
                    }
                    if (!Shallow)
                    {
                        AddChildren(dir, entryName, containerPath);
                    }
                    return;
                }
            case LibC.S_IFCHR when OverlayWhiteouts && st.st_rdev == 0:
                WriteHeader(Whiteout(entryName), st with { st_mode = 0x180 }, (byte)'0', [], 0);
                return;
            case LibC.S_IFREG when overlays is not null && overlays.TryGetValue(containerPath, out var hostFile):
                AddOverlay(hostFile, entryName);
                return;
            case LibC.S_IFREG:
                AddFile(parent, name, st, entryName);
                return;
            case LibC.S_IFLNK:
                var target = Encoding.UTF8.GetBytes(ScopedPath.ReadLink(parent, name, Encoding.UTF8.GetString(entryName)));
                WriteHeader(entryName, st, (byte)'2', target, 0);
                return;
            case LibC.S_IFCHR:
                WriteHeader(entryName, st, (byte)'3', [], 0);
                return;
            case LibC.S_IFBLK:
                WriteHeader(entryName, st, (byte)'4', [], 0);
                return;
            case LibC.S_IFIFO:
                WriteHeader(entryName, st, (byte)'6', [], 0);
                return;
            default:
                // compat(docker): sockets are not archived.
                return;
        }
    }

    private void AddChildren(SafeFd dir, byte[]? prefix, string dirPath)
    {
        var children = FdTree.List(dir);
        children.Sort((a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
        foreach (var (raw, _) in children)
        {
            var name = raw.AsSpan(0, raw.Length - 1);
            byte[] entryName = prefix is null ? name.ToArray()
                : prefix.Length > 0 && prefix[^1] == '/' ? [.. prefix, .. name]
                : [.. prefix, (byte)'/', .. name];
            fixed (byte* n = raw)
            {
                if (LibC.fstatat(dir.Fd, n, out var st, LibC.AT_SYMLINK_NOFOLLOW) < 0)
                {
                    var errno = Sys.LastErrno;
                    if (errno == LibC.ENOENT)
                    {
                        continue;
                    }
                    throw new LinuxException("lstat", Encoding.UTF8.GetString(entryName), errno);
                }
                var containerPath = ScopedPath.JoinPath(dirPath, Encoding.UTF8.GetString(name));
                if (Skip is not null && Skip.Contains(containerPath))
                {
                    continue;
                }
                Add(dir, raw, st, entryName, containerPath);
            }
        }
    }

    /// <summary>A file bind-mounted over the container's root: the bound file, read by its host path (the
    /// engine's own file, not the container's).</summary>
    private void AddOverlay(string hostFile, byte[] entryName)
    {
        using var file = Fs.Open(hostFile, LibC.O_RDONLY | LibC.O_NOFOLLOW);
        var st = Fs.Fstat(file);
        WriteHeader(entryName, st, (byte)'0', [], st.st_size);
        CopyData(file, st.st_size);
    }

    private void AddFile(SafeFd parent, byte[] name, LibC.Stat st, byte[] entryName)
    {
        if (st.st_nlink > 1 && _seen.TryGetValue((st.st_dev, st.st_ino), out var first))
        {
            WriteHeader(entryName, st, (byte)'1', first, 0);
            return;
        }
        // O_NONBLOCK: a file swapped for a fifo meanwhile must not hang the archive; O_NOFOLLOW: nor a symlink
        // lead it out of the root.
        using var file = OpenChild(parent, name, LibC.O_RDONLY | LibC.O_NONBLOCK, entryName);
        if (file is null)
        {
            return;
        }
        st = Fs.Fstat(file);
        if ((st.st_mode & LibC.S_IFMT) != LibC.S_IFREG)
        {
            return;
        }
        if (st.st_nlink > 1)
        {
            _seen[(st.st_dev, st.st_ino)] = entryName;
        }
        WriteHeader(entryName, st, (byte)'0', [], st.st_size, Capability(file));
        CopyData(file, st.st_size);
    }

    private void CopyData(SafeFd file, long size)
    {
        var left = size;
        using var handle = new SafeFileHandle(file.DangerousGetHandle(), ownsHandle: false);
        long offset = 0;
        while (left > 0)
        {
            var n = RandomAccess.Read(handle, _buffer.AsSpan(0, (int)Math.Min(_buffer.Length, left)), offset);
            if (n == 0)
            {
                // The file shrank while it was read: the header promised st_size bytes.
                Array.Clear(_buffer);
                while (left > 0)
                {
                    var z = (int)Math.Min(_buffer.Length, left);
                    tar.WriteData(_buffer.AsSpan(0, z));
                    left -= z;
                }
                break;
            }
            tar.WriteData(_buffer.AsSpan(0, n));
            offset += n;
            left -= n;
        }
    }

    private static SafeFd? OpenChild(SafeFd parent, byte[] name, int flags, byte[] entryName)
    {
        fixed (byte* n = name)
        {
            var fd = LibC.openat(parent.Fd, n, flags | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
            if (fd < 0)
            {
                var errno = Sys.LastErrno;
                // Gone or replaced by a symlink since it was listed.
                if (errno is LibC.ENOENT or LibC.ELOOP or LibC.ENOTDIR)
                {
                    return null;
                }
                throw new LinuxException("open", Encoding.UTF8.GetString(entryName), errno);
            }
            return new SafeFd(fd);
        }
    }

    /// <summary>compat(docker): the one xattr Docker archives, file capabilities.</summary>
    private static IReadOnlyList<KeyValuePair<string, byte[]>> Capability(SafeFd file)
    {
        var buffer = stackalloc byte[256];
        var n = LibC.fgetxattr(file.Fd, "security.capability", buffer, 256);
        return n > 0 ? [new("security.capability", new ReadOnlySpan<byte>(buffer, (int)n).ToArray())] : [];
    }

    /// <summary>The whiteout that deletes <paramref name="entryName"/> in the layers below: <c>dir/.wh.name</c>.</summary>
    internal static byte[] Whiteout(ReadOnlySpan<byte> entryName)
    {
        var slash = entryName.LastIndexOf((byte)'/');
        return [.. entryName[..(slash + 1)], .. ".wh."u8, .. entryName[(slash + 1)..]];
    }

    private static bool IsOpaque(SafeFd dir)
    {
        var value = stackalloc byte[8];
        var n = LibC.fgetxattr(dir.Fd, "trusted.overlay.opaque", value, 8);
        return n == 1 && value[0] == (byte)'y';
    }

    internal void WriteWhiteout(string entryName) =>
        WriteHeader(Whiteout(Encoding.UTF8.GetBytes(entryName)), new LibC.Stat { st_mode = 0x180 }, (byte)'0', [], 0);

    private static byte[] DirName(byte[] name) => name.Length > 0 && name[^1] == '/' ? name : [.. name, (byte)'/'];

    private void WriteHeader(byte[] name, LibC.Stat st, byte type, byte[] link, long size, IReadOnlyList<KeyValuePair<string, byte[]>>? xattrs = null)
    {
        var typeBits = type switch
        {
            (byte)'5' => 0x4000,
            (byte)'2' => 0xA000,
            (byte)'3' => 0x2000,
            (byte)'4' => 0x6000,
            (byte)'6' => 0x1000,
            _ => 0x8000,
        };
        tar.WriteHeader(new TarOutEntry
        {
            Name = name,
            LinkName = link,
            TypeFlag = type,
            Mode = (long)((uint)typeBits | (st.st_mode & 0xfff)),
            Uid = Unshift is { } u ? u.UidOf(st.st_uid) : st.st_uid,
            Gid = Unshift is { } g ? g.GidOf(st.st_gid) : st.st_gid,
            Size = size,
            // compat(docker): times truncated to the second.
            MTimeSeconds = st.st_mtim.tv_sec,
            DevMajor = type is (byte)'3' or (byte)'4' ? LibC.major(st.st_rdev) : 0,
            DevMinor = type is (byte)'3' or (byte)'4' ? LibC.minor(st.st_rdev) : 0,
            Xattrs = xattrs ?? [],
        });
    }
}

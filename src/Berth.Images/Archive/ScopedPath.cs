using System.Text;
using Berth.Common;
using Berth.Linux;

namespace Berth.Images.Archive;

/// <summary>
/// Resolves a path inside a container's root as if that root were "/": every symlink on the way is read and
/// followed, an absolute target starts again at the root and ".." never climbs above it (Docker's
/// <c>FollowSymlinkInScope</c>). Components that do not exist are kept as written. Every look-up goes through a
/// directory opened with openat2(RESOLVE_IN_ROOT), so a tree that changes meanwhile can still not lead out of the
/// root; callers open the result the same way.
/// </summary>
internal static unsafe class ScopedPath
{
    // compat(docker): FollowSymlinkInScope gives up after 255 links.
    private const int MaxLinks = 255;

    /// <summary>The container-absolute, cleaned path <paramref name="path"/> leads to, every symlink followed.</summary>
    public static string Resolve(SafeFd root, string path)
    {
        var pending = new List<string>(Components(path));
        var resolved = new List<string>();
        var links = 0;
        for (var i = 0; i < pending.Count; i++)
        {
            var part = pending[i];
            if (part == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }
                continue;
            }
            var dir = "/" + string.Join('/', resolved);
            var target = ReadLinkIfSymlink(root, dir, part);
            if (target is null)
            {
                resolved.Add(part);
                continue;
            }
            if (++links > MaxLinks)
            {
                throw BerthException.Invalid($"evaluating symlinks in {path}: too many links");
            }
            if (target.StartsWith('/'))
            {
                resolved.Clear();
            }
            pending.InsertRange(i + 1, Components(target));
        }
        return "/" + string.Join('/', resolved);
    }

    /// <summary>Opens a container path with openat2(RESOLVE_IN_ROOT); null where it does not exist.</summary>
    public static SafeFd? TryOpen(SafeFd root, string path, int flags)
    {
        var how = new LibC.OpenHow
        {
            flags = (ulong)(flags | LibC.O_CLOEXEC),
            resolve = LibC.RESOLVE_IN_ROOT | LibC.RESOLVE_NO_MAGICLINKS,
        };
        var rel = path.TrimStart('/');
        for (var attempt = 0; ; attempt++)
        {
            var fd = LibC.openat2(root.Fd, rel.Length == 0 ? "." : rel, how);
            if (fd >= 0)
            {
                return new SafeFd(fd);
            }
            var errno = Sys.LastErrno;
            // kernel: RESOLVE_IN_ROOT answers EAGAIN when a rename raced its ".." checks; retrying is the contract.
            if (errno == LibC.EAGAIN && attempt < 16)
            {
                continue;
            }
            if (errno == LibC.ENOENT)
            {
                return null;
            }
            throw new LinuxException("openat2", path, errno);
        }
    }

    /// <summary>Like <see cref="TryOpen"/> as an O_PATH directory, but also null where a component is not a
    /// directory.</summary>
    public static SafeFd? TryOpenOrNull(SafeFd root, string dir)
    {
        try
        {
            return TryOpen(root, dir, LibC.O_PATH | LibC.O_DIRECTORY);
        }
        catch (LinuxException e) when (e.Errno is LibC.ENOTDIR or LibC.ELOOP)
        {
            return null;
        }
    }

    private static IEnumerable<string> Components(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");

    /// <summary>The target of <paramref name="name"/> in <paramref name="dir"/> when it is a symlink; null when it
    /// is something else or does not exist.</summary>
    private static string? ReadLinkIfSymlink(SafeFd root, string dir, string name)
    {
        using var parent = TryOpen(root, dir, LibC.O_PATH | LibC.O_DIRECTORY);
        if (parent is null)
        {
            return null;
        }
        if (LibC.fstatat(parent.Fd, name, out var st, LibC.AT_SYMLINK_NOFOLLOW) < 0)
        {
            var errno = Sys.LastErrno;
            return errno == LibC.ENOENT ? null : throw new LinuxException("lstat", JoinPath(dir, name), errno);
        }
        if ((st.st_mode & LibC.S_IFMT) != LibC.S_IFLNK)
        {
            return null;
        }
        return ReadLink(parent, Encoding.UTF8.GetBytes(name + "\0"), JoinPath(dir, name));
    }

    public static string ReadLink(SafeFd parent, byte[] nulTerminatedName, string what)
    {
        var buffer = stackalloc byte[4096];
        fixed (byte* n = nulTerminatedName)
        {
            var len = LibC.readlinkat(parent.Fd, n, buffer, 4096);
            if (len < 0)
            {
                throw new LinuxException("readlink", what, Sys.LastErrno);
            }
            return Encoding.UTF8.GetString(buffer, (int)len);
        }
    }

    public static string JoinPath(string dir, string name) => dir.EndsWith('/') ? dir + name : dir + "/" + name;
}

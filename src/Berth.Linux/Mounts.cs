namespace Berth.Linux;

/// <summary>mount(2) and umount2(2) with errors that name the target, and a reader of /proc/self/mountinfo.</summary>
public static class Mounts
{
    public static void Mount(string? source, string target, string? fstype, ulong flags, string? data = null)
    {
        if (LibC.mount(source, target, fstype, flags, data) < 0)
        {
            var what = fstype is null ? target : $"{fstype} {source} on {target}";
            throw new LinuxException("mount", what, Sys.LastErrno);
        }
    }

    /// <summary>Makes the mount at <paramref name="target"/> and every mount beneath it read-only (a recursive
    /// read-only bind; mount(2) can only change one mount at a time).</summary>
    public static void MakeReadOnlyRecursive(string target) =>
        Sys.Check(LibC.mount_setattr(LibC.AT_FDCWD, target, LibC.AT_RECURSIVE, new LibC.MountAttr { attr_set = LibC.MOUNT_ATTR_RDONLY }), "mount_setattr", target);

    /// <summary>A detached, read-only bind mount of the file or directory at <paramref name="path"/> (open_tree with
    /// OPEN_TREE_CLONE, then mount_setattr): attached nowhere, reachable only through the descriptor returned and what
    /// is opened or executed through it, and nothing reached that way can be opened for writing (EROFS), whatever the
    /// file's own mount allows. Unmounted when the last reference goes.</summary>
    public static SafeFd CloneReadOnly(string path)
    {
        var tree = new SafeFd(Sys.Check(LibC.open_tree(LibC.AT_FDCWD, path, LibC.OPEN_TREE_CLONE | LibC.O_CLOEXEC), "open_tree", path));
        if (LibC.mount_setattr(tree.Fd, "", (uint)LibC.AT_EMPTY_PATH, new LibC.MountAttr { attr_set = LibC.MOUNT_ATTR_RDONLY }) < 0)
        {
            var errno = Sys.LastErrno;
            tree.Dispose();
            throw new LinuxException("mount_setattr", path, errno);
        }
        return tree;
    }

    public static void Unmount(string target, int flags = 0) =>
        Sys.Check(LibC.umount2(target, flags), "umount2", target);

    /// <summary>Unmounts if mounted; a target that is not a mount point is not an error.</summary>
    public static bool TryUnmount(string target, int flags = LibC.MNT_DETACH)
    {
        if (LibC.umount2(target, flags | LibC.UMOUNT_NOFOLLOW) == 0)
        {
            return true;
        }
        var errno = Sys.LastErrno;
        if (errno is LibC.EINVAL or LibC.ENOENT)
        {
            return false;
        }
        throw new LinuxException("umount2", target, errno);
    }

    /// <summary>Mount points of the calling process (field 5 of mountinfo, unescaped).</summary>
    public static IReadOnlyList<MountInfo> Read(string path = "/proc/self/mountinfo")
    {
        var list = new List<MountInfo>();
        foreach (var line in File.ReadLines(path))
        {
            var f = line.Split(' ');
            if (f.Length < 10)
            {
                continue;
            }
            var dash = Array.IndexOf(f, "-", 6);
            list.Add(new MountInfo(Unescape(f[4]), dash > 0 ? f[dash + 1] : "", dash > 0 ? Unescape(f[dash + 2]) : "", f[5], dash > 0 && f.Length > dash + 3 ? f[dash + 3] : "", Unescape(f[3]))
            {
                Optional = dash > 6 ? string.Join(' ', f[6..dash]) : "",
            });
        }
        return list;
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length)
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }
}

/// <summary>A line of mountinfo(5): <paramref name="Options"/> are the mount point's, <paramref name="SuperOptions"/>
/// the filesystem's (where cgroup v1 lists its controllers); <paramref name="Root"/> is the directory of the
/// filesystem that is mounted (not "/" for a bind of a subdirectory).</summary>
public sealed record MountInfo(string MountPoint, string FsType, string Source, string Options, string SuperOptions, string Root = "/")
{
    /// <summary>The optional fields: propagation such as <c>shared:1 master:2</c>; empty for a private mount.</summary>
    public string Optional { get; init; } = "";
}

using Berth.Linux;
using Berth.Oci;

namespace Berth.Runtime;

/// <summary>Performs the mounts a snapshotter describes onto a container's rootfs directory, and undoes them.
/// This is the one place the engine's storage mounts happen.</summary>
public static class RootfsMounter
{
    public static void Mount(IReadOnlyList<Mount> mounts, string target, RootfsIdMap? idmap = null)
    {
        Directory.CreateDirectory(target);
        if (idmap is not null)
        {
            MountIdMapped(mounts, target, idmap);
            return;
        }
        foreach (var m in mounts)
        {
            var opts = MountOptions.Parse(m.Options);
            if (m.Type == "bind" || opts.IsBind)
            {
                Mounts.Mount(m.Source, target, null, LibC.MS_BIND | (opts.Flags & LibC.MS_REC));
                if (opts.IsReadOnly)
                {
                    Mounts.Mount(null, target, null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY);
                }
            }
            else
            {
                Mounts.Mount(m.Source, target, m.Type, opts.Flags, opts.Data.Length > 0 ? opts.Data : null);
            }
        }
    }

    /// <summary>
    /// The same mounts seen through a user namespace's maps (idmapped mounts): an overlay's lower dirs, and the
    /// directory holding its upper and work dirs, are each an idmapped copy, named by its /proc/self/fd path; a
    /// bind's source likewise. The files on disk keep the ids they have in the image: the layers serve remapped and
    /// other containers alike, and a commit of the upper dir needs no shift back. overlayfs does the upper dir's
    /// work with its mounter's credentials, and root has no id in a map that starts above 0: the mount is made
    /// with the filesystem ids of the namespace's root (kernel: overlayfs refuses an idmap of its own mount).
    /// </summary>
    private static void MountIdMapped(IReadOnlyList<Mount> mounts, string target, RootfsIdMap idmap)
    {
        var trees = new List<SafeFd>();
        try
        {
            foreach (var m in mounts)
            {
                var opts = MountOptions.Parse(m.Options);
                if (m.Type == "bind" || opts.IsBind)
                {
                    var tree = IdMappedMounts.CloneIdMapped(m.Source ?? throw new InvalidOperationException($"bind mount on {target} has no source"), idmap.UserNamespace);
                    trees.Add(tree);
                    Mounts.Mount(tree.ProcPath, target, null, LibC.MS_BIND | (opts.Flags & LibC.MS_REC));
                    if (opts.IsReadOnly)
                    {
                        Mounts.Mount(null, target, null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY);
                    }
                    continue;
                }
                if (m.Type != "overlay")
                {
                    throw new InvalidOperationException($"a {m.Type} root filesystem cannot be idmapped");
                }
                var data = new List<string>();
                string? upper = null, work = null;
                foreach (var option in opts.Data.Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    var (key, value) = option.IndexOf('=', StringComparison.Ordinal) is var eq and > 0 ? (option[..eq], option[(eq + 1)..]) : (option, "");
                    switch (key)
                    {
                        case "lowerdir":
                            data.Add("lowerdir=" + string.Join(':', value.Split(':').Select(dir =>
                            {
                                var tree = IdMappedMounts.CloneIdMapped(dir, idmap.UserNamespace);
                                trees.Add(tree);
                                return tree.ProcPath;
                            })));
                            break;
                        case "upperdir":
                            upper = value;
                            break;
                        case "workdir":
                            work = value;
                            break;
                        default:
                            data.Add(option);
                            break;
                    }
                }
                if (upper is not null && work is not null)
                {
                    // One idmapped mount for both: overlayfs wants them on the same mount.
                    var parent = Path.GetDirectoryName(upper);
                    if (parent is null || Path.GetDirectoryName(work) != parent)
                    {
                        throw new InvalidOperationException($"upperdir {upper} and workdir {work} are not in one directory");
                    }
                    var tree = IdMappedMounts.CloneIdMapped(parent, idmap.UserNamespace);
                    trees.Add(tree);
                    data.Add("upperdir=" + Path.Join(tree.ProcPath, Path.GetFileName(upper)));
                    data.Add("workdir=" + Path.Join(tree.ProcPath, Path.GetFileName(work)));
                }
                var options = string.Join(',', data);
                IdMappedMounts.RunWithFsIds(idmap.RootUid, idmap.RootGid, () => Mounts.Mount(m.Source, target, "overlay", opts.Flags, options));
            }
        }
        finally
        {
            foreach (var tree in trees)
            {
                tree.Dispose();
            }
        }
    }

    /// <summary>
    /// Binds each mount's source at its destination inside the root mounted at <paramref name="root"/> (a view of
    /// a container's files with its volumes in place, for <c>docker cp</c>): the view is made private first, so
    /// the binds reach no other mount namespace; each destination is resolved inside the root (a symbolic link
    /// there cannot send a bind to the host), and one that does not exist is left out.
    /// </summary>
    public static void BindInto(string root, IEnumerable<Mount> mounts)
    {
        Mounts.Mount(null, root, null, LibC.MS_PRIVATE | LibC.MS_REC);
        using var dir = Fs.Open(root, LibC.O_PATH | LibC.O_DIRECTORY);
        foreach (var m in mounts)
        {
            using var target = Fs.TryOpenInRoot(dir, m.Destination, LibC.O_PATH);
            if (target is null || m.Source is null || !Path.Exists(m.Source))
            {
                continue;
            }
            var opts = MountOptions.Parse(m.Options);
            Mounts.Mount(m.Source, target.ProcPath, null, LibC.MS_BIND | (opts.Flags & LibC.MS_REC));
            if (opts.IsReadOnly)
            {
                using var mounted = Fs.OpenInRoot(dir, m.Destination, LibC.O_PATH);
                Mounts.Mount(null, mounted.ProcPath, null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY);
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="dir"/> a shared mount point (a bind of itself where it is not one already), so that
    /// a root filesystem mounted under it later also appears in mount namespaces copied before: those of spare
    /// shims, whose init was created ahead of its container. A directory that already has mounts beneath it (a
    /// daemon restarted while containers run) is left alone: a bind over it would hide them. Returns whether the
    /// directory now propagates, and whether this call made the bind.
    /// </summary>
    public static (bool Shared, bool Made) TryMakeSharedMountPoint(string dir)
    {
        Directory.CreateDirectory(dir);
        var full = Path.GetFullPath(dir).TrimEnd('/');
        var mounts = Mounts.Read();
        var own = mounts.LastOrDefault(m => m.MountPoint == full);
        if (own is null)
        {
            if (mounts.Any(m => m.MountPoint.StartsWith(full + "/", StringComparison.Ordinal)))
            {
                return (false, false);
            }
            Mounts.Mount(full, full, null, LibC.MS_BIND);
        }
        Mounts.Mount(null, full, null, LibC.MS_SHARED);
        // A bind of the directory onto itself left by a berthd that was killed is ours to undo as well; a mount the
        // user made there (a filesystem's root) is not.
        return (true, own is null || own.Root != "/" && own.Root.TrimEnd('/').EndsWith("/" + Path.GetFileName(full), StringComparison.Ordinal));
    }

    /// <summary>Unmounts everything stacked on <paramref name="target"/>; true if something was mounted.</summary>
    public static bool Unmount(string target)
    {
        var any = false;
        while (Mounts.TryUnmount(target, LibC.MNT_DETACH))
        {
            any = true;
        }
        return any;
    }
}

namespace Berth.Linux;

/// <summary>
/// Idmapped mounts (mount_setattr(2) with MOUNT_ATTR_IDMAP): a view of a directory tree whose owners are shifted
/// through a user namespace's maps, while the files on disk keep theirs. A container in a user namespace sees its
/// image layers owned as in the image, and writes files owned as in the image, without a chown of anything.
/// </summary>
public static class IdMappedMounts
{
    /// <summary>A detached copy of the mount tree at <paramref name="path"/> (open_tree with OPEN_TREE_CLONE),
    /// idmapped through <paramref name="userns"/>. Its <see cref="SafeFd.ProcPath"/> names it for mount(2) options
    /// (an overlay's lowerdir); it goes away when the fd is closed and nothing mounted holds it.</summary>
    public static SafeFd CloneIdMapped(string path, SafeFd userns)
    {
        var tree = new SafeFd(Sys.Check(LibC.open_tree(LibC.AT_FDCWD, path, LibC.OPEN_TREE_CLONE | LibC.OPEN_TREE_CLOEXEC), "open_tree", path));
        try
        {
            Sys.Check(LibC.mount_setattr(tree.Fd, "", (uint)LibC.AT_EMPTY_PATH, new LibC.MountAttr { attr_set = LibC.MOUNT_ATTR_IDMAP, userns_fd = (ulong)userns.Fd }), "mount_setattr(MOUNT_ATTR_IDMAP)", path);
            return tree;
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a thread of its own whose filesystem ids are <paramref name="uid"/> and
    /// <paramref name="gid"/> and which keeps its capabilities (SECBIT_NO_SETUID_FIXUP): what overlayfs records as
    /// its mounter's credentials, under which it creates its work directory and copies files up. Root (fsuid 0) has
    /// no id in an idmapped upper layer whose map starts above 0 (EOVERFLOW); the remapped root has. Credentials
    /// are per thread in Linux, so no other thread of the process changes; the thread ends after.
    /// </summary>
    public static void RunWithFsIds(uint uid, uint gid, Action action)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Sys.Check(LibC.prctl(LibC.PR_SET_SECUREBITS, LibC.SECBIT_NO_SETUID_FIXUP, 0, 0, 0), "prctl(PR_SET_SECUREBITS)");
                LibC.setfsgid(gid);
                LibC.setfsuid(uid);
                // Both calls return the previous id, never an error: ask again (an invalid id changes nothing).
                if (LibC.setfsuid(uint.MaxValue) != uid || LibC.setfsgid(uint.MaxValue) != gid)
                {
                    throw new LinuxException("setfsuid", $"{uid}:{gid}", LibC.EINVAL);
                }
                action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 256 * 1024)
        { Name = "fs-ids" };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
    }
}

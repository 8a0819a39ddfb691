using Berth.Linux;
using Berth.Oci;

namespace Berth.Runtime;

/// <summary>Performs the mounts a snapshotter describes onto a container's rootfs directory, and undoes them.
/// This is the one place the engine's storage mounts happen.</summary>
public static class RootfsMounter
{
    public static void Mount(IReadOnlyList<Mount> mounts, string target)
    {
        Directory.CreateDirectory(target);
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

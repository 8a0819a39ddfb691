using Berth.Linux;

namespace Berth.Runtime;

/// <summary>OCI mount options split the way mount(2) wants them: flags, propagation, and the fs-specific data.</summary>
/// <summary><c>rro</c> (runc's recursive read-only) sets <see cref="RecursiveReadOnly"/>: the mounts beneath a
/// read-only rbind become read-only as well.</summary>
public sealed record MountOptions(ulong Flags, ulong ClearFlags, ulong Propagation, string Data, bool RecursiveReadOnly = false)
{
    public bool IsBind => (Flags & LibC.MS_BIND) != 0;
    public bool IsReadOnly => (Flags & LibC.MS_RDONLY) != 0;

    private static readonly Dictionary<string, (bool Clear, ulong Flag)> Known = new(StringComparer.Ordinal)
    {
        ["async"] = (true, LibC.MS_SYNCHRONOUS),
        ["atime"] = (true, LibC.MS_NOATIME),
        ["bind"] = (false, LibC.MS_BIND),
        ["defaults"] = (false, 0),
        ["dev"] = (true, LibC.MS_NODEV),
        ["diratime"] = (true, LibC.MS_NODIRATIME),
        ["dirsync"] = (false, LibC.MS_DIRSYNC),
        ["exec"] = (true, LibC.MS_NOEXEC),
        ["mand"] = (false, LibC.MS_MANDLOCK),
        ["noatime"] = (false, LibC.MS_NOATIME),
        ["nodev"] = (false, LibC.MS_NODEV),
        ["nodiratime"] = (false, LibC.MS_NODIRATIME),
        ["noexec"] = (false, LibC.MS_NOEXEC),
        ["nomand"] = (true, LibC.MS_MANDLOCK),
        ["norelatime"] = (true, LibC.MS_RELATIME),
        ["nostrictatime"] = (true, LibC.MS_STRICTATIME),
        ["nosuid"] = (false, LibC.MS_NOSUID),
        ["nosymfollow"] = (false, LibC.MS_NOSYMFOLLOW),
        ["rbind"] = (false, LibC.MS_BIND | LibC.MS_REC),
        ["relatime"] = (false, LibC.MS_RELATIME),
        ["remount"] = (false, LibC.MS_REMOUNT),
        ["ro"] = (false, LibC.MS_RDONLY),
        ["rw"] = (true, LibC.MS_RDONLY),
        ["strictatime"] = (false, LibC.MS_STRICTATIME),
        ["suid"] = (true, LibC.MS_NOSUID),
        ["sync"] = (false, LibC.MS_SYNCHRONOUS),
    };

    private static readonly Dictionary<string, ulong> PropagationFlags = new(StringComparer.Ordinal)
    {
        ["private"] = LibC.MS_PRIVATE,
        ["rprivate"] = LibC.MS_PRIVATE | LibC.MS_REC,
        ["shared"] = LibC.MS_SHARED,
        ["rshared"] = LibC.MS_SHARED | LibC.MS_REC,
        ["slave"] = LibC.MS_SLAVE,
        ["rslave"] = LibC.MS_SLAVE | LibC.MS_REC,
        ["unbindable"] = LibC.MS_UNBINDABLE,
        ["runbindable"] = LibC.MS_UNBINDABLE | LibC.MS_REC,
    };

    public static MountOptions Parse(IEnumerable<string>? options)
    {
        ulong flags = 0, clear = 0, propagation = 0;
        var recursiveReadOnly = false;
        var data = new List<string>();
        foreach (var o in options ?? [])
        {
            if (o == "rro")
            {
                flags |= LibC.MS_RDONLY;
                recursiveReadOnly = true;
            }
            else if (Known.TryGetValue(o, out var k))
            {
                if (k.Clear)
                {
                    flags &= ~k.Flag;
                    clear |= k.Flag;
                }
                else
                {
                    flags |= k.Flag;
                    clear &= ~k.Flag;
                }
            }
            else if (PropagationFlags.TryGetValue(o, out var p))
            {
                propagation |= p;
            }
            else
            {
                data.Add(o);
            }
        }
        return new MountOptions(flags, clear, propagation, string.Join(',', data), recursiveReadOnly);
    }
}

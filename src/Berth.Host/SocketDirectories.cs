using Berth.Common;
using Berth.Linux;

namespace Berth.Host;

/// <summary>
/// The directories of the daemon's unix sockets. A socket's mode and group decide who connects only if no one else
/// can replace it: a directory anyone may write to without the sticky bit would let any user swap in a socket of
/// their own (and read what root's docker CLI sends it, registry credentials included), so berthd refuses it. The
/// exec root, where the default socket lives, is 0700; with a socket group it is root:GROUP 0710, so the group's
/// members can reach the socket (they are root's equals through it anyway) and others cannot even look in.
/// </summary>
internal static class SocketDirectories
{
    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public static void Prepare(string execRoot, IReadOnlyList<string> sockets, uint gid)
    {
        var groupReaches = gid != 0 && sockets.Any(s => Path.GetDirectoryName(s) == execRoot);
        Fs.Lchown(execRoot, 0, groupReaches ? gid : 0);
        File.SetUnixFileMode(execRoot, groupReaches ? Owner | UnixFileMode.GroupExecute : Owner);
        foreach (var socket in sockets)
        {
            for (var dir = Path.GetDirectoryName(socket); !string.IsNullOrEmpty(dir); dir = Path.GetDirectoryName(dir))
            {
                if (!Directory.Exists(dir))
                {
                    continue;
                }
                var mode = File.GetUnixFileMode(dir);
                if (mode.HasFlag(UnixFileMode.OtherWrite) && !mode.HasFlag(UnixFileMode.StickyBit))
                {
                    throw BerthException.Invalid($"the directory {dir} of socket {socket} is writable by every user (mode {Convert.ToString((int)mode, 8)}, no sticky bit): anyone could replace the socket");
                }
            }
        }
    }
}

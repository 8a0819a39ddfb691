using Berth.Common;

namespace Berth.Host.Tests;

/// <summary>The directories of the daemon's sockets, on the real file system (as root: chown).</summary>
public sealed class SocketDirectoriesTests : IDisposable
{
    private const UnixFileMode Rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-host-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_exec_root_lets_the_socket_group_reach_the_default_socket_and_nothing_more()
    {
        var execRoot = Directory.CreateDirectory(Path.Join(_dir, "exec")).FullName;
        SocketDirectories.Prepare(execRoot, [Path.Join(execRoot, "berth.sock")], 4242);
        Assert.Equal(Rwx | UnixFileMode.GroupExecute, File.GetUnixFileMode(execRoot));
        Assert.Equal("0:4242", Owner(execRoot));

        // Without a group (or with the socket elsewhere), the exec root is root's alone again.
        SocketDirectories.Prepare(execRoot, [Path.Join(_dir, "elsewhere.sock")], 4242);
        Assert.Equal(Rwx, File.GetUnixFileMode(execRoot));
        Assert.Equal("0:0", Owner(execRoot));
    }

    [Fact]
    public void A_socket_in_a_directory_anyone_may_write_without_the_sticky_bit_is_refused()
    {
        var execRoot = Directory.CreateDirectory(Path.Join(_dir, "exec")).FullName;
        var open = Directory.CreateDirectory(Path.Join(_dir, "open")).FullName;
        var socket = Path.Join(open, "sub", "berth.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        File.SetUnixFileMode(open, Rwx | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        var e = Assert.Throws<BerthException>(() => SocketDirectories.Prepare(execRoot, [socket], 0));
        Assert.Contains($"the directory {open} of socket {socket} is writable by every user", e.Message, StringComparison.Ordinal);

        // /tmp's way: the sticky bit keeps others from removing or renaming what is not theirs.
        File.SetUnixFileMode(open, File.GetUnixFileMode(open) | UnixFileMode.StickyBit);
        SocketDirectories.Prepare(execRoot, [socket], 0);
    }

    private static string Owner(string path)
    {
        var stat = Berth.Linux.Fs.Lstat(path);
        return $"{stat.st_uid}:{stat.st_gid}";
    }
}

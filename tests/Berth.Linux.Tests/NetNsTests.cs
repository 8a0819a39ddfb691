using System.Net;
using System.Net.Sockets;

namespace Berth.Linux.Tests;

/// <summary>Network namespace handles on the real kernel: creation behind a bind mount, removal, and running code
/// inside one on a thread of its own.</summary>
public sealed class NetNsTests : IDisposable
{
    private readonly TempDir _dir = new("berth-netns-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Create_makes_a_namespace_with_only_lo_up_and_Remove_leaves_nothing()
    {
        var path = _dir.Join("ns");
        NetNs.Create(path);
        Assert.Contains(Mounts.Read(), m => m.MountPoint == path && m.FsType == "nsfs");

        using (var ns = NetNs.Open(path))
        using (var current = NetNs.Current())
        {
            Assert.NotEqual(Fs.Fstat(current).st_ino, Fs.Fstat(ns).st_ino);
            using var netlink = Netlink.OpenIn(ns);
            var lo = Assert.Single(netlink.Links());
            Assert.Equal("lo", lo.Name);
            Assert.True(lo.Up);
            Assert.Contains(netlink.Addresses("lo"), a => a.Address.Equals(IPAddress.Loopback) && a.PrefixLength == 8);
        }

        NetNs.Remove(path);
        Assert.DoesNotContain(Mounts.Read(), m => m.MountPoint == path);
        Assert.False(File.Exists(path));
        NetNs.Remove(path); // already gone: not an error
    }

    [Fact]
    public void Create_over_an_existing_file_fails_and_leaves_it_alone()
    {
        var path = _dir.Join("taken");
        File.WriteAllText(path, "mine");

        var e = Assert.Throws<LinuxException>(() => NetNs.Create(path));

        Assert.Equal(LibC.EEXIST, e.Errno);
        Assert.Equal("mine", File.ReadAllText(path));
        Assert.DoesNotContain(Mounts.Read(), m => m.MountPoint == path);
    }

    [Fact]
    public void Create_in_a_missing_directory_fails_and_leaves_nothing()
    {
        var path = _dir.Join("missing", "ns");

        var e = Assert.Throws<LinuxException>(() => NetNs.Create(path));

        Assert.Equal(LibC.ENOENT, e.Errno);
        Assert.False(File.Exists(path));
        Assert.DoesNotContain(Mounts.Read(), m => m.MountPoint.StartsWith(_dir.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void Run_runs_inside_the_namespace_on_a_thread_of_its_own()
    {
        var path = _dir.Join("ns");
        NetNs.Create(path);
        try
        {
            using var ns = NetNs.Open(path);
            var callerBefore = NetNsInode();
            var caller = Environment.CurrentManagedThreadId;

            var (inode, thread) = NetNs.Run(ns, () => (NetNsInode(), Environment.CurrentManagedThreadId));

            Assert.Equal(Fs.Fstat(ns).st_ino, inode);
            Assert.NotEqual(caller, thread);
            Assert.Equal(callerBefore, NetNsInode());
        }
        finally
        {
            NetNs.Remove(path);
        }
    }

    [Fact]
    public void Run_rethrows_what_the_action_throws()
    {
        using var current = NetNs.Current();

        var e = Assert.Throws<InvalidOperationException>(() => NetNs.Run<int>(current, () => throw new InvalidOperationException("inside")));

        Assert.Equal("inside", e.Message);
    }

    [Fact]
    public void Run_with_a_handle_that_is_no_network_namespace_fails_with_setns()
    {
        using var notNs = Fs.Open("/proc/self/ns/uts", LibC.O_RDONLY);

        var e = Assert.Throws<LinuxException>(() => NetNs.Run(notNs, () => 0));

        Assert.Equal(LibC.EINVAL, e.Errno);
        Assert.StartsWith("setns", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sockets_made_in_Run_stay_in_their_namespace_after_the_thread_ended()
    {
        using var a = new TestNetns(_dir, "a");
        using var b = new TestNetns(_dir, "b");
        // A DNS server's socket: 127.0.0.11:53 inside the container's namespace, served from any thread.
        using var server = a.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.11"), 53));
            return s;
        });
        using var client = a.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        using var stranger = b.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        server.ReceiveTimeout = 5000;

        stranger.SendTo("other namespace"u8, server.LocalEndPoint!);
        client.SendTo("query"u8, server.LocalEndPoint!);

        var buffer = new byte[64];
        var n = server.Receive(buffer);
        Assert.Equal("query", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        Assert.Equal(0, server.Available);
    }

    private static ulong NetNsInode()
    {
        using var fd = NetNs.Current();
        return Fs.Fstat(fd).st_ino;
    }
}

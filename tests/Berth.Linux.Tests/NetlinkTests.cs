using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Berth.Linux.Tests;

/// <summary>rtnetlink on the real kernel, inside two namespaces each test makes for itself (A plays the host,
/// B a container), so the host's links are never touched.</summary>
public sealed class NetlinkTests : IDisposable
{
    private static readonly byte[] BridgeMac = [0x02, 0x42, 0xac, 0x11, 0x00, 0x01];
    private readonly ITestOutputHelper _output;
    private readonly TempDir _dir = new("berth-netlink-");
    private readonly TestNetns _a;
    private readonly TestNetns _b;

    public NetlinkTests(ITestOutputHelper output)
    {
        _output = output;
        _a = new TestNetns(_dir, "a");
        _b = new TestNetns(_dir, "b");
    }

    private Netlink A => _a.Netlink;
    private Netlink B => _b.Netlink;

    public void Dispose()
    {
        _b.Dispose();
        _a.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public void A_bridge_and_a_veth_carry_tcp_between_namespaces_over_the_default_route()
    {
        A.AddBridge("br-t", mac: BridgeMac);
        A.AddAddress("br-t", Ip("10.10.0.1"), 24);
        A.AddAddress("lo", Ip("10.99.0.1"), 32);
        A.SetUp("br-t");
        A.AddVeth("veth-t", "eth0", peerNetns: _b.Handle);
        A.SetMaster("veth-t", "br-t");
        A.SetUp("veth-t");
        B.AddAddress("eth0", Ip("10.10.0.2"), 24);
        B.SetUp("eth0");
        B.AddRoute(IPAddress.Any, 0, Ip("10.10.0.1"), null);

        Assert.Null(A.Index("eth0"));
        Assert.Contains(B.Routes(AddressFamily.InterNetwork), r => r.PrefixLength == 0 && Ip("10.10.0.1").Equals(r.Gateway) && r.LinkIndex == B.Index("eth0"));

        // 10.99.0.1 is not on B's link: reaching it takes the default route through the bridge.
        using var listener = _a.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(Ip("10.99.0.1"), 0));
            s.Listen();
            return s;
        });
        var endpoint = listener.LocalEndPoint!;
        using var client = _b.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 5000 };
            s.Connect(endpoint);
            return s;
        });
        using var server = listener.Accept();
        server.ReceiveTimeout = 5000;

        client.Send("ping"u8);
        Assert.Equal("ping", Receive(server, 4));
        server.Send("pong"u8);
        Assert.Equal("pong", Receive(client, 4));
        Assert.Equal(Ip("10.10.0.2"), ((IPEndPoint)server.RemoteEndPoint!).Address);
    }

    [Fact]
    public void Links_report_kind_master_mac_mtu_and_state()
    {
        A.AddBridge("br-l", mtu: 1400, mac: BridgeMac);
        A.AddVeth("veth-l0", "veth-l1", mtu: 1400);
        A.SetMaster("veth-l0", "br-l");
        A.SetUp("veth-l0");
        A.AddBridge("br-l2", mtu: 1400);
        A.AddVeth("veth-l2", "veth-l3");
        A.SetMaster("veth-l2", "br-l2");

        var links = A.Links().ToDictionary(l => l.Name);
        var bridge = links["br-l"];
        Assert.Equal("bridge", bridge.Kind);
        Assert.Equal(BridgeMac, bridge.Mac);
        Assert.Equal(1400, bridge.Mtu);
        Assert.False(bridge.Up);
        Assert.Null(bridge.MasterIndex);
        var port = links["veth-l0"];
        Assert.Equal("veth", port.Kind);
        Assert.Equal(bridge.Index, port.MasterIndex);
        Assert.True(port.Up);
        Assert.Equal(6, port.Mac.Length);
        Assert.Equal(1400, links["veth-l1"].Mtu);
        Assert.Null(links["lo"].Kind);
        Assert.Equal(1400, links["br-l2"].Mtu); // its only port has 1500: the MTU it was made with stays
        var single = A.Link("veth-l0")!;
        Assert.Equal(port.Mac, single.Mac);
        Assert.Equal(port with { Mac = [] }, single with { Mac = [] }); // the rest, as the array compares by reference
        Assert.Equal(port.Index, A.Index("veth-l0"));

        A.SetMaster("veth-l0", null);
        A.SetDown("veth-l0");
        var released = A.Link("veth-l0")!;
        Assert.Null(released.MasterIndex);
        Assert.False(released.Up);
        Assert.Null(A.Link("nothing"));
        Assert.Null(A.Index("nothing"));
    }

    [Fact]
    public void Deleting_one_end_of_a_veth_pair_deletes_its_peer_in_the_other_namespace()
    {
        A.AddVeth("veth-d", "eth1", peerNetns: _b.Handle);
        Assert.Equal("veth", B.Link("eth1")?.Kind);

        A.DeleteLink("veth-d");

        Assert.Null(A.Index("veth-d"));
        Assert.Null(B.Index("eth1"));
        Assert.False(A.TryDeleteLink("veth-d"));
        var e = Assert.Throws<LinuxException>(() => A.DeleteLink("veth-d"));
        Assert.Equal(LibC.ENODEV, e.Errno);
        Assert.Equal("netlink delete link \"veth-d\": No such device", e.Message);
    }

    [Fact]
    public void A_link_moved_to_another_namespace_leaves_this_one()
    {
        A.AddVeth("veth-m0", "veth-m1");

        A.MoveToNetns("veth-m1", _b.Handle);

        Assert.Null(A.Index("veth-m1"));
        Assert.Equal("veth", B.Link("veth-m1")?.Kind);
    }

    [Fact]
    public void Rename_mtu_and_mac_read_back()
    {
        byte[] mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x2a];
        A.AddVeth("veth-r0", "veth-r1");
        var index = A.Index("veth-r0");

        A.Rename("veth-r0", "veth-renamed");
        A.SetMtu("veth-renamed", 9000);
        A.SetMac("veth-renamed", mac);

        var link = A.Link("veth-renamed")!;
        Assert.Equal(index, link.Index);
        Assert.Equal(9000, link.Mtu);
        Assert.Equal(mac, link.Mac);
        Assert.Null(A.Index("veth-r0"));
    }

    [Fact]
    public void Adding_a_link_that_exists_fails_with_its_name_kind_and_errno()
    {
        A.AddBridge("br-x");

        var e = Assert.Throws<LinuxException>(() => A.AddBridge("br-x"));

        Assert.Equal(LibC.EEXIST, e.Errno);
        Assert.Equal("netlink add link \"br-x\" (bridge): File exists", e.Message);
    }

    [Fact]
    public void A_request_about_a_missing_link_names_the_link()
    {
        var e = Assert.Throws<LinuxException>(() => A.AddAddress("eth9", Ip("10.0.0.2"), 24));

        Assert.Equal(LibC.ENODEV, e.Errno);
        Assert.StartsWith("netlink add address \"eth9\" (10.0.0.2/24): No such device", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_ipvlan_either_works_or_fails_saying_the_kernel_lacks_the_type_and_leaves_nothing()
    {
        A.AddBridge("br-i");
        var before = A.Links().Select(l => l.Name).Order().ToList();
        var beforeB = B.Links().Select(l => l.Name).Order().ToList();

        try
        {
            A.AddIpvlan("ipvl0", "br-i", "l2", _b.Handle);
            // A kernel with ipvlan: the link is born in B.
            Assert.Equal("ipvlan", B.Link("ipvl0")?.Kind);
            B.DeleteLink("ipvl0");
        }
        catch (LinuxException e) when (e.Errno == LibC.EOPNOTSUPP)
        {
            Assert.Equal("netlink add link \"ipvl0\" (ipvlan): the kernel has no ipvlan link type (module ipvlan not available)", e.Message);
        }

        Assert.Equal(before, A.Links().Select(l => l.Name).Order());
        Assert.Equal(beforeB, B.Links().Select(l => l.Name).Order());
        Assert.Throws<ArgumentException>(() => A.AddIpvlan("ipvl0", "br-i", "l4"));
    }

    [Theory]
    [InlineData("bridge", false)]
    [InlineData("private", true)]
    [InlineData("vepa", true)]
    public void A_macvlan_on_a_bridge_is_made_here_or_directly_in_another_namespace(string mode, bool inB)
    {
        A.AddBridge("br-m");

        A.AddMacvlan("mv0", "br-m", mode, inB ? _b.Handle : null, mtu: 1400);

        var (here, there) = inB ? (B, A) : (A, B);
        var link = here.Link("mv0")!;
        Assert.Equal("macvlan", link.Kind);
        Assert.Equal(1400, link.Mtu);
        Assert.Null(there.Index("mv0"));
        here.DeleteLink("mv0");
        Assert.Null(here.Index("mv0"));
    }

    [Fact]
    public void A_macvlan_mode_must_be_known()
    {
        A.AddBridge("br-m");

        Assert.Throws<ArgumentException>(() => A.AddMacvlan("mv0", "br-m", "source"));
        Assert.Null(A.Index("mv0"));
    }

    [Fact]
    public void A_vxlan_gets_fdb_entries_appended_and_deleted_one_remote_at_a_time()
    {
        byte[] flood = [0, 0, 0, 0, 0, 0];
        byte[] peer = [0x02, 0x42, 0x0a, 0x00, 0x00, 0x07];
        A.AddBridge("br-v");
        A.AddAddress("br-v", Ip("10.20.0.1"), 24);

        A.AddVxlan("vx-t", 42, Ip("10.20.0.1"), 4789, "br-v", learning: false, mtu: 1450);
        A.AddFdb("vx-t", flood, Ip("10.20.0.5"));
        A.AddFdb("vx-t", flood, Ip("10.20.0.6"));
        A.AddFdb("vx-t", peer, Ip("10.20.0.7"));

        var link = A.Link("vx-t")!;
        Assert.Equal("vxlan", link.Kind);
        Assert.Equal(1450, link.Mtu);
        var fdb = A.Fdb("vx-t").Select(f => (Convert.ToHexString(f.Mac), f.Remote.ToString())).Order().ToList();
        Assert.Equal([("000000000000", "10.20.0.5"), ("000000000000", "10.20.0.6"), ("02420A000007", "10.20.0.7")], fdb);

        A.DeleteFdb("vx-t", flood, Ip("10.20.0.5"));

        Assert.Equal([("000000000000", "10.20.0.6"), ("02420A000007", "10.20.0.7")],
            A.Fdb("vx-t").Select(f => (Convert.ToHexString(f.Mac), f.Remote.ToString())).Order());
        A.DeleteFdb("vx-t", peer, Ip("10.20.0.7"));
        var e = Assert.Throws<LinuxException>(() => A.DeleteFdb("vx-t", peer, Ip("10.20.0.7")));
        Assert.Equal(LibC.ENOENT, e.Errno);
        Assert.StartsWith("netlink delete fdb entry \"vx-t\" (02:42:0a:00:00:07 dst 10.20.0.7): No such file or directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Addresses_of_both_families_are_added_listed_and_deleted()
    {
        A.AddBridge("br-a");
        A.AddAddress("br-a", Ip("10.30.0.1"), 24);
        A.AddAddress("br-a", Ip("10.30.1.9"), 32);
        A.AddAddress("br-a", Ip("fd00:30::1"), 64);

        var addresses = A.Addresses("br-a");
        Assert.Contains((Ip("10.30.0.1"), 24), addresses);
        Assert.Contains((Ip("10.30.1.9"), 32), addresses);
        Assert.Contains((Ip("fd00:30::1"), 64), addresses);
        Assert.DoesNotContain(A.Addresses("lo"), a => a.Address.Equals(Ip("10.30.0.1")));
        var e = Assert.Throws<LinuxException>(() => A.AddAddress("br-a", Ip("10.30.0.1"), 24));
        Assert.Equal(LibC.EEXIST, e.Errno);
        // The kernel may add its own words in parentheses (extended ack).
        Assert.StartsWith("netlink add address \"br-a\" (10.30.0.1/24): File exists", e.Message, StringComparison.Ordinal);

        A.DeleteAddress("br-a", Ip("10.30.0.1"), 24);
        A.DeleteAddress("br-a", Ip("fd00:30::1"), 64);

        Assert.Equal([(Ip("10.30.1.9"), 32)], A.Addresses("br-a"));
    }

    [Fact]
    public void Routes_of_the_main_table_are_added_listed_and_deleted()
    {
        A.AddBridge("br-r");
        A.SetUp("br-r");
        A.AddAddress("br-r", Ip("10.40.0.1"), 24);
        A.AddAddress("br-r", Ip("fd00:40::1"), 64);
        var index = A.Index("br-r");

        A.AddRoute(Ip("10.50.0.0"), 16, Ip("10.40.0.2"), "br-r");
        A.AddRoute(Ip("10.60.0.0"), 24, null, "br-r");
        A.AddRoute(IPAddress.Any, 0, Ip("10.40.0.254"), null);
        A.AddRoute(IPAddress.IPv6Any, 0, Ip("fd00:40::fe"), "br-r");

        var routes = A.Routes(AddressFamily.InterNetwork);
        Assert.Contains(new RouteInfo(Ip("10.40.0.0"), 24, null, index), routes);
        Assert.Contains(new RouteInfo(Ip("10.50.0.0"), 16, Ip("10.40.0.2"), index), routes);
        Assert.Contains(new RouteInfo(Ip("10.60.0.0"), 24, null, index), routes);
        Assert.Contains(new RouteInfo(IPAddress.Any, 0, Ip("10.40.0.254"), index), routes);
        Assert.DoesNotContain(routes, r => r.Destination.AddressFamily != AddressFamily.InterNetwork);
        var routes6 = A.Routes(AddressFamily.InterNetworkV6);
        Assert.Contains(new RouteInfo(Ip("fd00:40::"), 64, null, index), routes6);
        Assert.Contains(new RouteInfo(IPAddress.IPv6Any, 0, Ip("fd00:40::fe"), index), routes6);
        var e = Assert.Throws<LinuxException>(() => A.AddRoute(IPAddress.Any, 0, Ip("10.40.0.254"), null));
        Assert.Equal(LibC.EEXIST, e.Errno);
        Assert.StartsWith("netlink add route (0.0.0.0/0 via 10.40.0.254): File exists", e.Message, StringComparison.Ordinal);

        A.DeleteRoute(Ip("10.50.0.0"), 16, Ip("10.40.0.2"), "br-r");
        A.DeleteRoute(Ip("10.60.0.0"), 24, null, null);
        A.DeleteRoute(IPAddress.Any, 0, null, null);
        A.DeleteRoute(IPAddress.IPv6Any, 0, Ip("fd00:40::fe"), null);

        Assert.Equal([new RouteInfo(Ip("10.40.0.0"), 24, null, index)], A.Routes(AddressFamily.InterNetwork));
        Assert.DoesNotContain(A.Routes(AddressFamily.InterNetworkV6), r => r.PrefixLength == 0);
    }

    [Fact]
    public void A_permanent_neighbour_is_added_and_replaced()
    {
        byte[] first = [0x02, 0x42, 0x0a, 0x46, 0x00, 0x05];
        byte[] second = [0x02, 0x42, 0x0a, 0x46, 0x00, 0x06];
        A.AddBridge("br-n");
        A.SetUp("br-n");
        A.AddAddress("br-n", Ip("10.70.0.1"), 24);

        A.AddNeighbour("br-n", Ip("10.70.0.5"), first);
        Assert.Contains(A.Neighbours("br-n"), n => n.Address.Equals(Ip("10.70.0.5")) && n.Mac.SequenceEqual(first));

        A.AddNeighbour("br-n", Ip("10.70.0.5"), second);
        A.AddNeighbour("br-n", Ip("fd00:70::5"), second);
        var neighbours = A.Neighbours("br-n");
        Assert.Single(neighbours, n => n.Address.Equals(Ip("10.70.0.5")));
        Assert.Contains(neighbours, n => n.Address.Equals(Ip("10.70.0.5")) && n.Mac.SequenceEqual(second));
        Assert.Contains(neighbours, n => n.Address.Equals(Ip("fd00:70::5")) && n.Mac.SequenceEqual(second));
    }

    [Fact]
    public void Hairpin_is_set_on_a_bridge_port_and_read_back()
    {
        A.AddBridge("br-h");
        A.AddVeth("veth-h0", "veth-h1");
        A.SetMaster("veth-h0", "br-h");
        Assert.False(A.Hairpin("veth-h0"));

        A.SetHairpin("veth-h0", true);
        Assert.True(A.Hairpin("veth-h0"));

        A.SetHairpin("veth-h0", false);
        Assert.False(A.Hairpin("veth-h0"));
        Assert.False(A.Hairpin("veth-h1"));
    }

    [Fact]
    public void A_container_link_is_set_up_in_a_few_milliseconds()
    {
        A.AddBridge("br-p");
        A.AddAddress("br-p", Ip("10.80.0.1"), 24);
        A.SetUp("br-p");
        var moved = new List<double>();
        var direct = new List<double>();
        var opened = new List<double>();
        for (var i = 0; i < 15; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var inside = Netlink.OpenIn(_b.Handle))
            {
                opened.Add(clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                // What `docker run` needs: a veth into the container, its address, its default route.
                A.AddVeth("veth-p", "eth0");
                A.SetMaster("veth-p", "br-p");
                A.SetUp("veth-p");
                A.MoveToNetns("eth0", _b.Handle);
                inside.AddAddress("eth0", Ip("10.80.0.2"), 24);
                inside.SetUp("eth0");
                inside.AddRoute(IPAddress.Any, 0, Ip("10.80.0.1"), null);
                moved.Add(clock.Elapsed.TotalMilliseconds);
                A.DeleteLink("veth-p");

                clock.Restart();
                A.AddVeth("veth-p", "eth0", peerNetns: _b.Handle);
                A.SetMaster("veth-p", "br-p");
                A.SetUp("veth-p");
                inside.AddAddress("eth0", Ip("10.80.0.2"), 24);
                inside.SetUp("eth0");
                inside.AddRoute(IPAddress.Any, 0, Ip("10.80.0.1"), null);
                direct.Add(clock.Elapsed.TotalMilliseconds);
                A.DeleteLink("veth-p");
            }
        }

        _output.WriteLine($"OpenIn: median {Median(opened):F2} ms");
        _output.WriteLine($"veth + master + up + move + address + up + default route: median {Median(moved):F2} ms, min {moved.Min():F2} ms");
        _output.WriteLine($"veth born in the namespace + master + up + address + up + default route: median {Median(direct):F2} ms, min {direct.Min():F2} ms");
        // Generous: the machine is shared; the figures above are what to look at.
        Assert.InRange(Median(moved), 0, 50);
    }

    private static IPAddress Ip(string text) => IPAddress.Parse(text);

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Receive(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = socket.Receive(buffer.AsSpan(read));
            Assert.NotEqual(0, n);
            read += n;
        }
        return System.Text.Encoding.ASCII.GetString(buffer);
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>
/// A NETLINK_ROUTE socket (rtnetlink(7)) that sets up links, addresses, routes, neighbours and bridge forwarding
/// entries of the network namespace it was created in, without running ip(8). Every change asks for an ack, so a
/// call returns once the kernel has done it or throws a <see cref="LinuxException"/> naming the operation, the
/// link and the errno. Not thread-safe: one request at a time per instance.
/// </summary>
public sealed unsafe class Netlink : IDisposable
{
    private const int HeaderSize = 16; // sizeof(struct nlmsghdr)
    private const int IfInfoSize = 16; // sizeof(struct ifinfomsg)

    // Enough for any dump datagram: the kernel sizes them from the reader's buffer, up to 32 KiB.
    private const int ReceiveSize = 32 * 1024;

    private readonly SafeFd _fd;
    private readonly NetlinkWriter _request = new();
    private readonly byte[] _receive = ArrayPool<byte>.Shared.Rent(ReceiveSize);
    private uint _seq = (uint)Environment.TickCount;
    private bool _interrupted;
    private bool _disposed;

    private Netlink(SafeFd fd) => _fd = fd;

    private delegate void Handler<TState>(ReadOnlySpan<byte> payload, ref TState state);

    /// <summary>A socket in the calling thread's network namespace.</summary>
    public static Netlink Open()
    {
        var fd = new SafeFd(Sys.Check(LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE), "socket", "NETLINK_ROUTE"));
        // Improvements where the kernel has them (4.3, 4.12, 4.20), never requirements: errors that do not echo
        // the request, the kernel's reason beside errno, and dumps filtered by the kernel (by link, by table).
        SetOption(fd, LibC.NETLINK_CAP_ACK);
        SetOption(fd, LibC.NETLINK_EXT_ACK);
        SetOption(fd, LibC.NETLINK_GET_STRICT_CHK);
        return new Netlink(fd);
    }

    /// <summary>A socket in <paramref name="netns"/>. A socket stays in the namespace it was created in, so a
    /// short-lived thread joins the namespace, opens it and ends; no other thread changes namespace.</summary>
    public static Netlink OpenIn(SafeFd netns) => NetNs.Run(netns, Open);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _fd.Dispose();
        ArrayPool<byte>.Shared.Return(_receive);
    }

    // ---- links ----

    /// <summary>The interface index of <paramref name="name"/>, or null when there is no such link.</summary>
    public int? Index(string name)
    {
        var index = 0;
        GetLink(name);
        return Exchange(new What("get link", name), static (ReadOnlySpan<byte> p, ref int s) => s = IfIndex(p), ref index, LibC.ENODEV) == 0 ? index : null;
    }

    public LinkInfo? Link(string name)
    {
        LinkInfo? link = null;
        GetLink(name);
        Exchange(new What("get link", name), static (ReadOnlySpan<byte> p, ref LinkInfo? s) => s = ParseLink(p), ref link, LibC.ENODEV);
        return link;
    }

    public IReadOnlyList<LinkInfo> Links()
    {
        return Dump<LinkInfo>(new What("list links", null), () =>
        {
            _request.Begin(LibC.RTM_GETLINK, LibC.NLM_F_DUMP);
            _request.Fixed(new LibC.IfInfoMsg());
            _request.U32(LibC.IFLA_EXT_MASK, LibC.RTEXT_FILTER_SKIP_STATS);
        }, static (ReadOnlySpan<byte> p, ref List<LinkInfo> list) =>
        {
            if (ParseLink(p) is { } link)
            {
                list.Add(link);
            }
        });
    }

    /// <summary>A bridge; a <paramref name="mac"/> given keeps it from changing as ports come and go.</summary>
    public void AddBridge(string name, int mtu = 0, byte[]? mac = null)
    {
        var what = What.AddLink(name, "bridge");
        BeginLink(LibC.RTM_NEWLINK, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, 0, name);
        if (mac is not null)
        {
            _request.Attribute(LibC.IFLA_ADDRESS, mac);
        }
        var info = _request.BeginNested(LibC.IFLA_LINKINFO);
        _request.String(LibC.IFLA_INFO_KIND, "bridge");
        _request.End(info);
        Ack(what);
        if (mtu > 0)
        {
            // kernel: a bridge takes the smallest MTU of its ports unless its own was changed through
            // ndo_change_mtu, which an MTU given at creation is not. So it is changed afterwards (a no-op, and then
            // not pinned, when it is the default 1500).
            try
            {
                SetMtu(name, mtu);
            }
            catch (LinuxException)
            {
                TryDeleteLink(name);
                throw;
            }
        }
    }

    /// <summary>A veth pair; with <paramref name="peerNetns"/> the peer is born in that namespace, which saves
    /// moving it afterwards.</summary>
    public void AddVeth(string name, string peerName, int mtu = 0, SafeFd? peerNetns = null)
    {
        var what = What.AddLink(name, "veth");
        BeginLink(LibC.RTM_NEWLINK, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, 0, name);
        Mtu(mtu);
        var info = _request.BeginNested(LibC.IFLA_LINKINFO);
        _request.String(LibC.IFLA_INFO_KIND, "veth");
        var data = _request.BeginNested(LibC.IFLA_INFO_DATA);
        // kernel: VETH_INFO_PEER is not a plain nest but an ifinfomsg followed by the peer's attributes.
        var peer = _request.BeginAttribute(LibC.VETH_INFO_PEER);
        _request.Fixed(new LibC.IfInfoMsg());
        _request.String(LibC.IFLA_IFNAME, peerName);
        Mtu(mtu);
        if (peerNetns is not null)
        {
            _request.U32(LibC.IFLA_NET_NS_FD, (uint)peerNetns.Fd);
        }
        _request.End(peer);
        _request.End(data);
        _request.End(info);
        Ack(what);
    }

    /// <summary>A macvlan on <paramref name="parent"/> (a link of this socket's namespace), created directly in
    /// <paramref name="netns"/> when given. <paramref name="mode"/>: bridge, private, vepa or passthru.</summary>
    public void AddMacvlan(string name, string parent, string mode, SafeFd? netns = null, int mtu = 0)
    {
        var modeValue = mode switch
        {
            "bridge" => LibC.MACVLAN_MODE_BRIDGE,
            "private" => LibC.MACVLAN_MODE_PRIVATE,
            "vepa" => LibC.MACVLAN_MODE_VEPA,
            "passthru" => LibC.MACVLAN_MODE_PASSTHRU,
            _ => throw new ArgumentException($"macvlan mode \"{mode}\" is not one of bridge, private, vepa, passthru", nameof(mode)),
        };
        var what = What.AddLink(name, "macvlan");
        var parentIndex = Resolve(parent, what);
        BeginLink(LibC.RTM_NEWLINK, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, 0, name);
        _request.U32(LibC.IFLA_LINK, (uint)parentIndex);
        TargetNetns(netns);
        Mtu(mtu);
        var info = _request.BeginNested(LibC.IFLA_LINKINFO);
        _request.String(LibC.IFLA_INFO_KIND, "macvlan");
        var data = _request.BeginNested(LibC.IFLA_INFO_DATA);
        _request.U32(LibC.IFLA_MACVLAN_MODE, modeValue);
        _request.End(data);
        _request.End(info);
        Ack(what);
    }

    /// <summary>An ipvlan on <paramref name="parent"/>, created directly in <paramref name="netns"/> when given.
    /// <paramref name="mode"/>: l2, l3 or l3s.</summary>
    public void AddIpvlan(string name, string parent, string mode, SafeFd? netns = null)
    {
        var modeValue = mode switch
        {
            "l2" => LibC.IPVLAN_MODE_L2,
            "l3" => LibC.IPVLAN_MODE_L3,
            "l3s" => LibC.IPVLAN_MODE_L3S,
            _ => throw new ArgumentException($"ipvlan mode \"{mode}\" is not one of l2, l3, l3s", nameof(mode)),
        };
        var what = What.AddLink(name, "ipvlan");
        var parentIndex = Resolve(parent, what);
        BeginLink(LibC.RTM_NEWLINK, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, 0, name);
        _request.U32(LibC.IFLA_LINK, (uint)parentIndex);
        TargetNetns(netns);
        var info = _request.BeginNested(LibC.IFLA_LINKINFO);
        _request.String(LibC.IFLA_INFO_KIND, "ipvlan");
        var data = _request.BeginNested(LibC.IFLA_INFO_DATA);
        _request.U16(LibC.IFLA_IPVLAN_MODE, modeValue);
        _request.End(data);
        _request.End(info);
        Ack(what);
    }

    /// <summary>A VXLAN device for <paramref name="vni"/>; remote ends come from fdb entries
    /// (<see cref="AddFdb"/>). A <paramref name="dstPort"/> of 0 leaves the kernel's default.</summary>
    public void AddVxlan(string name, uint vni, IPAddress? local, int dstPort, string? parent, bool learning, int mtu = 0)
    {
        var what = What.AddLink(name, "vxlan");
        var parentIndex = parent is null ? 0 : Resolve(parent, what);
        BeginLink(LibC.RTM_NEWLINK, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, 0, name);
        Mtu(mtu);
        var info = _request.BeginNested(LibC.IFLA_LINKINFO);
        _request.String(LibC.IFLA_INFO_KIND, "vxlan");
        var data = _request.BeginNested(LibC.IFLA_INFO_DATA);
        _request.U32(LibC.IFLA_VXLAN_ID, vni);
        if (local is not null)
        {
            _request.Address(local.AddressFamily == AddressFamily.InterNetwork ? LibC.IFLA_VXLAN_LOCAL : LibC.IFLA_VXLAN_LOCAL6, local);
        }
        if (parentIndex != 0)
        {
            _request.U32(LibC.IFLA_VXLAN_LINK, (uint)parentIndex);
        }
        if (dstPort != 0)
        {
            _request.Be16(LibC.IFLA_VXLAN_PORT, checked((ushort)dstPort));
        }
        _request.U8(LibC.IFLA_VXLAN_LEARNING, learning ? (byte)1 : (byte)0);
        _request.End(data);
        _request.End(info);
        Ack(what);
    }

    /// <summary>Deletes a link; deleting either end of a veth pair deletes both.</summary>
    public void DeleteLink(string name)
    {
        BeginLink(LibC.RTM_DELLINK, 0, 0, name);
        Ack(new What("delete link", name));
    }

    /// <summary>Like <see cref="DeleteLink"/>; false when there was no such link.</summary>
    public bool TryDeleteLink(string name)
    {
        BeginLink(LibC.RTM_DELLINK, 0, 0, name);
        var none = 0;
        return Exchange<int>(new What("delete link", name), null, ref none, LibC.ENODEV) == 0;
    }

    public void SetUp(string name) => SetFlags(name, (uint)LibC.IFF_UP, "set link up");

    public void SetDown(string name) => SetFlags(name, 0, "set link down");

    /// <summary>Makes <paramref name="name"/> a port of <paramref name="master"/> (a bridge); null releases it.</summary>
    public void SetMaster(string name, string? master)
    {
        var what = new What(master is null ? "set link nomaster" : "set link master", name, master);
        var masterIndex = master is null ? 0 : Resolve(master, what);
        BeginLink(LibC.RTM_SETLINK, 0, 0, name);
        _request.U32(LibC.IFLA_MASTER, (uint)masterIndex);
        Ack(what);
    }

    /// <summary>Moves a link into <paramref name="netns"/>; it keeps its name there (EEXIST if that is taken).</summary>
    public void MoveToNetns(string name, SafeFd netns)
    {
        BeginLink(LibC.RTM_SETLINK, 0, 0, name);
        TargetNetns(netns);
        Ack(new What("move link to netns", name));
    }

    public void Rename(string name, string newName)
    {
        var what = new What("rename link", name, newName);
        var index = Resolve(name, what);
        BeginLink(LibC.RTM_SETLINK, 0, index, newName);
        Ack(what);
    }

    public void SetMac(string name, byte[] mac)
    {
        BeginLink(LibC.RTM_SETLINK, 0, 0, name);
        _request.Attribute(LibC.IFLA_ADDRESS, mac);
        Ack(new What("set link address", name, Mac(mac)));
    }

    public void SetMtu(string name, int mtu)
    {
        BeginLink(LibC.RTM_SETLINK, 0, 0, name);
        _request.U32(LibC.IFLA_MTU, (uint)mtu);
        Ack(new What("set link mtu", name, mtu.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Hairpin mode of a bridge port: the bridge may send a frame back out of the port it came in on,
    /// which lets a container reach itself through a published port.</summary>
    public void SetHairpin(string portLink, bool on)
    {
        var what = new What("set bridge port hairpin", portLink, on ? "on" : "off");
        var index = Resolve(portLink, what);
        // kernel: the bridge reads IFLA_PROTINFO as port settings only when it is marked nested; otherwise it
        // takes it for a bare STP state.
        BeginLink(LibC.RTM_SETLINK, 0, index, null, LibC.AF_BRIDGE);
        var protinfo = _request.BeginNested(LibC.IFLA_PROTINFO);
        _request.U8(LibC.IFLA_BRPORT_MODE, on ? (byte)1 : (byte)0);
        _request.End(protinfo);
        Ack(what);
    }

    /// <summary>Whether hairpin mode is on for a bridge port; false also for a link that is no bridge port.</summary>
    public bool Hairpin(string portLink)
    {
        var on = false;
        GetLink(portLink);
        // The bridge reports its port settings in the port's own link message (IFLA_INFO_SLAVE_DATA).
        Exchange(new What("get link", portLink), static (ReadOnlySpan<byte> p, ref bool s) =>
        {
            var info = NetlinkAttributes.Find(p[Math.Min(IfInfoSize, p.Length)..], LibC.IFLA_LINKINFO);
            var port = NetlinkAttributes.Find(info, LibC.IFLA_INFO_SLAVE_DATA);
            var mode = NetlinkAttributes.Find(port, LibC.IFLA_BRPORT_MODE);
            s = mode.Length > 0 && mode[0] != 0;
        }, ref on);
        return on;
    }

    // ---- addresses ----

    /// <summary>Adds an address; IPv4 gets the broadcast address iproute2's <c>brd +</c> would give it, and IPv6
    /// skips duplicate address detection so the address is usable at once.</summary>
    public void AddAddress(string link, IPAddress address, int prefixLength)
    {
        var what = new What("add address", link, Cidr(address, prefixLength));
        var index = Resolve(link, what);
        BeginAddress(LibC.RTM_NEWADDR, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, index, address, prefixLength);
        if (address.AddressFamily == AddressFamily.InterNetwork && prefixLength <= 30)
        {
            // iproute2 adds it for prefixes up to /30; /31 and /32 have no broadcast address.
            Span<byte> broadcast = stackalloc byte[4];
            address.TryWriteBytes(broadcast, out _);
            BinaryPrimitives.WriteUInt32BigEndian(broadcast, BinaryPrimitives.ReadUInt32BigEndian(broadcast) | (uint.MaxValue >> prefixLength));
            _request.Attribute(LibC.IFA_BROADCAST, broadcast);
        }
        Ack(what);
    }

    public void DeleteAddress(string link, IPAddress address, int prefixLength)
    {
        var what = new What("delete address", link, Cidr(address, prefixLength));
        var index = Resolve(link, what);
        BeginAddress(LibC.RTM_DELADDR, 0, index, address, prefixLength);
        Ack(what);
    }

    /// <summary>The IPv4 and IPv6 addresses of <paramref name="link"/>, including link-local ones.</summary>
    public IReadOnlyList<(IPAddress Address, int PrefixLength)> Addresses(string link)
    {
        var what = new What("list addresses", link);
        var index = Resolve(link, what);
        return Dump<(IPAddress, int)>(what, () =>
        {
            _request.Begin(LibC.RTM_GETADDR, LibC.NLM_F_DUMP);
            _request.Fixed(new LibC.IfAddrMsg { ifa_index = index });
        }, (ReadOnlySpan<byte> p, ref List<(IPAddress, int)> list) =>
        {
            if (p.Length < 8)
            {
                return;
            }
            var ifa = MemoryMarshal.Read<LibC.IfAddrMsg>(p);
            if (ifa.ifa_index != index)
            {
                return; // a kernel without strict checking dumps every link
            }
            // IFA_LOCAL is the address itself; IFA_ADDRESS is the peer on point-to-point links, and all there is for IPv6.
            var local = NetlinkAttributes.Find(p[8..], LibC.IFA_LOCAL);
            var address = NetlinkAttributes.Address(local.IsEmpty ? NetlinkAttributes.Find(p[8..], LibC.IFA_ADDRESS) : local);
            if (address is not null)
            {
                list.Add((address, ifa.ifa_prefixlen));
            }
        });
    }

    // ---- routes ----

    /// <summary>Adds a unicast route to the main table (proto boot). 0.0.0.0/0 or ::/0 is the default route; an
    /// IPv4 route without a gateway has scope link, as ip(8) gives it.</summary>
    public void AddRoute(IPAddress destination, int prefixLength, IPAddress? gateway, string? link)
    {
        var what = new What("add route", link, Route(destination, prefixLength, gateway));
        var scope = gateway is null && destination.AddressFamily == AddressFamily.InterNetwork ? LibC.RT_SCOPE_LINK : LibC.RT_SCOPE_UNIVERSE;
        BeginRoute(LibC.RTM_NEWROUTE, LibC.NLM_F_CREATE | LibC.NLM_F_EXCL, destination, prefixLength, gateway, link, what, LibC.RTPROT_BOOT, scope, LibC.RTN_UNICAST);
        Ack(what);
    }

    /// <summary>Deletes the main-table route that matches; any protocol, scope and type.</summary>
    public void DeleteRoute(IPAddress destination, int prefixLength, IPAddress? gateway, string? link)
    {
        var what = new What("delete route", link, Route(destination, prefixLength, gateway));
        BeginRoute(LibC.RTM_DELROUTE, 0, destination, prefixLength, gateway, link, what, 0, LibC.RT_SCOPE_NOWHERE, 0);
        Ack(what);
    }

    /// <summary>The unicast routes of the main table for <paramref name="family"/> (InterNetwork or InterNetworkV6).</summary>
    public IReadOnlyList<RouteInfo> Routes(AddressFamily family)
    {
        var af = Family(family);
        return Dump<RouteInfo>(new What("list routes", null, family.ToString()), () =>
        {
            _request.Begin(LibC.RTM_GETROUTE, LibC.NLM_F_DUMP);
            _request.Fixed(new LibC.RtMsg { rtm_family = af, rtm_table = LibC.RT_TABLE_MAIN });
        }, static (ReadOnlySpan<byte> p, ref List<RouteInfo> list) =>
        {
            if (p.Length < 12)
            {
                return;
            }
            var rtm = MemoryMarshal.Read<LibC.RtMsg>(p);
            var attributes = p[12..];
            var table = NetlinkAttributes.Find(attributes, LibC.RTA_TABLE);
            if ((table.IsEmpty ? rtm.rtm_table : NetlinkAttributes.U32(table)) != LibC.RT_TABLE_MAIN || rtm.rtm_type != LibC.RTN_UNICAST)
            {
                return;
            }
            var destination = NetlinkAttributes.Address(NetlinkAttributes.Find(attributes, LibC.RTA_DST))
                ?? (rtm.rtm_family == LibC.AF_INET ? IPAddress.Any : IPAddress.IPv6Any);
            var oif = NetlinkAttributes.Find(attributes, LibC.RTA_OIF);
            list.Add(new RouteInfo(destination, rtm.rtm_dst_len, NetlinkAttributes.Address(NetlinkAttributes.Find(attributes, LibC.RTA_GATEWAY)),
                oif.IsEmpty ? null : (int)NetlinkAttributes.U32(oif)));
        });
    }

    // ---- neighbours and the bridge forwarding database ----

    /// <summary>A permanent ARP/NDP entry, replacing any entry for <paramref name="ip"/>.</summary>
    public void AddNeighbour(string link, IPAddress ip, byte[] mac)
    {
        var what = new What("add neighbour", link, ip.ToString());
        var index = Resolve(link, what);
        Begin(LibC.RTM_NEWNEIGH, LibC.NLM_F_CREATE | LibC.NLM_F_REPLACE);
        _request.Fixed(new LibC.NdMsg { ndm_family = Family(ip.AddressFamily), ndm_ifindex = index, ndm_state = LibC.NUD_PERMANENT });
        _request.Address(LibC.NDA_DST, ip);
        _request.Attribute(LibC.NDA_LLADDR, mac);
        Ack(what);
    }

    /// <summary>The ARP/NDP entries of <paramref name="link"/> that have a link-layer address.</summary>
    public IReadOnlyList<(IPAddress Address, byte[] Mac)> Neighbours(string link)
    {
        var what = new What("list neighbours", link);
        var index = Resolve(link, what);
        return Dump<(IPAddress, byte[])>(what, () =>
        {
            _request.Begin(LibC.RTM_GETNEIGH, LibC.NLM_F_DUMP);
            _request.Fixed(new LibC.NdMsg());
            _request.U32(LibC.NDA_IFINDEX, (uint)index);
        }, (ReadOnlySpan<byte> p, ref List<(IPAddress, byte[])> list) =>
        {
            if (p.Length < 12)
            {
                return;
            }
            var ndm = MemoryMarshal.Read<LibC.NdMsg>(p);
            var mac = NetlinkAttributes.Find(p[12..], LibC.NDA_LLADDR);
            if (ndm.ndm_ifindex == index && !mac.IsEmpty && NetlinkAttributes.Address(NetlinkAttributes.Find(p[12..], LibC.NDA_DST)) is { } ip)
            {
                list.Add((ip, mac.ToArray()));
            }
        });
    }

    /// <summary>Sends frames for <paramref name="mac"/> on a VXLAN device to <paramref name="remote"/>; appends, as
    /// <c>bridge fdb append</c> does, so one MAC (00:00:00:00:00:00 for floods) may reach several remotes.</summary>
    public void AddFdb(string vxlanLink, byte[] mac, IPAddress remote)
    {
        var what = new What("add fdb entry", vxlanLink, $"{Mac(mac)} dst {remote}");
        BeginFdb(LibC.RTM_NEWNEIGH, LibC.NLM_F_CREATE | LibC.NLM_F_APPEND, vxlanLink, mac, remote, what);
        Ack(what);
    }

    /// <summary>Removes the entry for <paramref name="mac"/> to <paramref name="remote"/>; others for that MAC stay.</summary>
    public void DeleteFdb(string vxlanLink, byte[] mac, IPAddress remote)
    {
        var what = new What("delete fdb entry", vxlanLink, $"{Mac(mac)} dst {remote}");
        BeginFdb(LibC.RTM_DELNEIGH, 0, vxlanLink, mac, remote, what);
        Ack(what);
    }

    /// <summary>The forwarding entries of a VXLAN device that name a remote.</summary>
    public IReadOnlyList<(byte[] Mac, IPAddress Remote)> Fdb(string vxlanLink)
    {
        var what = new What("list fdb entries", vxlanLink);
        var index = Resolve(vxlanLink, what);
        return Dump<(byte[], IPAddress)>(what, () =>
        {
            _request.Begin(LibC.RTM_GETNEIGH, LibC.NLM_F_DUMP);
            _request.Fixed(new LibC.NdMsg { ndm_family = LibC.AF_BRIDGE, ndm_ifindex = index });
        }, (ReadOnlySpan<byte> p, ref List<(byte[], IPAddress)> list) =>
        {
            if (p.Length < 12)
            {
                return;
            }
            var ndm = MemoryMarshal.Read<LibC.NdMsg>(p);
            var mac = NetlinkAttributes.Find(p[12..], LibC.NDA_LLADDR);
            if (ndm.ndm_ifindex == index && !mac.IsEmpty && NetlinkAttributes.Address(NetlinkAttributes.Find(p[12..], LibC.NDA_DST)) is { } remote)
            {
                list.Add((mac.ToArray(), remote));
            }
        });
    }

    // ---- request building ----

    /// <summary>Starts a request that is not a dump: those ask for an ack, which is how a change is known done.</summary>
    private void Begin(ushort type, ushort flags) => _request.Begin(type, (ushort)(flags | LibC.NLM_F_ACK));

    private void BeginLink(ushort type, ushort flags, int index, string? name, byte family = LibC.AF_UNSPEC)
    {
        Begin(type, flags);
        _request.Fixed(new LibC.IfInfoMsg { ifi_family = family, ifi_index = index });
        if (name is not null)
        {
            _request.String(LibC.IFLA_IFNAME, name);
        }
    }

    private void GetLink(string name)
    {
        BeginLink(LibC.RTM_GETLINK, 0, 0, name);
        _request.U32(LibC.IFLA_EXT_MASK, LibC.RTEXT_FILTER_SKIP_STATS);
    }

    private void SetFlags(string name, uint flags, string verb)
    {
        Begin(LibC.RTM_SETLINK, 0);
        _request.Fixed(new LibC.IfInfoMsg { ifi_flags = flags, ifi_change = (uint)LibC.IFF_UP });
        _request.String(LibC.IFLA_IFNAME, name);
        Ack(new What(verb, name));
    }

    private void Mtu(int mtu)
    {
        if (mtu > 0)
        {
            _request.U32(LibC.IFLA_MTU, (uint)mtu);
        }
    }

    private void TargetNetns(SafeFd? netns)
    {
        if (netns is not null)
        {
            _request.U32(LibC.IFLA_NET_NS_FD, (uint)netns.Fd);
        }
    }

    private void BeginAddress(ushort type, ushort flags, int index, IPAddress address, int prefixLength)
    {
        var family = Family(address.AddressFamily);
        CheckPrefix(family, prefixLength);
        Begin(type, flags);
        _request.Fixed(new LibC.IfAddrMsg
        {
            ifa_family = family,
            ifa_prefixlen = (byte)prefixLength,
            // compat(docker): no DAD on container addresses, or they stay "tentative" (unbindable) for a second.
            ifa_flags = family == LibC.AF_INET6 ? LibC.IFA_F_NODAD : (byte)0,
            ifa_scope = IPAddress.IsLoopback(address) && family == LibC.AF_INET ? LibC.RT_SCOPE_HOST : LibC.RT_SCOPE_UNIVERSE,
            ifa_index = index,
        });
        _request.Address(LibC.IFA_LOCAL, address);
        _request.Address(LibC.IFA_ADDRESS, address);
    }

    private void BeginRoute(ushort type, ushort flags, IPAddress destination, int prefixLength, IPAddress? gateway, string? link, in What what,
        byte protocol, byte scope, byte routeType)
    {
        var family = Family(destination.AddressFamily);
        CheckPrefix(family, prefixLength);
        if (gateway is not null && gateway.AddressFamily != destination.AddressFamily)
        {
            throw new ArgumentException($"gateway {gateway} is not of the family of {destination}", nameof(gateway));
        }
        var oif = link is null ? 0 : Resolve(link, what);
        Begin(type, flags);
        _request.Fixed(new LibC.RtMsg
        {
            rtm_family = family,
            rtm_dst_len = (byte)prefixLength,
            rtm_table = LibC.RT_TABLE_MAIN,
            rtm_protocol = protocol,
            rtm_scope = scope,
            rtm_type = routeType,
        });
        if (prefixLength > 0)
        {
            _request.Address(LibC.RTA_DST, destination);
        }
        if (gateway is not null)
        {
            _request.Address(LibC.RTA_GATEWAY, gateway);
        }
        if (oif != 0)
        {
            _request.U32(LibC.RTA_OIF, (uint)oif);
        }
    }

    private void BeginFdb(ushort type, ushort flags, string link, byte[] mac, IPAddress remote, in What what)
    {
        var index = Resolve(link, what);
        Begin(type, flags);
        // NTF_SELF: the entry belongs to the VXLAN device's own table, not to a bridge it may be a port of.
        _request.Fixed(new LibC.NdMsg { ndm_family = LibC.AF_BRIDGE, ndm_ifindex = index, ndm_state = LibC.NUD_PERMANENT, ndm_flags = LibC.NTF_SELF });
        _request.Attribute(LibC.NDA_LLADDR, mac);
        _request.Address(LibC.NDA_DST, remote);
    }

    // ---- the exchange ----

    /// <summary>The index of a link a request refers to, before that request is built (the lookup reuses the buffer).</summary>
    private int Resolve(string name, in What what)
    {
        var index = 0;
        GetLink(name);
        return Exchange(new What("get link", name), static (ReadOnlySpan<byte> p, ref int s) => s = IfIndex(p), ref index, LibC.ENODEV) == 0
            ? index
            : throw Failure(what, LibC.ENODEV, $"no link \"{name}\"");
    }

    private void Ack(in What what)
    {
        var none = 0;
        Exchange<int>(what, null, ref none);
    }

    /// <summary>A dump, run again if the kernel says a change raced it (NLM_F_DUMP_INTR), up to three times.</summary>
    private List<T> Dump<T>(in What what, Action build, Handler<List<T>> handler)
    {
        var list = new List<T>();
        for (var attempt = 1; ; attempt++)
        {
            build();
            Exchange(what, handler, ref list);
            if (!_interrupted || attempt == 3)
            {
                return list;
            }
            list.Clear();
        }
    }

    /// <summary>Sends the request built in <see cref="_request"/> and reads until its ack, error or end of dump,
    /// handing each reply to <paramref name="handler"/>. Returns 0, or <paramref name="tolerated"/> when the
    /// kernel answered with that errno; any other error throws.</summary>
    private int Exchange<TState>(in What what, Handler<TState>? handler, ref TState state, int tolerated = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var seq = ++_seq;
        _interrupted = false;
        Send(_request.Finish(seq), what);
        while (true)
        {
            var rest = _receive.AsSpan(0, Receive(what));
            while (rest.Length >= HeaderSize)
            {
                var header = MemoryMarshal.Read<LibC.NlMsgHdr>(rest);
                if (header.nlmsg_len < HeaderSize || header.nlmsg_len > rest.Length)
                {
                    throw new LinuxException(what.ToString(), null, LibC.EMSGSIZE, "malformed netlink reply");
                }
                var payload = rest[HeaderSize..(int)header.nlmsg_len];
                rest = rest[Math.Min(NetlinkWriter.Align((int)header.nlmsg_len), rest.Length)..];
                if (header.nlmsg_seq != seq)
                {
                    continue; // the rest of an earlier request that was abandoned midway
                }
                _interrupted |= (header.nlmsg_flags & LibC.NLM_F_DUMP_INTR) != 0;
                switch (header.nlmsg_type)
                {
                    case LibC.NLMSG_ERROR:
                    case LibC.NLMSG_DONE:
                        var errno = payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
                        if (errno == 0 || errno == tolerated)
                        {
                            return errno;
                        }
                        throw Failure(what, errno, ExtAck(header, payload));
                    case LibC.NLMSG_NOOP:
                        break;
                    default:
                        handler?.Invoke(payload, ref state);
                        break;
                }
            }
        }
    }

    private void Send(ReadOnlySpan<byte> request, in What what)
    {
        fixed (byte* p = request)
        {
            while (LibC.send(_fd.Fd, p, request.Length, 0) < 0)
            {
                if (Sys.LastErrno != LibC.EINTR)
                {
                    throw new LinuxException(what.ToString(), null, Sys.LastErrno);
                }
            }
        }
    }

    private int Receive(in What what)
    {
        fixed (byte* p = _receive)
        {
            while (true)
            {
                // MSG_TRUNC: the datagram's real length, so a reply too large for the buffer is an error, not a silent cut.
                var n = LibC.recv(_fd.Fd, p, _receive.Length, LibC.MSG_TRUNC);
                if (n > _receive.Length)
                {
                    throw new LinuxException(what.ToString(), null, LibC.EMSGSIZE);
                }
                if (n >= 0)
                {
                    return (int)n;
                }
                if (Sys.LastErrno != LibC.EINTR)
                {
                    throw new LinuxException(what.ToString(), null, Sys.LastErrno);
                }
            }
        }
    }

    /// <summary>The kernel's reason (NLMSGERR_ATTR_MSG), present with NETLINK_EXT_ACK.</summary>
    private static string? ExtAck(LibC.NlMsgHdr header, ReadOnlySpan<byte> payload)
    {
        if ((header.nlmsg_flags & LibC.NLM_F_ACK_TLVS) == 0)
        {
            return null;
        }
        var offset = 4; // NLMSG_DONE: the error, then the attributes
        if (header.nlmsg_type == LibC.NLMSG_ERROR)
        {
            // struct nlmsgerr: the error, the request's header, the rest of the request unless NLM_F_CAPPED.
            offset = payload.Length < 4 + HeaderSize ? payload.Length
                : (header.nlmsg_flags & LibC.NLM_F_CAPPED) != 0 ? 4 + HeaderSize
                : 4 + NetlinkWriter.Align((int)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]));
        }
        if (offset >= payload.Length)
        {
            return null;
        }
        var message = NetlinkAttributes.Find(payload[offset..], LibC.NLMSGERR_ATTR_MSG);
        return message.IsEmpty ? null : NetlinkAttributes.String(message);
    }

    private static LinuxException Failure(in What what, int errno, string? detail)
    {
        // kernel: rtnl_newlink answers EOPNOTSUPP with "Unknown device type" when no driver registered the kind and
        // none could be loaded; other EOPNOTSUPPs (a parent that cannot carry an ipvlan, say) keep their own words.
        if (errno == LibC.EOPNOTSUPP && what.CreatesKind is { } kind && detail is null or "Unknown device type")
        {
            return new LinuxException(what.ToString(), null, errno, $"the kernel has no {kind} link type (module {kind} not available)");
        }
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return new LinuxException(what.ToString(), null, errno, detail is null ? text : $"{text} ({detail})");
    }

    // ---- parsing ----

    private static int IfIndex(ReadOnlySpan<byte> payload) =>
        payload.Length >= IfInfoSize ? MemoryMarshal.Read<LibC.IfInfoMsg>(payload).ifi_index : 0;

    private static LinkInfo? ParseLink(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < IfInfoSize)
        {
            return null;
        }
        var ifi = MemoryMarshal.Read<LibC.IfInfoMsg>(payload);
        string? name = null, kind = null;
        int? master = null;
        byte[] mac = [];
        var mtu = 0;
        var attributes = new NetlinkAttributes(payload[IfInfoSize..]);
        while (attributes.Next(out var type, out var value))
        {
            switch (type)
            {
                case LibC.IFLA_IFNAME:
                    name = NetlinkAttributes.String(value);
                    break;
                case LibC.IFLA_ADDRESS:
                    mac = value.ToArray();
                    break;
                case LibC.IFLA_MTU:
                    mtu = (int)NetlinkAttributes.U32(value);
                    break;
                case LibC.IFLA_MASTER:
                    master = (int)NetlinkAttributes.U32(value);
                    break;
                case LibC.IFLA_LINKINFO:
                    var kindValue = NetlinkAttributes.Find(value, LibC.IFLA_INFO_KIND);
                    kind = kindValue.IsEmpty ? null : NetlinkAttributes.String(kindValue);
                    break;
                default:
                    break;
            }
        }
        return name is null ? null : new LinkInfo(ifi.ifi_index, name, kind, master, mac, mtu, (ifi.ifi_flags & LibC.IFF_UP) != 0);
    }

    private static byte Family(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => LibC.AF_INET,
        AddressFamily.InterNetworkV6 => LibC.AF_INET6,
        _ => throw new ArgumentException($"address family {family} is neither IPv4 nor IPv6", nameof(family)),
    };

    private static void CheckPrefix(byte family, int prefixLength)
    {
        if (prefixLength < 0 || prefixLength > (family == LibC.AF_INET ? 32 : 128))
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, "prefix length out of range for the address family");
        }
    }

    private static void SetOption(SafeFd fd, int option)
    {
        var on = 1;
        LibC.setsockopt(fd.Fd, LibC.SOL_NETLINK, option, &on, sizeof(int));
    }

    private static string Mac(byte[] mac) => string.Join(':', mac.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

    private static string Cidr(IPAddress address, int prefixLength) => $"{address}/{prefixLength}";

    private static string Route(IPAddress destination, int prefixLength, IPAddress? gateway) =>
        gateway is null ? Cidr(destination, prefixLength) : $"{destination}/{prefixLength} via {gateway}";

    /// <summary>What a request does, for its error message: <c>netlink add link "br-x" (bridge)</c>.</summary>
    private readonly struct What(string verb, string? link, string? detail = null, string? createsKind = null)
    {
        public string? CreatesKind { get; } = createsKind;

        public static What AddLink(string name, string kind) => new("add link", name, kind, kind);

        public override string ToString() =>
            "netlink " + verb + (link is null ? "" : $" \"{link}\"") + (detail is null ? "" : $" ({detail})");
    }
}

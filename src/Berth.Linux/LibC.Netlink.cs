using System.Runtime.InteropServices;

namespace Berth.Linux;

#pragma warning disable CA1707, IDE1006 // C names kept so the man page is the documentation.

/// <summary>rtnetlink(7) messages and attributes: values from the kernel's uapi headers (linux/netlink.h,
/// rtnetlink.h, if_link.h, if_addr.h, neighbour.h, veth.h).</summary>
public static partial class LibC
{
    // linux/netlink.h
    public const ushort NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3;
    public const ushort NLM_F_REQUEST = 0x01, NLM_F_MULTI = 0x02, NLM_F_ACK = 0x04, NLM_F_DUMP_INTR = 0x10,
        NLM_F_DUMP = 0x300, NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_APPEND = 0x800,
        NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
    public const ushort NLMSGERR_ATTR_MSG = 1;
    public const ushort NLA_F_NESTED = 0x8000, NLA_F_NET_BYTEORDER = 0x4000, NLA_TYPE_MASK = 0x3fff;

    // linux/rtnetlink.h
    public const ushort RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19,
        RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22,
        RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26,
        RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;
    public const byte RT_TABLE_MAIN = 254, RTPROT_BOOT = 3, RTN_UNICAST = 1,
        RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254, RT_SCOPE_NOWHERE = 255;
    public const ushort RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_TABLE = 15;
    public const uint RTEXT_FILTER_SKIP_STATS = 1 << 3;

    // linux/if_link.h
    public const ushort IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_MASTER = 10,
        IFLA_PROTINFO = 12, IFLA_LINKINFO = 18, IFLA_NET_NS_FD = 28, IFLA_EXT_MASK = 29;
    public const ushort IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, IFLA_INFO_SLAVE_KIND = 4, IFLA_INFO_SLAVE_DATA = 5;
    public const ushort IFLA_BRPORT_MODE = 4;
    public const ushort VETH_INFO_PEER = 1;
    public const ushort IFLA_MACVLAN_MODE = 1;
    public const uint MACVLAN_MODE_PRIVATE = 1, MACVLAN_MODE_VEPA = 2, MACVLAN_MODE_BRIDGE = 4, MACVLAN_MODE_PASSTHRU = 8;
    public const ushort IFLA_IPVLAN_MODE = 1;
    public const ushort IPVLAN_MODE_L2 = 0, IPVLAN_MODE_L3 = 1, IPVLAN_MODE_L3S = 2;
    public const ushort IFLA_VXLAN_ID = 1, IFLA_VXLAN_LINK = 3, IFLA_VXLAN_LOCAL = 4, IFLA_VXLAN_LEARNING = 7,
        IFLA_VXLAN_PORT = 15, IFLA_VXLAN_LOCAL6 = 17;

    // linux/if_addr.h
    public const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_BROADCAST = 4;
    public const byte IFA_F_NODAD = 0x02;

    // linux/neighbour.h
    public const ushort NDA_DST = 1, NDA_LLADDR = 2, NDA_IFINDEX = 8;
    public const ushort NUD_PERMANENT = 0x80;
    public const byte NTF_SELF = 0x02;

    [StructLayout(LayoutKind.Sequential)]
    public struct NlMsgHdr
    {
        public uint nlmsg_len;
        public ushort nlmsg_type;
        public ushort nlmsg_flags;
        public uint nlmsg_seq;
        public uint nlmsg_pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IfInfoMsg
    {
        public byte ifi_family;
        public byte __ifi_pad;
        public ushort ifi_type;
        public int ifi_index;
        public uint ifi_flags;
        public uint ifi_change;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IfAddrMsg
    {
        public byte ifa_family;
        public byte ifa_prefixlen;
        public byte ifa_flags;
        public byte ifa_scope;
        public int ifa_index;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RtMsg
    {
        public byte rtm_family;
        public byte rtm_dst_len;
        public byte rtm_src_len;
        public byte rtm_tos;
        public byte rtm_table;
        public byte rtm_protocol;
        public byte rtm_scope;
        public byte rtm_type;
        public uint rtm_flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct NdMsg
    {
        public byte ndm_family;
        public byte ndm_pad1;
        public ushort ndm_pad2;
        public int ndm_ifindex;
        public ushort ndm_state;
        public byte ndm_flags;
        public byte ndm_type;
    }
}

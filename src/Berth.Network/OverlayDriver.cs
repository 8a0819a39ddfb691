using System.Globalization;
using System.Net;
using Berth.Common;
using Berth.Linux;

namespace Berth.Network;

/// <summary>
/// The overlay driver: one layer-2 segment across Berth hosts. On each host a bridge without an address joins the
/// containers' veths to a VXLAN device (UDP 4789 from this host's <c>--cluster-advertise</c> address); frames for
/// unknown destinations are sent to every peer (<c>-o peers=IP,IP</c>), which is how ARP finds containers on
/// other hosts, and the kernel learns where each MAC lives from then on. Names and addresses of the other hosts'
/// containers come from <see cref="OverlayPeers"/>.
/// </summary>
internal sealed class OverlayDriver(Func<Netlink> host, LinkReaper reaper, IPAddress? advertise) : INetworkDriver
{
    public const string VxlanIdOption = "com.docker.network.driver.overlay.vxlanid_list";
    public const string PeersOption = "peers";
    public const int VxlanPort = 4789;

    /// <summary>1500 less the 50 bytes of VXLAN's outer headers, as Docker's overlay.</summary>
    private const int Mtu = 1450;

    public string Name => "overlay";

    public bool PublishesPorts => false;

    public static string BridgeOf(NetworkRecord n) => n.DriverState.TryGetValue("bridge", out var b) ? b : "ov-" + n.Id[..12];

    private static string VxlanOf(NetworkRecord n) => n.DriverState.TryGetValue("vxlan", out var v) ? v : "vx-" + n.Id[..12];

    /// <summary>The peers' addresses, as the network was created with.</summary>
    public static IReadOnlyList<IPAddress> Peers(NetworkRecord n) =>
        n.Options.TryGetValue(PeersOption, out var list)
            ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => Subnet.ParseAddress(p, "overlay peer address"))]
            : [];

    public void CreateNetwork(NetworkRecord network, AddressPool pool)
    {
        if (advertise is null)
        {
            throw BerthException.Invalid("overlay networks need this daemon's address on the network between the hosts: start berthd with --cluster-advertise IP");
        }
        if (!network.Ipam.Config.Any(c => c.UserDefined))
        {
            throw BerthException.Invalid("overlay networks need --subnet: every host of the network must use the same one");
        }
        _ = Peers(network); // a bad address is refused now, not when the first container joins
        uint vni;
        if (network.Options.TryGetValue(VxlanIdOption, out var text))
        {
            if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out vni) || vni is 0 or > 0xffffff)
            {
                throw BerthException.Invalid($"invalid VXLAN id {text}: 1 to 16777215");
            }
        }
        else
        {
            // Every host must pick the same id for the same network without talking: derive it from the name.
            vni = 4096 + (BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(network.Name))) % 1_000_000);
        }
        network.DriverState["bridge"] = BridgeOf(network);
        network.DriverState["vxlan"] = VxlanOf(network);
        network.DriverState["vni"] = vni.ToString(CultureInfo.InvariantCulture);
        Ensure(network);
    }

    public void RestoreNetwork(NetworkRecord network, AddressPool pool) => Ensure(network);

    private void Ensure(NetworkRecord network)
    {
        var nl = host();
        var bridge = BridgeOf(network);
        var vxlan = VxlanOf(network);
        var vni = uint.Parse(network.DriverState["vni"], CultureInfo.InvariantCulture);
        var made = new List<string>();
        try
        {
            if (nl.Link(bridge) is null)
            {
                nl.AddBridge(bridge, Mtu);
                made.Add(bridge);
            }
            if (nl.Link(vxlan) is null)
            {
                nl.AddVxlan(vxlan, vni, advertise, VxlanPort, null, learning: true, Mtu);
                made.Add(vxlan);
                foreach (var peer in Peers(network))
                {
                    nl.AddFdb(vxlan, new byte[6], peer);
                }
            }
            nl.SetMaster(vxlan, bridge);
            nl.SetUp(vxlan);
            nl.SetUp(bridge);
        }
        catch (LinuxException e)
        {
            foreach (var link in made)
            {
                nl.TryDeleteLink(link);
            }
            throw new BerthException(ErrorKind.FailedPrecondition, $"cannot create overlay network {network.Name}: {e.Message}", e);
        }
    }

    public void DeleteNetwork(NetworkRecord network)
    {
        var nl = host();
        nl.TryDeleteLink(VxlanOf(network));
        nl.TryDeleteLink(BridgeOf(network));
    }

    public void CreateEndpoint(NetworkRecord network, Endpoint endpoint)
    {
    }

    public void DeleteEndpoint(NetworkRecord network, Endpoint endpoint)
    {
    }

    public void Join(NetworkRecord network, Endpoint endpoint, SafeFd sandbox, string sandboxKey) =>
        VethEndpoint.Join(host(), BridgeOf(network), endpoint, sandbox, Mtu, hairpin: false);

    public void Leave(NetworkRecord network, Endpoint endpoint, SafeFd? sandbox) => VethEndpoint.Leave(host, reaper, endpoint, sandbox);
}

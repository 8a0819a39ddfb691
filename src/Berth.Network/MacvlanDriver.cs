using Berth.Common;
using Berth.Linux;

namespace Berth.Network;

/// <summary>
/// Docker's macvlan and ipvlan drivers: each endpoint is a child link of a parent interface of the host
/// (<c>-o parent=IFACE</c>), made directly inside the sandbox, with an address of the network's subnet. The host keeps
/// nothing per network; the gateway is an outside router, never an address of the host.
/// </summary>
internal sealed class MacvlanDriver(Func<Netlink> host, bool ipvlan) : INetworkDriver
{
    public string Name => ipvlan ? "ipvlan" : "macvlan";

    public bool PublishesPorts => false;

    private string ModeOption => ipvlan ? "ipvlan_mode" : "macvlan_mode";

    private static readonly string[] MacvlanModes = ["bridge", "private", "vepa", "passthru"];
    private static readonly string[] IpvlanModes = ["l2", "l3", "l3s"];

    private string Mode(NetworkRecord n) => n.Options.TryGetValue(ModeOption, out var m) && m.Length > 0 ? m : ipvlan ? "l2" : "bridge";

    public void CreateNetwork(NetworkRecord network, AddressPool pool)
    {
        var mode = Mode(network);
        if (!(ipvlan ? IpvlanModes : MacvlanModes).Contains(mode))
        {
            throw BerthException.Invalid($"requested {Name} mode '{mode}' is not valid, '{string.Join("', '", ipvlan ? IpvlanModes : MacvlanModes)}' are supported");
        }
        if (!network.Options.TryGetValue("parent", out var parent) || parent.Length == 0)
        {
            // compat(docker): dockerd makes a dummy parent when none is given; this kernel may lack the dummy type.
            throw BerthException.Invalid($"{Name} networks need a parent interface on this host: -o parent=IFACE (a dummy parent, as dockerd would make, needs the dummy link type)");
        }
        var nl = host();
        if (nl.Link(parent) is null)
        {
            throw BerthException.Invalid($"-o parent interface was not found on the host: {parent}");
        }
        if (ipvlan)
        {
            // Docker checks the kernel when the network is made; make and drop a child to find out now, not at run.
            var probe = "bvp" + network.Id[..8];
            try
            {
                nl.AddIpvlan(probe, parent, mode);
            }
            catch (LinuxException e)
            {
                throw BerthException.Precondition($"cannot create ipvlan network {network.Name}: {e.Message}");
            }
            nl.TryDeleteLink(probe);
        }
        network.DriverState["parent"] = parent;
    }

    public void RestoreNetwork(NetworkRecord network, AddressPool pool)
    {
    }

    public void DeleteNetwork(NetworkRecord network)
    {
    }

    /// <summary>The address and MAC are the controller's; nothing is made before the sandbox exists.</summary>
    public void CreateEndpoint(NetworkRecord network, Endpoint endpoint)
    {
    }

    public void DeleteEndpoint(NetworkRecord network, Endpoint endpoint)
    {
    }

    public void Join(NetworkRecord network, Endpoint endpoint, SafeFd sandbox, string sandboxKey)
    {
        var parent = network.DriverState["parent"];
        var nl = host();
        try
        {
            if (ipvlan)
            {
                nl.AddIpvlan(endpoint.Interface, parent, Mode(network), sandbox);
                endpoint.MacAddress = "";
            }
            else
            {
                nl.AddMacvlan(endpoint.Interface, parent, Mode(network), sandbox);
            }
        }
        catch (LinuxException e) when (e.Errno == LibC.ENODEV)
        {
            throw BerthException.Precondition($"{Name} parent interface {parent} of network {network.Name} is gone from the host");
        }
        using var inner = Netlink.OpenIn(sandbox);
        try
        {
            if (ipvlan && Mode(network) != "l2")
            {
                // An L3 ipvlan child routes by its own address; the gateway is the parent's business.
                endpoint.Gateway = null;
                SandboxInterface.Configure(inner, endpoint);
                if (endpoint.DefaultRoute)
                {
                    inner.AddRoute(System.Net.IPAddress.Any, 0, null, endpoint.Interface);
                }
            }
            else
            {
                SandboxInterface.Configure(inner, endpoint);
            }
        }
        catch
        {
            inner.TryDeleteLink(endpoint.Interface);
            throw;
        }
    }

    public void Leave(NetworkRecord network, Endpoint endpoint, SafeFd? sandbox)
    {
        if (sandbox is not null)
        {
            using var inner = Netlink.OpenIn(sandbox);
            inner.TryDeleteLink(endpoint.Interface);
        }
    }
}

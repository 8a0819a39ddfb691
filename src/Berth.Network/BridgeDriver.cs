using System.Globalization;
using Berth.Common;
using Berth.Linux;

namespace Berth.Network;

/// <summary>
/// Docker's bridge driver: a Linux bridge per network holding the gateway address, and per endpoint a veth pair
/// whose container end is made directly inside the sandbox. NAT and isolation come from the <see cref="IFirewall"/>.
/// </summary>
internal sealed class BridgeDriver(Func<Netlink> host, LinkReaper reaper) : INetworkDriver
{
    public const string BridgeNameOption = "com.docker.network.bridge.name";
    public const string MasqueradeOption = "com.docker.network.bridge.enable_ip_masquerade";
    public const string MtuOption = "com.docker.network.driver.mtu";

    public string Name => "bridge";

    public bool PublishesPorts => true;

    public static string BridgeOf(NetworkRecord n) =>
        n.DriverState.TryGetValue("bridge", out var b) ? b : n.Options.TryGetValue(BridgeNameOption, out var o) ? o : "br-" + n.Id[..12];

    public static bool Masquerades(NetworkRecord n) => !n.Options.TryGetValue(MasqueradeOption, out var v) || v != "false";

    public void CreateNetwork(NetworkRecord network, AddressPool pool)
    {
        var name = BridgeOf(network);
        if (name.Length > 15 || name.Length == 0 || name.Any(c => c is '/' or ' ' or ':'))
        {
            throw BerthException.Invalid($"invalid bridge name: {name}");
        }
        if (network.Options.TryGetValue(MtuOption, out var mtuText) && !int.TryParse(mtuText, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw BerthException.Invalid($"invalid MTU number: {mtuText}");
        }
        network.DriverState["bridge"] = name;
        Ensure(network, pool);
    }

    public void RestoreNetwork(NetworkRecord network, AddressPool pool) => Ensure(network, pool);

    private static int Mtu(NetworkRecord n) =>
        n.Options.TryGetValue(MtuOption, out var m) && int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var mtu) ? mtu : 0;

    private void Ensure(NetworkRecord network, AddressPool pool)
    {
        var name = BridgeOf(network);
        var nl = host();
        var link = nl.Link(name);
        var made = false;
        if (link is null)
        {
            nl.AddBridge(name, Mtu(network));
            made = true;
        }
        else if (link.Kind != "bridge")
        {
            throw BerthException.Conflict($"cannot create network {network.Name}: interface {name} exists and is not a bridge");
        }
        try
        {
            if (!nl.Addresses(name).Any(a => a.Address.Equals(pool.Gateway)))
            {
                nl.AddAddress(name, pool.Gateway, pool.Subnet.PrefixLength);
            }
            nl.SetUp(name);
            // Published ports reached from 127.0.0.1 are routed here; the kernel drops such packets unless told not to.
            Sysctl("net/ipv4/conf/" + name + "/route_localnet", "1");
            if (!network.Internal)
            {
                Sysctl("net/ipv4/ip_forward", "1");
            }
        }
        catch when (made)
        {
            nl.TryDeleteLink(name);
            throw;
        }
    }

    public void DeleteNetwork(NetworkRecord network) => host().TryDeleteLink(BridgeOf(network));

    /// <summary>The address and MAC are the controller's; nothing is made before the sandbox exists.</summary>
    public void CreateEndpoint(NetworkRecord network, Endpoint endpoint)
    {
    }

    public void DeleteEndpoint(NetworkRecord network, Endpoint endpoint)
    {
    }

    public void Join(NetworkRecord network, Endpoint endpoint, SafeFd sandbox, string sandboxKey) =>
        VethEndpoint.Join(host(), BridgeOf(network), endpoint, sandbox, Mtu(network), hairpin: true);

    public void Leave(NetworkRecord network, Endpoint endpoint, SafeFd? sandbox) => VethEndpoint.Leave(host, reaper, endpoint, sandbox);

    internal static void Sysctl(string key, string value)
    {
        var path = "/proc/sys/" + key;
        try
        {
            if (File.ReadAllText(path).Trim() != value)
            {
                File.WriteAllText(path, value);
            }
        }
        catch (IOException e)
        {
            throw new BerthException(ErrorKind.Unknown, $"cannot set {key.Replace('/', '.')} to {value}: {e.Message}", e);
        }
    }
}

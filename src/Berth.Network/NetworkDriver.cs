using Berth.Linux;

namespace Berth.Network;

/// <summary>
/// A network driver of the Container Network Model: it makes a network's host side (a bridge, a parent link) and,
/// for each endpoint, the container's interface in the sandbox (the container's network namespace).
/// </summary>
internal interface INetworkDriver
{
    string Name { get; }

    /// <summary>Whether the host can publish ports to its endpoints through NAT.</summary>
    bool PublishesPorts { get; }

    /// <summary>Checks options, makes what the network needs on the host; records it in DriverState.</summary>
    void CreateNetwork(NetworkRecord network, AddressPool pool);

    /// <summary>Finds or remakes the host side after a daemon restart (a bridge survives; after a reboot it does not).</summary>
    void RestoreNetwork(NetworkRecord network, AddressPool pool);

    void DeleteNetwork(NetworkRecord network);

    /// <summary>An endpoint got its address on the network (before its container starts): the driver may refuse it
    /// or fill in what it owns (a remote driver's MAC address). Nothing is made in a sandbox yet.</summary>
    void CreateEndpoint(NetworkRecord network, Endpoint endpoint);

    /// <summary>Makes <paramref name="endpoint"/>'s interface inside <paramref name="sandbox"/>, addressed and up.
    /// <paramref name="sandboxKey"/> names the sandbox for other programs (a path of the namespace).</summary>
    void Join(NetworkRecord network, Endpoint endpoint, SafeFd sandbox, string sandboxKey);

    /// <summary>Removes the endpoint's interface while the sandbox lives on (<c>network disconnect</c>); a no-op when
    /// the sandbox is gone (null), since the kernel removed its interfaces with it.</summary>
    void Leave(NetworkRecord network, Endpoint endpoint, SafeFd? sandbox);

    /// <summary>The endpoint is gone for good (after <see cref="Leave"/>, or without a join when its container failed
    /// to start). A driver's refusal is logged, not thrown: the endpoint goes regardless.</summary>
    void DeleteEndpoint(NetworkRecord network, Endpoint endpoint);
}

/// <summary>Sets the address, the MAC, the state and the routes of an interface inside a sandbox.</summary>
internal static class SandboxInterface
{
    public static void Configure(Netlink inner, Endpoint endpoint)
    {
        if (!string.IsNullOrEmpty(endpoint.MacAddress))
        {
            inner.SetMac(endpoint.Interface, MacAddresses.Parse(endpoint.MacAddress));
        }
        inner.AddAddress(endpoint.Interface, endpoint.Address!, endpoint.PrefixLength);
        inner.SetUp(endpoint.Interface);
        if (endpoint.DefaultRoute && endpoint.Gateway is not null)
        {
            inner.AddRoute(System.Net.IPAddress.Any, 0, endpoint.Gateway, endpoint.Interface);
        }
    }
}

/// <summary>A veth pair for an endpoint on a bridge (the bridge and overlay drivers): the container's end made
/// directly inside the sandbox (a move would wait for an RCU grace period), the host's end a port of the bridge.</summary>
internal static class VethEndpoint
{
    public static void Join(Netlink host, string bridge, Endpoint endpoint, SafeFd sandbox, int mtu, bool hairpin)
    {
        var hostEnd = "veth" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))[..7];
        host.AddVeth(hostEnd, endpoint.Interface, mtu, sandbox);
        endpoint.HostInterface = hostEnd;
        try
        {
            host.SetMaster(hostEnd, bridge);
            if (hairpin)
            {
                host.SetHairpin(hostEnd, true);
            }
            host.SetUp(hostEnd);
            using var inner = Netlink.OpenIn(sandbox);
            SandboxInterface.Configure(inner, endpoint);
        }
        catch
        {
            host.TryDeleteLink(hostEnd);
            endpoint.HostInterface = null;
            throw;
        }
    }

    /// <summary>Removes the host's end (and with it the container's): at once while the sandbox lives on, in the
    /// background once it is gone (the kernel removes it with the namespace anyway).</summary>
    public static void Leave(Func<Netlink> host, LinkReaper reaper, Endpoint endpoint, SafeFd? sandbox)
    {
        if (endpoint.HostInterface is not { } h)
        {
            return;
        }
        if (sandbox is null)
        {
            reaper.Delete(h);
        }
        else
        {
            host().TryDeleteLink(h);
        }
    }
}

/// <summary>MAC addresses as Docker makes them: 02:42 followed by the IPv4 address.</summary>
public static class MacAddresses
{
    public static string FromIPv4(System.Net.IPAddress address)
    {
        var b = address.GetAddressBytes();
        return $"02:42:{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}";
    }

    public static byte[] Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw Common.BerthException.Invalid($"invalid MAC address: {text}");

    /// <summary>An Ethernet address in any form Go's net.ParseMAC reads (<c>02:42:ac:11:00:02</c>,
    /// <c>02-42-AC-11-00-02</c>, <c>0242.ac11.0002</c>): six octets. The 8- and 20-octet forms Go also reads are
    /// no Ethernet address.</summary>
    public static bool TryParse(string text, out byte[] mac) =>
        Common.GoHardwareAddr.TryParse(text, out mac) && mac.Length == 6;

    /// <summary>The form dockerd shows an endpoint's MAC address in: <c>02:42:ac:11:00:02</c>.</summary>
    public static string Canonical(string text) => Common.GoHardwareAddr.Format(Parse(text));

    /// <summary>A random locally administered unicast address (for drivers that do not derive one from the IP).</summary>
    public static string Random()
    {
        Span<byte> b = stackalloc byte[6];
        System.Security.Cryptography.RandomNumberGenerator.Fill(b);
        b[0] = (byte)((b[0] & 0xfe) | 0x02);
        return $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}";
    }
}

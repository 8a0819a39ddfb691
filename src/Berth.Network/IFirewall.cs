namespace Berth.Network;

/// <summary>
/// Berth's packet filtering and NAT, whole: each call states everything the rules must say (NAT for published
/// ports, masquerading, isolation), and the backend rewrites its own rules in one atomic step to match.
/// </summary>
public interface IFirewall : IDisposable
{
    /// <summary>The name of Berth's rules on the host: the nftables table, the prefix of the iptables chains.</summary>
    string Table { get; }

    /// <summary><c>nftables</c> or <c>iptables</c>, as <c>--firewall-backend</c> names them.</summary>
    string Backend { get; }

    void Apply(IReadOnlyList<BridgeRules> bridges, IReadOnlyList<PortRules> ports);

    /// <summary>Lets forwarded traffic of these bridges through where another firewall drops it by default
    /// (dockerd's <c>FORWARD</c> chain, policy drop); replaces the list given before.</summary>
    void AcceptInForeignForward(IReadOnlyList<string> bridges);

    /// <summary>Removes every rule of Berth's: the host as it was before Berth.</summary>
    void Remove();
}

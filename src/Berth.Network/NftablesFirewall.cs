using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Berth.Linux;

namespace Berth.Network;

/// <summary>
/// Berth's packet filtering and NAT: one nftables table of its own, rewritten whole in one transaction whenever a
/// network or a published port changes, so it always equals the daemon's state and a restart leaves nothing stale.
/// Where another firewall's forward chain drops by default (dockerd's <c>ip filter FORWARD</c>, policy drop),
/// Berth's bridges are let through there too, by rules that carry the table's name as their comment.
/// </summary>
public sealed partial class NftablesFirewall(Nftables nft, string table) : IFirewall
{
    public string Table { get; } = table;

    public string Backend => "nftables";

    public void Apply(IReadOnlyList<BridgeRules> bridges, IReadOnlyList<PortRules> ports) =>
        nft.Run($"add table ip {Table}\ndelete table ip {Table}\n" + Render(Table, bridges, ports));

    /// <summary>The table for the given state, in nft's language.</summary>
    public static string Render(string table, IReadOnlyList<BridgeRules> bridges, IReadOnlyList<PortRules> ports)
    {
        var s = new StringBuilder();
        s.Append("table ip ").Append(table).Append(" {\n");

        s.Append("  chain published {\n");
        foreach (var p in ports)
        {
            s.Append("    ");
            if (!p.Port.HostIp.Equals(IPAddress.Any))
            {
                s.Append("ip daddr ").Append(p.Port.HostIp).Append(' ');
            }
            s.Append(p.Port.Protocol).Append(" dport ").Append(p.Port.HostPort)
                .Append(" dnat to ").Append(p.ContainerIp).Append(':').Append(p.Port.ContainerPort).Append('\n');
        }
        s.Append("  }\n");
        s.Append("  chain prerouting {\n    type nat hook prerouting priority dstnat; policy accept;\n    fib daddr type local jump published\n  }\n");
        s.Append("  chain output {\n    type nat hook output priority -100; policy accept;\n    fib daddr type local jump published\n  }\n");

        s.Append("  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
        foreach (var b in bridges)
        {
            if (b.Masquerade && !b.Internal)
            {
                s.Append("    ip saddr ").Append(b.Subnet).Append(" oifname != ").Append(Quote(b.Bridge)).Append(" masquerade\n");
            }
            // A published port reached from the host's loopback leaves with source 127.0.0.1, which the container
            // could not answer: give it the bridge's address (the bridge has route_localnet set for this).
            s.Append("    oifname ").Append(Quote(b.Bridge)).Append(" ip saddr 127.0.0.0/8 masquerade\n");
        }
        foreach (var p in ports)
        {
            // Hairpin: a container reaching its own published port must see the answer come from elsewhere.
            s.Append("    ip saddr ").Append(p.ContainerIp).Append(" ip daddr ").Append(p.ContainerIp).Append(' ')
                .Append(p.Port.Protocol).Append(" dport ").Append(p.Port.ContainerPort).Append(" masquerade\n");
        }
        s.Append("  }\n");

        s.Append("  chain forward {\n    type filter hook forward priority filter; policy accept;\n");
        s.Append("    ct status dnat accept\n");
        foreach (var b in bridges)
        {
            var name = Quote(b.Bridge);
            if (b.Internal)
            {
                s.Append("    iifname ").Append(name).Append(" oifname != ").Append(name).Append(" drop\n");
                s.Append("    oifname ").Append(name).Append(" iifname != ").Append(name).Append(" drop\n");
            }
            var others = bridges.Where(o => o.Bridge != b.Bridge).Select(o => Quote(o.Bridge)).ToList();
            if (others.Count > 0)
            {
                // Networks are isolated from each other, as Docker's DOCKER-ISOLATION chains make them.
                s.Append("    iifname ").Append(name).Append(" oifname { ").Append(string.Join(", ", others)).Append(" } drop\n");
            }
        }
        s.Append("  }\n");
        s.Append("}\n");
        return s.ToString();
    }

    /// <summary>Lets Berth's bridges through a foreign <c>ip filter FORWARD</c> chain (iptables-nft's, as dockerd
    /// makes it with policy drop); removes the rules it added before. Nothing happens where that chain is absent.</summary>
    public void AcceptInForeignForward(IReadOnlyList<string> bridges)
    {
        string listing;
        try
        {
            listing = nft.Run("list chain ip filter FORWARD", handles: true);
        }
        catch (NftablesException)
        {
            return;
        }
        var batch = new StringBuilder();
        var comment = $"comment \"{Table}\"";
        foreach (var line in listing.Split('\n'))
        {
            if (line.Contains(comment, StringComparison.Ordinal) && Handle().Match(line) is { Success: true } m)
            {
                batch.Append("delete rule ip filter FORWARD handle ").Append(m.Groups[1].Value).Append('\n');
            }
        }
        foreach (var b in bridges)
        {
            batch.Append("insert rule ip filter FORWARD iifname ").Append(Quote(b)).Append(" accept ").Append(comment).Append('\n');
            batch.Append("insert rule ip filter FORWARD oifname ").Append(Quote(b)).Append(" accept ").Append(comment).Append('\n');
        }
        if (batch.Length > 0)
        {
            nft.Run(batch.ToString());
        }
    }

    /// <summary>Removes the table and the foreign-chain rules: the host as it was before Berth.</summary>
    public void Remove()
    {
        try
        {
            nft.Run($"delete table ip {Table}");
        }
        catch (NftablesException)
        {
        }
        AcceptInForeignForward([]);
    }

    public void Dispose() => nft.Dispose();

    private static string Quote(string name) => "\"" + name + "\"";

    [GeneratedRegex(@"# handle (\d+)\s*$")]
    private static partial Regex Handle();
}

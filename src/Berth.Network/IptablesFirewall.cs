using System.Net;
using System.Text;
using Berth.Linux;

namespace Berth.Network;

/// <summary>
/// The fallback where nftables is missing: the same rules as <see cref="NftablesFirewall"/>'s table, in chains of
/// Berth's own in iptables-legacy's <c>nat</c> and <c>filter</c> tables (<c>BERTH-PUBLISHED</c>,
/// <c>BERTH-POSTROUTING</c>, <c>BERTH-FORWARD</c>; a daemon with table <c>berth-1a2b3c</c> has
/// <c>BERTH-1A2B3C-…</c>), jumped to from the built-in chains as dockerd's DOCKER chains are. Each change is one
/// <c>iptables-legacy-restore --noflush</c>: every table it names is replaced atomically, and declaring a chain of
/// Berth's empties it, so the chains are rewritten whole as the nftables table is. The jumps carry the table's name
/// as their comment, which is how they are found again to be replaced or removed.
/// </summary>
public sealed class IptablesFirewall(IptablesLegacy iptables, string table) : IFirewall
{
    private readonly Lock _lock = new();
    private IReadOnlyList<BridgeRules> _bridges = [];
    private IReadOnlyList<PortRules> _ports = [];
    private IReadOnlyList<string> _accepted = [];

    public string Table { get; } = table;

    public string Backend => "iptables";

    public void Apply(IReadOnlyList<BridgeRules> bridges, IReadOnlyList<PortRules> ports)
    {
        lock (_lock)
        {
            (_bridges, _ports) = (bridges, ports);
            iptables.Restore(Render(Table, bridges, ports, _accepted, iptables.Save()));
        }
    }

    /// <summary>In iptables the accept rules share the built-in FORWARD chain with whatever drops there, so they
    /// go at the end of Berth's own forward chain, after its isolation rules.</summary>
    public void AcceptInForeignForward(IReadOnlyList<string> bridges)
    {
        lock (_lock)
        {
            _accepted = bridges;
            iptables.Restore(Render(Table, _bridges, _ports, _accepted, iptables.Save()));
        }
    }

    public void Remove()
    {
        lock (_lock)
        {
            var removal = RenderRemoval(Table, iptables.Save());
            if (removal.Length > 0)
            {
                iptables.Restore(removal);
            }
        }
    }

    public void Dispose()
    {
    }

    /// <summary>The chains' prefix: the table's name in capitals, as iptables chains are usually named.</summary>
    public static string ChainPrefix(string table) => table.ToUpperInvariant();

    /// <summary>iptables-restore input that makes Berth's chains say what the nftables table would, and replaces
    /// the jumps to them that <paramref name="saved"/> (iptables-save's output) shows.</summary>
    public static string Render(string table, IReadOnlyList<BridgeRules> bridges, IReadOnlyList<PortRules> ports,
        IReadOnlyList<string> accepted, string saved)
    {
        var prefix = ChainPrefix(table);
        var (published, postrouting, forward) = (prefix + "-PUBLISHED", prefix + "-POSTROUTING", prefix + "-FORWARD");
        var current = Saved.Parse(saved);
        var comment = "-m comment --comment " + table;
        var s = new StringBuilder();

        s.Append("*nat\n");
        s.Append(':').Append(published).Append(" - [0:0]\n");
        s.Append(':').Append(postrouting).Append(" - [0:0]\n");
        DeleteJumps(s, current, "nat", table);
        foreach (var p in ports)
        {
            s.Append("-A ").Append(published);
            if (!p.Port.HostIp.Equals(IPAddress.Any))
            {
                s.Append(" -d ").Append(p.Port.HostIp).Append("/32");
            }
            s.Append(" -p ").Append(p.Port.Protocol).Append(" -m ").Append(p.Port.Protocol).Append(" --dport ").Append(p.Port.HostPort)
                .Append(" -j DNAT --to-destination ").Append(p.ContainerIp).Append(':').Append(p.Port.ContainerPort).Append('\n');
        }
        foreach (var b in bridges)
        {
            if (b.Masquerade && !b.Internal)
            {
                s.Append("-A ").Append(postrouting).Append(" -s ").Append(b.Subnet).Append(" ! -o ").Append(b.Bridge).Append(" -j MASQUERADE\n");
            }
            // From the host's loopback (route_localnet): the container could not answer 127.0.0.1.
            s.Append("-A ").Append(postrouting).Append(" -s 127.0.0.0/8 -o ").Append(b.Bridge).Append(" -j MASQUERADE\n");
        }
        foreach (var p in ports)
        {
            // Hairpin: a container reaching its own published port must see the answer come from elsewhere.
            s.Append("-A ").Append(postrouting).Append(" -s ").Append(p.ContainerIp).Append("/32 -d ").Append(p.ContainerIp)
                .Append("/32 -p ").Append(p.Port.Protocol).Append(" -m ").Append(p.Port.Protocol).Append(" --dport ").Append(p.Port.ContainerPort)
                .Append(" -j MASQUERADE\n");
        }
        s.Append("-I PREROUTING -m addrtype --dst-type LOCAL ").Append(comment).Append(" -j ").Append(published).Append('\n');
        s.Append("-I OUTPUT -m addrtype --dst-type LOCAL ").Append(comment).Append(" -j ").Append(published).Append('\n');
        s.Append("-I POSTROUTING ").Append(comment).Append(" -j ").Append(postrouting).Append('\n');
        s.Append("COMMIT\n");

        s.Append("*filter\n");
        s.Append(':').Append(forward).Append(" - [0:0]\n");
        DeleteJumps(s, current, "filter", table);
        s.Append("-A ").Append(forward).Append(" -m conntrack --ctstate DNAT -j ACCEPT\n");
        foreach (var b in bridges)
        {
            if (b.Internal)
            {
                s.Append("-A ").Append(forward).Append(" -i ").Append(b.Bridge).Append(" ! -o ").Append(b.Bridge).Append(" -j DROP\n");
                s.Append("-A ").Append(forward).Append(" -o ").Append(b.Bridge).Append(" ! -i ").Append(b.Bridge).Append(" -j DROP\n");
            }
            foreach (var o in bridges.Where(o => o.Bridge != b.Bridge))
            {
                // Networks are isolated from each other, as Docker's DOCKER-ISOLATION chains make them.
                s.Append("-A ").Append(forward).Append(" -i ").Append(b.Bridge).Append(" -o ").Append(o.Bridge).Append(" -j DROP\n");
            }
        }
        foreach (var b in accepted)
        {
            s.Append("-A ").Append(forward).Append(" -i ").Append(b).Append(" -j ACCEPT\n");
            s.Append("-A ").Append(forward).Append(" -o ").Append(b).Append(" -j ACCEPT\n");
        }
        s.Append("-I FORWARD ").Append(comment).Append(" -j ").Append(forward).Append('\n');
        s.Append("COMMIT\n");
        return s.ToString();
    }

    /// <summary>iptables-restore input that removes Berth's jumps and chains that <paramref name="saved"/> shows;
    /// empty when there are none.</summary>
    public static string RenderRemoval(string table, string saved)
    {
        var prefix = ChainPrefix(table) + "-";
        var s = new StringBuilder();
        foreach (var (name, t) in Saved.Parse(saved))
        {
            var ours = t.Chains.Where(c => c.StartsWith(prefix, StringComparison.Ordinal) && IsOurs(c[prefix.Length..])).ToList();
            var jumps = t.Rules.Where(r => IsJump(r, table)).ToList();
            if (ours.Count == 0 && jumps.Count == 0)
            {
                continue;
            }
            s.Append('*').Append(name).Append('\n');
            DeleteJumps(s, t, table);
            // A chain is deleted only once empty and no longer jumped to.
            foreach (var c in ours)
            {
                s.Append("-F ").Append(c).Append('\n');
            }
            foreach (var c in ours)
            {
                s.Append("-X ").Append(c).Append('\n');
            }
            s.Append("COMMIT\n");
        }
        return s.ToString();
    }

    private static bool IsOurs(string suffix) => suffix is "PUBLISHED" or "POSTROUTING" or "FORWARD";

    private static void DeleteJumps(StringBuilder s, IReadOnlyDictionary<string, Saved> current, string name, string table)
    {
        if (current.TryGetValue(name, out var t))
        {
            DeleteJumps(s, t, table);
        }
    }

    /// <summary>A saved rule is deleted by the same words with <c>-D</c> for <c>-A</c>.</summary>
    private static void DeleteJumps(StringBuilder s, Saved t, string table)
    {
        foreach (var rule in t.Rules.Where(r => IsJump(r, table)))
        {
            s.Append("-D").Append(rule.AsSpan(2)).Append('\n');
        }
    }

    private static bool IsJump(string rule, string table)
    {
        var words = rule.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i + 1 < words.Length; i++)
        {
            if (words[i] == "--comment" && words[i + 1] == table)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>One table of iptables-save's output: its chains and its rules (the <c>-A</c> lines).</summary>
    private sealed record Saved(List<string> Chains, List<string> Rules)
    {
        public static Dictionary<string, Saved> Parse(string saved)
        {
            var tables = new Dictionary<string, Saved>(StringComparer.Ordinal);
            Saved? current = null;
            foreach (var line in saved.Split('\n'))
            {
                if (line.StartsWith('*'))
                {
                    current = tables[line[1..].Trim()] = new Saved([], []);
                }
                else if (current is not null && line.StartsWith(':'))
                {
                    current.Chains.Add(line[1..].Split(' ')[0]);
                }
                else if (current is not null && line.StartsWith("-A ", StringComparison.Ordinal))
                {
                    current.Rules.Add(line.TrimEnd());
                }
            }
            return tables;
        }
    }
}

using System.Net;
using Berth.Common;
using Berth.Linux;

namespace Berth.Network;

/// <summary>A bridge as the firewall sees it.</summary>
public sealed record BridgeRules(string Bridge, Subnet Subnet, bool Internal, bool Masquerade);

/// <summary>A published port as the firewall sees it.</summary>
public sealed record PortRules(string Bridge, PortMapping Port, IPAddress ContainerIp);

/// <summary>Which firewall programs Berth's rules (<c>--firewall-backend</c>, as dockerd 29 names it).</summary>
public enum FirewallBackend
{
    /// <summary>nftables where the library and the kernel have it, else iptables-legacy.</summary>
    Auto,
    Nftables,
    Iptables,
}

/// <summary>Chooses the firewall backend. nftables is the one Berth is built for; iptables-legacy is the fallback
/// for hosts whose kernel or userland lacks it, as dockerd's iptables is for it.</summary>
public static class Firewall
{
    public static FirewallBackend ParseBackend(string? text) => text switch
    {
        null or "" => FirewallBackend.Auto,
        "nftables" => FirewallBackend.Nftables,
        "iptables" => FirewallBackend.Iptables,
        _ => throw new ArgumentException($"invalid --firewall-backend {text}: give nftables or iptables"),
    };

    public static IFirewall Open(string table, FirewallBackend backend)
    {
        if (backend == FirewallBackend.Iptables)
        {
            var iptables = IptablesLegacy.Find() ?? throw new IOException($"iptables-legacy is not available: install Debian's iptables package ({IptablesLegacy.RestoreProgram} not found)");
            RemoveNftables(table);
            return new IptablesFirewall(iptables, table);
        }
        Nftables? nft = null;
        try
        {
            nft = Nftables.Open();
            // A kernel without nf_tables refuses even a listing; better to learn it now than at the first network.
            nft.Run("list tables");
        }
        catch (IOException e)
        {
            nft?.Dispose();
            if (backend != FirewallBackend.Auto)
            {
                throw;
            }
            var iptables = IptablesLegacy.Find()
                ?? throw new IOException($"{e.Message}; the iptables-legacy fallback is not available either (Debian's iptables package)", e);
            Log.Warn("nftables unavailable: using iptables-legacy", ("error", e.Message));
            return new IptablesFirewall(iptables, table);
        }
        RemoveIptables(table);
        return new NftablesFirewall(nft, table);
    }

    /// <summary>What a daemon on the other backend left, when it was switched.</summary>
    private static void RemoveNftables(string table)
    {
        try
        {
            using var nft = new NftablesFirewall(Nftables.Open(), table);
            nft.Remove();
        }
        catch (IOException)
        {
        }
    }

    private static void RemoveIptables(string table)
    {
        // Only where legacy tables are loaded: a save would otherwise load them into the kernel for nothing.
        if (IptablesLegacy.TablesLoaded() && IptablesLegacy.Find() is { } iptables)
        {
            try
            {
                new IptablesFirewall(iptables, table).Remove();
            }
            catch (IOException e)
            {
                Log.Warn("cannot remove iptables-legacy rules of an earlier run", ("error", e.Message));
            }
        }
    }
}

using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>
/// docker's createIPAMConfig: pairs each <c>--ip-range</c>, <c>--gateway</c> and <c>--aux-address</c> with the
/// <c>--subnet</c> that contains it, refusing overlaps and orphans with the docker CLI's words.
/// </summary>
internal static class NetworkIpam
{
    /// <summary>
    /// The pools in <c>--subnet</c> order, or false and the error. compat(docker): the CLI builds them in a Go map,
    /// so its order (and which of several errors it reports) varies from run to run; ours is the command line's.
    /// </summary>
    public static bool TryConsolidate(IReadOnlyList<string> subnets, IReadOnlyList<string> ranges, IReadOnlyList<string> gateways,
        IReadOnlyDictionary<string, string> auxAddresses, out List<IpamPool> pools, out string error)
    {
        pools = [];
        error = "";
        if (subnets.Count < ranges.Count || subnets.Count < gateways.Count)
        {
            error = "every ip-range or gateway must have a corresponding subnet";
            return false;
        }
        var bySubnet = new Dictionary<string, IpamPool>(StringComparer.Ordinal);
        foreach (var s in subnets)
        {
            foreach (var pool in pools)
            {
                if (!SubnetMatches(s, pool.Subnet, out var ok1, out error) || !SubnetMatches(pool.Subnet, s, out var ok2, out error))
                {
                    return false;
                }
                if (ok1 || ok2)
                {
                    error = "multiple overlapping subnet configuration is not supported";
                    return false;
                }
            }
            var added = new IpamPool(s);
            pools.Add(added);
            bySubnet[s] = added;
        }
        foreach (var r in ranges)
        {
            var match = false;
            foreach (var s in subnets)
            {
                if (!GoNet.TryParseCidr(r, out _, out _, out error) || !SubnetMatches(s, r, out var ok, out error))
                {
                    return false;
                }
                if (!ok)
                {
                    continue;
                }
                if (bySubnet[s].IPRange.Length > 0)
                {
                    error = $"cannot configure multiple ranges ({r}, {bySubnet[s].IPRange}) on the same subnet ({s})";
                    return false;
                }
                bySubnet[s].IPRange = r;
                match = true;
            }
            if (!match)
            {
                error = "no matching subnet for range " + r;
                return false;
            }
        }
        foreach (var g in gateways)
        {
            var match = false;
            foreach (var s in subnets)
            {
                if (!SubnetMatches(s, g, out var ok, out error))
                {
                    return false;
                }
                if (!ok)
                {
                    continue;
                }
                if (bySubnet[s].Gateway.Length > 0)
                {
                    error = $"cannot configure multiple gateways ({g}, {bySubnet[s].Gateway}) for the same subnet ({s})";
                    return false;
                }
                bySubnet[s].Gateway = g;
                match = true;
            }
            if (!match)
            {
                error = "no matching subnet for gateway " + g;
                return false;
            }
        }
        foreach (var (key, address) in auxAddresses)
        {
            var match = false;
            foreach (var s in subnets)
            {
                if (!SubnetMatches(s, address, out var ok, out error))
                {
                    return false;
                }
                if (!ok)
                {
                    continue;
                }
                bySubnet[s].AuxAddresses[key] = address;
                match = true;
            }
            if (!match)
            {
                error = "no matching subnet for aux-address " + address;
                return false;
            }
        }
        return true;
    }

    /// <summary>docker's subnetMatches: whether <paramref name="data"/> (an address or a CIDR) lies in <paramref name="subnet"/>.</summary>
    private static bool SubnetMatches(string subnet, string data, out bool matches, out string error)
    {
        matches = false;
        if (!GoNet.TryParseCidr(subnet, out _, out var network, out error))
        {
            error = "invalid subnet: " + error;
            return false;
        }
        byte[]? ip;
        if (data.Contains('/', StringComparison.Ordinal))
        {
            if (!GoNet.TryParseCidr(data, out var address, out _, out error))
            {
                return false;
            }
            ip = address;
        }
        else
        {
            ip = GoNet.ParseIP(data);
        }
        matches = network.Contains(ip);
        return true;
    }
}

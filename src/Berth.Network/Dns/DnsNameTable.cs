using System.Net;
using System.Net.Sockets;

namespace Berth.Network.Dns;

/// <summary>
/// The engine's names, kept in memory per network, answering as dockerd's libnetwork does: a container sees the names
/// of the networks it is attached to, names and aliases are case-insensitive, <c>name.network</c> picks a network, a
/// name shared by several containers returns all their addresses, and an address maps back to
/// <c>name.network</c>. Readers take one short lock and get arrays that are replaced, never changed.
/// </summary>
public sealed class DnsNameTable : IDnsResolver
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, NetworkNames> _networks = new(StringComparer.Ordinal);
    // A sandbox's endpoints in the order it joined their networks: the first network that knows a name wins.
    private readonly Dictionary<string, List<DnsEndpoint>> _sandboxes = new(StringComparer.Ordinal);

    /// <summary>Adds an endpoint, replacing the one the same sandbox had on the same network.</summary>
    public void Add(DnsEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        lock (_gate)
        {
            RemoveLocked(endpoint.SandboxId, endpoint.NetworkId);
            if (!_networks.TryGetValue(endpoint.NetworkId, out var network))
            {
                network = new NetworkNames(endpoint.NetworkId, endpoint.NetworkName);
                _networks.Add(endpoint.NetworkId, network);
            }
            network.Add(endpoint);
            if (!_sandboxes.TryGetValue(endpoint.SandboxId, out var endpoints))
            {
                endpoints = [];
                _sandboxes.Add(endpoint.SandboxId, endpoints);
            }
            endpoints.Add(endpoint);
        }
    }

    /// <summary>Removes the endpoint of <paramref name="sandboxId"/> on <paramref name="networkId"/>; false when there was none.</summary>
    public bool Remove(string sandboxId, string networkId)
    {
        lock (_gate)
        {
            return RemoveLocked(sandboxId, networkId);
        }
    }

    public DnsNameResult LookupName(string sandboxId, string name, AddressFamily family)
    {
        var v6 = family == AddressFamily.InterNetworkV6;
        lock (_gate)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out var endpoints))
            {
                return DnsNameResult.NotFound;
            }
            if (Find(endpoints, name, [], v6) is { } found)
            {
                return DnsNameResult.Found(found);
            }
            // compat(docker): "a.b.c" is also "a.b" on network "c" and "a" on network "b.c".
            for (var dot = name.LastIndexOf('.'); dot > 0; dot = name.LastIndexOf('.', dot - 1))
            {
                if (Find(endpoints, name.AsSpan(0, dot), name.AsSpan(dot + 1), v6) is { } qualified)
                {
                    return DnsNameResult.Found(qualified);
                }
            }
            return DnsNameResult.NotFound;
        }
    }

    public string? LookupAddress(string sandboxId, IPAddress address)
    {
        lock (_gate)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out var endpoints))
            {
                return null;
            }
            foreach (var endpoint in endpoints)
            {
                if (_networks.TryGetValue(endpoint.NetworkId, out var network) && network.Pointers.TryGetValue(address, out var name))
                {
                    return name;
                }
            }
            return null;
        }
    }

    private IPAddress[]? Find(List<DnsEndpoint> endpoints, ReadOnlySpan<char> name, ReadOnlySpan<char> networkName, bool v6)
    {
        foreach (var endpoint in endpoints)
        {
            if (!_networks.TryGetValue(endpoint.NetworkId, out var network)
                || (!networkName.IsEmpty && !networkName.Equals(network.Name, StringComparison.OrdinalIgnoreCase) && !networkName.Equals(network.Id, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }
            if (network.Lookup.TryGetValue(name, out var entry))
            {
                return v6 ? entry.V6 : entry.V4;
            }
        }
        return null;
    }

    private bool RemoveLocked(string sandboxId, string networkId)
    {
        if (!_sandboxes.TryGetValue(sandboxId, out var endpoints))
        {
            return false;
        }
        var index = endpoints.FindIndex(e => e.NetworkId == networkId);
        if (index < 0)
        {
            return false;
        }
        var endpoint = endpoints[index];
        endpoints.RemoveAt(index);
        if (endpoints.Count == 0)
        {
            _sandboxes.Remove(sandboxId);
        }
        if (_networks.TryGetValue(networkId, out var network) && network.Remove(endpoint))
        {
            _networks.Remove(networkId);
        }
        return true;
    }

    /// <summary>One network's names (lower case) and reverse map.</summary>
    private sealed class NetworkNames
    {
        private readonly Dictionary<string, NameEntry> _names = new(StringComparer.Ordinal);

        public NetworkNames(string id, string name)
        {
            Id = id;
            Name = name;
            Lookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();
        }

        public string Id { get; }
        public string Name { get; }
        public Dictionary<string, NameEntry>.AlternateLookup<ReadOnlySpan<char>> Lookup { get; }
        public Dictionary<IPAddress, string> Pointers { get; } = [];
        private int Endpoints { get; set; }

        public void Add(DnsEndpoint endpoint)
        {
            Endpoints++;
            foreach (var key in Keys(endpoint))
            {
                if (!_names.TryGetValue(key, out var entry))
                {
                    entry = new NameEntry();
                    _names.Add(key, entry);
                }
                entry.Endpoints.Add(endpoint);
                entry.Rebuild();
            }
            // compat(docker): the reverse name is the container's name qualified by the network's.
            var pointer = endpoint.Name + "." + Name;
            foreach (var address in Addresses(endpoint))
            {
                Pointers[address] = pointer;
            }
        }

        /// <summary>Removes an endpoint; true when the network has none left.</summary>
        public bool Remove(DnsEndpoint endpoint)
        {
            Endpoints--;
            foreach (var key in Keys(endpoint))
            {
                if (_names.TryGetValue(key, out var entry) && entry.Endpoints.Remove(endpoint))
                {
                    if (entry.Endpoints.Count == 0)
                    {
                        _names.Remove(key);
                    }
                    else
                    {
                        entry.Rebuild();
                    }
                }
            }
            var pointer = endpoint.Name + "." + Name;
            foreach (var address in Addresses(endpoint))
            {
                if (Pointers.TryGetValue(address, out var p) && p == pointer)
                {
                    Pointers.Remove(address);
                }
            }
            return Endpoints == 0;
        }

        private static IEnumerable<string> Keys(DnsEndpoint endpoint) =>
            endpoint.Aliases.Prepend(endpoint.Name)
                .Select(n => n.TrimEnd('.').ToLowerInvariant())
                .Where(n => n.Length > 0)
                .Distinct(StringComparer.Ordinal);

        private static IEnumerable<IPAddress> Addresses(DnsEndpoint endpoint)
        {
            if (endpoint.IPv4 is { } v4)
            {
                yield return v4;
            }
            if (endpoint.IPv6 is { } v6)
            {
                yield return v6;
            }
        }
    }

    private sealed class NameEntry
    {
        public List<DnsEndpoint> Endpoints { get; } = [];
        public IPAddress[] V4 { get; private set; } = [];
        public IPAddress[] V6 { get; private set; } = [];

        public void Rebuild()
        {
            V4 = [.. Endpoints.Select(e => e.IPv4).OfType<IPAddress>().Distinct()];
            V6 = [.. Endpoints.Select(e => e.IPv6).OfType<IPAddress>().Distinct()];
        }
    }
}

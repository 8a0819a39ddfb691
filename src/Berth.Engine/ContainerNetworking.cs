using System.Globalization;
using System.Net;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Network;

namespace Berth.Engine;

/// <summary>A container's networks: chosen at create, addressed at start, given back at exit.</summary>
public sealed partial class ContainerService
{
    /// <summary>The network a container in <c>--network container:X</c> mode shares, or null.</summary>
    private static string? SharedNetworkContainer(HostConfig h) =>
        h.NetworkMode.StartsWith("container:", StringComparison.Ordinal) ? h.NetworkMode["container:".Length..] : null;

    private static bool HasOwnNetworks(HostConfig h) => h.NetworkMode is not ("host" or "none") && SharedNetworkContainer(h) is null;

    /// <summary>Checks the network options of <c>docker create</c> and records, per network, what was asked.</summary>
    private void ConfigureNetworks(ContainerConfig config, HostConfig h, NetworkingConfig? networking, ContainerNetworkSettings settings)
    {
        var requested = networking?.EndpointsConfig ?? [];
        if (SharedNetworkContainer(h) is { } other)
        {
            if (other.Length == 0)
            {
                throw BerthException.Invalid("invalid network mode: container: needs a container name or ID");
            }
            _ = Entry(other);
            if (!string.IsNullOrEmpty(config.Hostname))
            {
                throw BerthException.Invalid("conflicting options: hostname and the network mode");
            }
            Conflicts(h, config, "the network mode");
            return;
        }
        if (h.NetworkMode is "host" or "none")
        {
            if (h.NetworkMode == "none")
            {
                Conflicts(h, config, "the network mode");
            }
            foreach (var (name, _) in requested)
            {
                if (name != h.NetworkMode && name != "default")
                {
                    throw BerthException.Invalid($"container cannot be disconnected from host network or connected to host network");
                }
            }
            return;
        }
        var primaryName = h.NetworkMode == "default" ? "bridge" : h.NetworkMode;
        var primary = _network.Get(primaryName);
        AddEndpoint(settings, primary, Requested(requested, h.NetworkMode, primary) ?? new EndpointSettings(), config.MacAddress);
        if (settings.Networks[primary.Name].RequestedMac is { } mac)
        {
            // compat(docker): Config.MacAddress shows the primary network's MAC, also when it was asked for per
            // endpoint (as API 1.44 clients do).
            config.MacAddress = mac;
        }
        foreach (var (key, wanted) in requested)
        {
            if (key == h.NetworkMode || key == "default" || key == primary.Name || key == primary.Id)
            {
                continue;
            }
            var n = _network.Get(key);
            if (n.Driver is "host" or "null")
            {
                throw BerthException.Invalid($"container cannot be disconnected from host network or connected to host network");
            }
            AddEndpoint(settings, n, wanted ?? new EndpointSettings(), null);
        }
    }

    private static EndpointSettings? Requested(Dictionary<string, EndpointSettings?> requested, string mode, NetworkRecord n) =>
        requested.GetValueOrDefault(mode) ?? requested.GetValueOrDefault(n.Name) ?? requested.GetValueOrDefault(n.Id) ?? requested.GetValueOrDefault("default");

    private static void Conflicts(HostConfig h, ContainerConfig config, string what)
    {
        if (h.PortBindings is { Count: > 0 } || h.PublishAllPorts)
        {
            throw BerthException.Invalid($"conflicting options: port publishing and {what}");
        }
        if (h.Dns is { Count: > 0 } && h.NetworkMode != "none")
        {
            throw BerthException.Invalid($"conflicting options: dns and {what}");
        }
        if (h.ExtraHosts is { Count: > 0 } && h.NetworkMode != "none")
        {
            throw BerthException.Invalid($"conflicting options: custom host-to-IP mapping and {what}");
        }
        if (!string.IsNullOrEmpty(config.MacAddress))
        {
            throw BerthException.Invalid($"conflicting options: mac-address and {what}");
        }
    }

    private static void AddEndpoint(ContainerNetworkSettings settings, NetworkRecord n, EndpointSettings wanted, string? legacyMac, bool creating = true)
    {
        var ip = wanted.IPAMConfig?.IPv4Address;
        if (!string.IsNullOrEmpty(ip))
        {
            Berth.Network.Subnet.ParseAddress(ip, "IPv4 address");
            if (n.IsPredefined)
            {
                throw BerthException.Invalid("user specified IP address is supported on user defined networks only");
            }
            if (!n.Ipam.Config.Any(c => c.UserDefined))
            {
                throw BerthException.Invalid("user specified IP address is supported only when connecting to networks with user configured subnets");
            }
        }
        if (!string.IsNullOrEmpty(wanted.IPAMConfig?.IPv6Address))
        {
            throw new BerthException(ErrorKind.NotImplemented, "IPv6 addresses are not supported by this berthd yet");
        }
        if (wanted.Aliases is { Count: > 0 } && n.IsPredefined)
        {
            throw BerthException.Invalid("network-scoped alias is supported only for containers in user defined networks");
        }
        var mac = string.IsNullOrEmpty(wanted.MacAddress) ? legacyMac : wanted.MacAddress;
        if (!string.IsNullOrEmpty(mac) && !MacAddresses.TryParse(mac, out _))
        {
            // compat(docker): dockerd reads the address with Go's net.ParseMAC, so it also takes the 8- and 20-octet
            // forms, and the kernel then sets only the first six octets on a veth (and refuses them on a macvlan
            // link) while inspect shows all of them; berthd refuses them here, with the reason.
            var problem = GoHardwareAddr.TryParse(mac, out var octets) ? $"invalid MAC address {mac}: an Ethernet address has 6 octets, not {octets.Length}" : $"invalid MAC address {mac}";
            // compat(docker): create's message names the network, connect's does not.
            throw BerthException.Invalid(creating ? $"invalid config for network {n.Name}: {problem}" : problem);
        }
        settings.Networks[n.Name] = new EndpointSettings
        {
            IPAMConfig = string.IsNullOrEmpty(ip) ? null : new EndpointIpamConfig { IPv4Address = ip },
            Aliases = wanted.Aliases is { Count: > 0 } ? [.. wanted.Aliases] : null,
            Links = wanted.Links,
            DriverOpts = wanted.DriverOpts,
            NetworkID = n.Id,
            RequestedMac = string.IsNullOrEmpty(mac) ? null : mac,
        };
    }

    /// <summary>Parses <c>-p</c>'s bindings and <c>-P</c>'s exposed ports into what the network publishes.</summary>
    internal static List<PortRequest> PortRequests(ContainerConfig config, HostConfig h)
    {
        var requests = new List<PortRequest>();
        var bindings = new Dictionary<string, List<PortBinding>>(h.PortBindings ?? [], StringComparer.Ordinal);
        if (h.PublishAllPorts)
        {
            foreach (var exposed in (IEnumerable<string>?)config.ExposedPorts?.Keys ?? [])
            {
                if (!bindings.ContainsKey(exposed))
                {
                    bindings[exposed] = [new PortBinding()];
                }
            }
        }
        foreach (var (key, list) in bindings)
        {
            var (port, proto) = ParsePort(key);
            foreach (var b in list is { Count: > 0 } ? list : [new PortBinding()])
            {
                IPAddress? hostIp = null;
                if (!string.IsNullOrEmpty(b.HostIp))
                {
                    if (!IPAddress.TryParse(b.HostIp, out hostIp))
                    {
                        throw BerthException.Invalid($"invalid host IP address: {b.HostIp}");
                    }
                    if (hostIp.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
                    {
                        if (hostIp.Equals(IPAddress.IPv6Any))
                        {
                            continue; // compat(docker): "::" beside "0.0.0.0" is the same request on an IPv4-only host
                        }
                        throw new BerthException(ErrorKind.NotImplemented, $"publishing on an IPv6 host address ({b.HostIp}) is not supported by this berthd yet");
                    }
                }
                var (first, last) = string.IsNullOrEmpty(b.HostPort) ? (0, 0) : ParseRange(b.HostPort);
                requests.Add(new PortRequest(proto, port, hostIp, first, last));
            }
        }
        return requests;
    }

    internal static (int Port, string Protocol) ParsePort(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var proto = slash < 0 ? "tcp" : key[(slash + 1)..].ToLowerInvariant();
        var text = slash < 0 ? key : key[..slash];
        if (proto is not ("tcp" or "udp" or "sctp"))
        {
            throw BerthException.Invalid($"invalid proto: {proto}");
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw BerthException.Invalid($"invalid containerPort: {text}");
        }
        return (port, proto);
    }

    private static (int, int) ParseRange(string text)
    {
        var dash = text.IndexOf('-', StringComparison.Ordinal);
        static int Port(string p) => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 65535
            ? n : throw BerthException.Invalid($"invalid hostPort: {p}");
        if (dash < 0)
        {
            var p = Port(text);
            return (p, p);
        }
        var (a, b) = (Port(text[..dash]), Port(text[(dash + 1)..]));
        return a <= b ? (a, b) : throw BerthException.Invalid($"invalid hostPort: {text}");
    }

    /// <summary>Takes an address on each of the container's networks before it starts.</summary>
    private List<Endpoint> AllocateNetworks(Container c)
    {
        var endpoints = new List<Endpoint>();
        if (!HasOwnNetworks(c.HostConfig))
        {
            return endpoints;
        }
        try
        {
            foreach (var (name, s) in c.NetworkSettings.Networks)
            {
                var n = _network.TryGet(s.NetworkID) ?? _network.Get(name);
                var ip = s.IPAMConfig?.IPv4Address is { Length: > 0 } wanted ? IPAddress.Parse(wanted) : null;
                var aliases = s.Aliases?.Where(a => a != c.ShortId).ToList();
                var e = _network.Allocate(c.Id, c.BareName, n.Id, new EndpointRequest(ip, aliases, s.RequestedMac));
                endpoints.Add(e);
                Fill(s, n, e, c);
            }
        }
        catch
        {
            _network.Release(c.Id);
            throw;
        }
        return endpoints;
    }

    private static void Fill(EndpointSettings s, NetworkRecord n, Endpoint e, Container c)
    {
        s.NetworkID = n.Id;
        s.EndpointID = e.Id;
        s.Gateway = e.Gateway?.ToString() ?? "";
        s.IPAddress = e.Address?.ToString() ?? "";
        s.IPPrefixLen = e.PrefixLength;
        s.MacAddress = e.MacAddress;
        s.Interface = e.Interface;
        s.HostInterface = e.HostInterface;
        s.DefaultRoute = e.DefaultRoute;
        if (!n.IsPredefined)
        {
            // compat(docker): the short container ID is an automatic alias on user-defined networks.
            s.Aliases = [.. (s.Aliases ?? []).Where(a => a != c.ShortId), c.ShortId];
            s.DNSNames = [c.BareName, .. e.Aliases, c.ShortId];
        }
    }

    /// <summary>The container's init runs: make its interfaces and publish its ports.</summary>
    private void AttachNetworks(Container c, int pid)
    {
        if (!HasOwnNetworks(c.HostConfig))
        {
            return;
        }
        _network.Attach(c.Id, pid, PortRequests(c.Config, c.HostConfig), DnsFor(c));
        c.NetworkSettings.Ports = [];
        foreach (var exposed in (IEnumerable<string>?)c.Config.ExposedPorts?.Keys ?? [])
        {
            c.NetworkSettings.Ports[exposed] = null;
        }
        foreach (var e in _network.EndpointsOfContainer(c.Id))
        {
            if (c.NetworkSettings.Networks.Values.FirstOrDefault(s => s.EndpointID == e.Id) is { } s)
            {
                s.HostInterface = e.HostInterface;
                // A network plugin's MAC, gateway and interface name are known only once the endpoint has joined.
                s.MacAddress = e.MacAddress;
                s.Gateway = e.Gateway?.ToString() ?? "";
                s.Interface = e.Interface;
                s.DefaultRoute = e.DefaultRoute;
            }
            foreach (var p in e.Ports)
            {
                var key = p.ContainerPort.ToString(CultureInfo.InvariantCulture) + "/" + p.Protocol;
                if (!c.NetworkSettings.Ports.TryGetValue(key, out var list) || list is null)
                {
                    c.NetworkSettings.Ports[key] = list = [];
                }
                list.Add(new PortBinding { HostIp = p.HostIp.ToString(), HostPort = p.HostPort.ToString(CultureInfo.InvariantCulture) });
            }
        }
        c.NetworkSettings.SandboxKey = NetworkController.SandboxKeyOf(pid);
        foreach (var s in c.NetworkSettings.Networks.Values)
        {
            PublishNetwork(s.NetworkID, "connect", c.Id);
        }
    }

    /// <summary>The container stopped: its addresses and ports go back; inspect shows no address until it starts.</summary>
    private void ReleaseNetworks(Container c)
    {
        _network.Release(c.Id);
        var wasAttached = c.NetworkSettings.SandboxKey.Length > 0;
        c.NetworkSettings.Ports = [];
        c.NetworkSettings.SandboxKey = "";
        foreach (var s in c.NetworkSettings.Networks.Values)
        {
            s.EndpointID = s.Gateway = s.IPAddress = s.MacAddress = "";
            s.IPPrefixLen = 0;
            s.Interface = s.HostInterface = null;
            s.DefaultRoute = false;
            if (wasAttached)
            {
                PublishNetwork(s.NetworkID, "disconnect", c.Id);
            }
        }
    }

    /// <summary>A restarted daemon takes back the addresses and ports of containers that kept running.</summary>
    private void RestoreNetworks(Container c)
    {
        if (!HasOwnNetworks(c.HostConfig) || c.State.Pid <= 0)
        {
            return;
        }
        var endpoints = new List<Endpoint>();
        foreach (var s in c.NetworkSettings.Networks.Values)
        {
            if (!IPAddress.TryParse(s.IPAddress, out var ip))
            {
                continue;
            }
            var e = new Endpoint
            {
                Id = s.EndpointID,
                NetworkId = s.NetworkID,
                ContainerId = c.Id,
                ContainerName = c.BareName,
                Aliases = [.. (s.Aliases ?? []).Where(a => a != c.ShortId)],
                Address = ip,
                PrefixLength = s.IPPrefixLen,
                Gateway = IPAddress.TryParse(s.Gateway, out var gw) ? gw : null,
                MacAddress = s.MacAddress,
                Interface = s.Interface ?? "",
                HostInterface = s.HostInterface,
                DefaultRoute = s.DefaultRoute,
            };
            if (e.DefaultRoute)
            {
                foreach (var (key, list) in c.NetworkSettings.Ports)
                {
                    var (port, proto) = ParsePort(key);
                    foreach (var b in list ?? [])
                    {
                        e.Ports.Add(new PortMapping(proto, port, IPAddress.Parse(b.HostIp), int.Parse(b.HostPort, CultureInfo.InvariantCulture)));
                    }
                }
            }
            endpoints.Add(e);
        }
        _network.Restore(c.Id, c.State.Pid, endpoints, DnsFor(c));
    }

    /// <summary>Where the container's embedded DNS server forwards: <c>--dns</c>, else the host's resolvers.</summary>
    private static SandboxDns DnsFor(Container c)
    {
        var (servers, search) = EtcFiles.DnsSources(c.HostConfig.Dns, c.HostConfig.DnsSearch);
        var upstreams = servers.Select(a => IPAddress.TryParse(a, out var ip) ? new IPEndPoint(ip, 53) : null).OfType<IPEndPoint>().ToList();
        return new SandboxDns(upstreams, search);
    }

    private void PublishNetwork(string networkId, string action, string containerId)
    {
        if (_network.TryGet(networkId) is not { } n)
        {
            return;
        }
        Events.Publish(new EngineEvent("network", action, n.Id,
            new Dictionary<string, string> { ["container"] = containerId, ["name"] = n.Name, ["type"] = n.Driver }, DateTimeOffset.UtcNow, null));
    }

    /// <summary><c>--add-host</c> entries, <c>host-gateway</c> replaced by the default bridge's gateway (the host's
    /// address as containers see it), as dockerd does.</summary>
    private IEnumerable<string>? ExtraHosts(HostConfig h)
    {
        if (h.ExtraHosts is not { } extra || !extra.Any(e => e.EndsWith("host-gateway", StringComparison.Ordinal)))
        {
            return h.ExtraHosts;
        }
        var gateway = _network.Get("bridge").Ipam.Config.FirstOrDefault()?.Gateway
            ?? throw BerthException.Precondition("unable to derive the IP value for host-gateway: the default bridge has no gateway");
        return extra.Select(e => EtcFiles.TrySplitExtraHost(e, out var name, out var address) && address == "host-gateway" ? name + ":" + gateway : e);
    }

    /// <summary>/etc/hosts lines for the container's own addresses (Docker puts the first network's address with the
    /// hostname) and its /etc/resolv.conf: the embedded DNS server on user-defined networks, the host's otherwise.</summary>
    private void WriteEtcFiles(Container c, IReadOnlyList<Endpoint> endpoints)
    {
        var own = new List<(string Address, string Names)>();
        if (endpoints.FirstOrDefault() is { Address: { } address })
        {
            var names = c.Config.Hostname;
            if (!string.IsNullOrEmpty(c.Config.Domainname))
            {
                names = $"{c.Config.Hostname}.{c.Config.Domainname} {c.Config.Hostname}";
            }
            own.Add((address.ToString(), names));
        }
        var embeddedDns = endpoints.Any(e => _network.TryGet(e.NetworkId)?.HasEmbeddedDns == true);
        EtcFiles.Write(DirOf(c.Id), c.Config.Hostname, c.Config.Domainname, ExtraHosts(c.HostConfig), own,
            new ResolvOptions(c.HostConfig.Dns, c.HostConfig.DnsSearch, c.HostConfig.DnsOptions, embeddedDns));
    }
    /// <summary><c>docker network connect</c>: recorded on the container; on a running one the interface is made
    /// at once (named eth1, eth2… in order).</summary>
    public async Task ConnectAsync(string idOrName, string network, EndpointSettings? config, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var c = entry.Container;
        var n = _network.Get(network);
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (c.HostConfig.NetworkMode == "host" || n.Driver == "host")
            {
                throw BerthException.Invalid("container cannot be disconnected from host network or connected to host network");
            }
            if (c.HostConfig.NetworkMode == "none" || n.Driver == "null")
            {
                throw BerthException.Invalid("container cannot be connected to multiple networks with one of the networks in private (none) mode");
            }
            if (SharedNetworkContainer(c.HostConfig) is not null)
            {
                throw BerthException.Invalid("conflicting options: container type network can't be used with multiple networks");
            }
            if (c.NetworkSettings.Networks.Values.Any(s => s.NetworkID == n.Id) || c.NetworkSettings.Networks.ContainsKey(n.Name))
            {
                throw new BerthException(ErrorKind.Forbidden, $"endpoint with name {c.BareName} already exists in network {n.Name}");
            }
            var scratch = new ContainerNetworkSettings();
            AddEndpoint(scratch, n, config ?? new EndpointSettings(), null, creating: false);
            var s = scratch.Networks[n.Name];
            if (c.State.Running && c.State.Pid > 0)
            {
                var ip = s.IPAMConfig?.IPv4Address is { Length: > 0 } wanted ? System.Net.IPAddress.Parse(wanted) : null;
                var e = _network.Connect(c.Id, c.BareName, n.Id, new EndpointRequest(ip, s.Aliases, s.RequestedMac), c.State.Pid);
                Fill(s, n, e, c);
                s.HostInterface = e.HostInterface;
            }
            c.NetworkSettings.Networks[n.Name] = s;
            Persist(c);
            PublishNetwork(n.Id, "connect", c.Id);
        }
        finally
        {
            entry.Operation.Release();
        }
    }

    /// <summary><c>docker network disconnect</c>.</summary>
    public async Task DisconnectAsync(string idOrName, string network, bool force, CancellationToken ct = default)
    {
        var entry = Find(idOrName);
        var n = _network.TryGet(network);
        if (entry is null)
        {
            if (force && n is not null)
            {
                return;
            }
            throw BerthException.NotFound($"No such container: {idOrName}");
        }
        n ??= _network.Get(network);
        var c = entry.Container;
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (c.HostConfig.NetworkMode == "host" || n.Driver == "host")
            {
                throw BerthException.Invalid("container cannot be disconnected from host network or connected to host network");
            }
            var key = c.NetworkSettings.Networks.FirstOrDefault(kv => kv.Value.NetworkID == n.Id || kv.Key == n.Name).Key;
            if (key is null)
            {
                throw new BerthException(ErrorKind.Forbidden, $"container {c.Id} is not connected to network {n.Name}");
            }
            if (c.State.Running)
            {
                _network.Disconnect(c.Id, n.Id);
            }
            c.NetworkSettings.Networks.Remove(key);
            if (c.HostConfig.NetworkMode == n.Name || (c.HostConfig.NetworkMode == "default" && n.Name == "bridge"))
            {
                // compat(docker): the container keeps its mode's name; starting it again attaches it nowhere.
            }
            Persist(c);
            PublishNetwork(n.Id, "disconnect", c.Id);
        }
        finally
        {
            entry.Operation.Release();
        }
    }
}

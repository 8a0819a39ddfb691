using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Berth.Common;
using Berth.Http.Plugins;
using Berth.Linux;
using Berth.Network.Dns;
using Berth.Network.Remote;

namespace Berth.Network;

/// <summary>
/// The Container Network Model's controller: networks (kept on disk), their address pools, and each container's
/// sandbox (its network namespace) with one endpoint per network it is attached to. Port publishing and
/// isolation are the <see cref="IFirewall"/>'s, rewritten from this state whenever it changes.
/// </summary>
public sealed partial class NetworkController : IDisposable, IDnsResolver
{
    private readonly NetworkOptions _options;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NetworkRecord> _networks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AddressPool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Sandbox> _sandboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, INetworkDriver> _drivers;
    private readonly Dictionary<string, RemoteDriver> _plugins = new(StringComparer.Ordinal);
    private readonly IFirewall _firewall;
    private readonly LinkReaper _reaper = new();
    private OverlayPeers? _peers;
    private Netlink? _host;

    /// <summary>A container's network namespace and what Berth put in it.</summary>
    private sealed class Sandbox(string containerId)
    {
        public string ContainerId { get; } = containerId;
        public List<Endpoint> Endpoints { get; } = [];
        public List<PortRequest> Ports { get; set; } = [];
        public SafeFd? Netns { get; set; }

        /// <summary>The namespace's path, which remote drivers get as the sandbox key.</summary>
        public string Key { get; set; } = "";
        public DnsServer? Dns { get; set; }
        public List<PortProxy> Proxies { get; } = [];
        public SandboxDns DnsConfig { get; set; } = SandboxDns.None;
    }

    private NetworkController(NetworkOptions options, IFirewall firewall)
    {
        _options = options;
        _firewall = firewall;
        _drivers = new(StringComparer.Ordinal)
        {
            ["bridge"] = new BridgeDriver(Host, _reaper),
            ["macvlan"] = new MacvlanDriver(Host, ipvlan: false),
            ["ipvlan"] = new MacvlanDriver(Host, ipvlan: true),
            ["overlay"] = new OverlayDriver(Host, _reaper, options.Advertise),
        };
    }

    /// <summary>Loads the networks, makes the predefined ones on first start, remakes what a reboot removed and
    /// writes the firewall with no published ports (running containers add theirs through <see cref="Restore"/>).</summary>
    public static NetworkController Open(NetworkOptions options)
    {
        Directory.CreateDirectory(options.StateDir);
        var controller = new NetworkController(options, Firewall.Open(options.FirewallTable, options.FirewallBackend));
        try
        {
            controller.Load();
            if (options.Advertise is { } advertise)
            {
                controller._peers = OverlayPeers.Start(new IPEndPoint(advertise, options.PeerPort), controller.LocalOverlayEndpoints);
            }
            return controller;
        }
        catch
        {
            controller.Dispose();
            throw;
        }
    }

    private Netlink Host() => _host ??= Netlink.Open();

    private void Load()
    {
        foreach (var file in Directory.EnumerateFiles(_options.StateDir, "*.json"))
        {
            var n = JsonSerializer.Deserialize(File.ReadAllBytes(file), NetworkJson.Default.NetworkRecord);
            if (n is not null && n.Id.Length == 64)
            {
                _networks[n.Id] = n;
            }
        }
        lock (_lock)
        {
            if (ByName("bridge") is null)
            {
                var subnet = _options.DefaultBridgeIp;
                var pool = new IpamPool();
                if (subnet is not null)
                {
                    var s = Subnet.Parse(subnet);
                    pool.Subnet = new Subnet(s.First, s.PrefixLength).ToString();
                    pool.Gateway = Subnet.ToAddress(s.Base == s.First ? s.First + 1 : s.Base).ToString();
                }
                Add(new NetworkRecord
                {
                    Name = "bridge",
                    Driver = "bridge",
                    Ipam = new IpamSpec { Config = subnet is null ? [] : [pool] },
                    Options = new()
                    {
                        ["com.docker.network.bridge.default_bridge"] = "true",
                        ["com.docker.network.bridge.enable_icc"] = "true",
                        [BridgeDriver.MasqueradeOption] = "true",
                        ["com.docker.network.bridge.host_binding_ipv4"] = "0.0.0.0",
                        [BridgeDriver.BridgeNameOption] = _options.DefaultBridge,
                        [BridgeDriver.MtuOption] = "1500",
                    },
                });
            }
            foreach (var (name, driver) in new[] { ("host", "host"), ("none", "null") })
            {
                if (ByName(name) is null)
                {
                    Add(new NetworkRecord { Name = name, Driver = driver });
                }
            }
            var unavailable = new HashSet<string>(StringComparer.Ordinal);
            foreach (var n in _networks.Values.OrderBy(n => n.Created))
            {
                if (n.Driver is "host" or "null")
                {
                    continue;
                }
                var pool = PoolFor(n);
                _pools[n.Id] = pool;
                if (_drivers.TryGetValue(n.Driver, out var driver))
                {
                    driver.RestoreNetwork(n, pool);
                    continue;
                }
                if (unavailable.Contains(n.Driver))
                {
                    continue;
                }
                try
                {
                    DriverOf(n.Driver).RestoreNetwork(n, pool);
                }
                catch (BerthException e)
                {
                    // The network stays; its containers fail to start until the plugin is back (it is looked up again then).
                    unavailable.Add(n.Driver);
                    Log.Warn("network driver plugin unavailable", ("network", n.Name), ("driver", n.Driver), ("error", e.Message));
                }
            }
            ApplyFirewall(bridgesChanged: true);
        }
    }

    // --- networks ---

    public IReadOnlyList<NetworkRecord> Networks()
    {
        lock (_lock)
        {
            return [.. _networks.Values.OrderBy(n => n.Created)];
        }
    }

    /// <summary>By full ID, exact name, or unique ID prefix, as Docker looks networks up.</summary>
    public NetworkRecord Get(string idOrName) => TryGet(idOrName) ?? throw BerthException.NotFound($"network {idOrName} not found");

    public NetworkRecord? TryGet(string idOrName)
    {
        lock (_lock)
        {
            if (_networks.TryGetValue(idOrName, out var byId))
            {
                return byId;
            }
            if (ByName(idOrName) is { } byName)
            {
                return byName;
            }
            var prefixed = _networks.Values.Where(n => n.Id.StartsWith(idOrName, StringComparison.Ordinal)).ToList();
            return prefixed.Count switch
            {
                1 => prefixed[0],
                > 1 => throw BerthException.Invalid($"network {idOrName} is ambiguous ({prefixed.Count} matches found based on ID prefix)"),
                _ => null,
            };
        }
    }

    private NetworkRecord? ByName(string name) => _networks.Values.FirstOrDefault(n => n.Name == name);

    public NetworkRecord Create(NetworkCreate request)
    {
        if (string.IsNullOrEmpty(request.Name) || !ValidName().IsMatch(request.Name))
        {
            throw BerthException.Invalid($"invalid network name \"{request.Name}\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        var driverName = string.IsNullOrEmpty(request.Driver) ? "bridge" : request.Driver;
        if (driverName is "host" or "null")
        {
            throw new BerthException(ErrorKind.Forbidden, $"only one instance of \"{driverName}\" network is allowed");
        }
        INetworkDriver driver;
        lock (_lock)
        {
            driver = DriverOf(driverName);
        }
        if (request.IpamDriver is not ("" or "default"))
        {
            throw BerthException.NotFound($"plugin \"{request.IpamDriver}\" not found");
        }
        if (request.EnableIPv6 || request.IpamConfig.Any(c => c.Subnet.Contains(':', StringComparison.Ordinal)))
        {
            throw new BerthException(ErrorKind.NotImplemented, "IPv6 networks are not supported by this berthd yet");
        }
        if (request.IpamConfig.Count > 1)
        {
            throw new BerthException(ErrorKind.NotImplemented, "a network with more than one IPv4 subnet is not supported by this berthd yet");
        }
        lock (_lock)
        {
            if (ByName(request.Name) is not null)
            {
                throw BerthException.Conflict($"network with name {request.Name} already exists");
            }
            var record = new NetworkRecord
            {
                Name = request.Name,
                Id = Ids.New(),
                Created = DateTimeOffset.UtcNow,
                Driver = driverName,
                Scope = driver is RemoteDriver remote ? remote.Scope : "local",
                Internal = request.Internal,
                Attachable = request.Attachable,
                Options = new(request.Options),
                Labels = new(request.Labels),
                Ipam = new IpamSpec
                {
                    Options = request.IpamOptions is null ? null : new(request.IpamOptions),
                    Config = [.. request.IpamConfig.Select(c => new IpamPool
                    {
                        Subnet = c.Subnet,
                        IPRange = string.IsNullOrEmpty(c.IPRange) ? null : c.IPRange,
                        Gateway = string.IsNullOrEmpty(c.Gateway) ? null : c.Gateway,
                        AuxiliaryAddresses = c.AuxiliaryAddresses is { Count: > 0 } ? c.AuxiliaryAddresses : null,
                        UserDefined = true,
                    })],
                },
            };
            var pool = PoolFor(record);
            driver.CreateNetwork(record, pool);
            try
            {
                Save(record);
                _networks[record.Id] = record;
                _pools[record.Id] = pool;
                ApplyFirewall(bridgesChanged: driver is BridgeDriver or OverlayDriver);
            }
            catch
            {
                _networks.Remove(record.Id);
                _pools.Remove(record.Id);
                driver.DeleteNetwork(record);
                File.Delete(RecordPath(record.Id));
                throw;
            }
            return record;
        }
    }

    /// <summary><c>docker network rm</c>: refused while a container is attached and for the predefined networks.</summary>
    public void Delete(string idOrName)
    {
        var n = Get(idOrName);
        lock (_lock)
        {
            if (n.IsPredefined)
            {
                throw new BerthException(ErrorKind.Forbidden, $"{n.Name} is a pre-defined network and cannot be removed");
            }
            if (_sandboxes.Values.Any(s => s.Endpoints.Any(e => e.NetworkId == n.Id)))
            {
                throw new BerthException(ErrorKind.Forbidden, $"error while removing network: network {n.Name} id {n.Id} has active endpoints");
            }
            INetworkDriver driver;
            try
            {
                driver = DriverOf(n.Driver);
            }
            catch (BerthException e)
            {
                // compat(docker): a network whose plugin is gone cannot be removed, in libnetwork's words.
                throw new BerthException(ErrorKind.Unknown, $"failed deleting Network: {e.Message}", e);
            }
            driver.DeleteNetwork(n);
            _networks.Remove(n.Id);
            _pools.Remove(n.Id);
            File.Delete(RecordPath(n.Id));
            ApplyFirewall(bridgesChanged: n.Driver is "bridge" or "overlay");
        }
    }

    /// <summary>Every endpoint on a network, for <c>network inspect</c>'s Containers.</summary>
    public IReadOnlyList<Endpoint> EndpointsOf(string networkId)
    {
        lock (_lock)
        {
            return [.. _sandboxes.Values.SelectMany(s => s.Endpoints).Where(e => e.NetworkId == networkId)];
        }
    }

    /// <summary>A running container's endpoints, in the order its interfaces were made.</summary>
    public IReadOnlyList<Endpoint> EndpointsOfContainer(string containerId)
    {
        lock (_lock)
        {
            return _sandboxes.TryGetValue(containerId, out var s) ? [.. s.Endpoints] : [];
        }
    }

    // --- a container's sandbox ---

    /// <summary>Reserves a container's address on a network before it starts (the address goes into its
    /// /etc/hosts). <see cref="Attach"/> then makes the interfaces.</summary>
    public Endpoint Allocate(string containerId, string containerName, string network, EndpointRequest request)
    {
        var n = Get(network);
        // Other hosts hand out addresses on the same overlay segment: ask them first (outside the lock: it is I/O).
        var elsewhere = n.Driver == "overlay" && _peers is not null
            ? _peers.Query(OverlayDriver.Peers(n), n.Name, _options.PeerPort, _options.PeerTimeout)
                .Select(r => IPAddress.TryParse(r.IPv4, out var a) ? Subnet.ToUInt(a) : 0).ToHashSet()
            : null;
        lock (_lock)
        {
            if (n.Driver is "host" or "null")
            {
                throw BerthException.Invalid($"container cannot be attached to network {n.Name} (driver {n.Driver})");
            }
            var driver = DriverOf(n.Driver);
            var sandbox = SandboxOf(containerId);
            if (sandbox.Endpoints.Any(e => e.NetworkId == n.Id))
            {
                throw new BerthException(ErrorKind.Forbidden, $"endpoint with name {containerName} already exists in network {n.Name}");
            }
            if (request.Address is not null && !n.Ipam.Config.Any(c => c.UserDefined))
            {
                throw BerthException.Invalid(n.IsPredefined
                    ? "user specified IP address is supported on user defined networks only"
                    : "user specified IP address is supported only when connecting to networks with user configured subnets");
            }
            if (request.Aliases is { Count: > 0 } && n.IsPredefined)
            {
                throw BerthException.Invalid("network-scoped alias is supported only for containers in user defined networks");
            }
            var pool = _pools[n.Id];
            var address = pool.Allocate(request.Address, elsewhere);
            var endpoint = new Endpoint
            {
                Id = Ids.New(),
                NetworkId = n.Id,
                ContainerId = containerId,
                ContainerName = containerName,
                Aliases = [.. request.Aliases ?? []],
                Address = address,
                PrefixLength = pool.Subnet.PrefixLength,
                Gateway = n.Internal || n.Driver == "overlay" ? null : pool.Gateway,
                // compat(docker): a plugin's endpoint has no MAC unless the user gave one; the plugin may choose it.
                MacAddress = !string.IsNullOrEmpty(request.MacAddress) ? MacAddresses.Canonical(request.MacAddress) : driver is RemoteDriver ? "" : MacAddresses.FromIPv4(address),
                Interface = "eth" + sandbox.Endpoints.Count,
            };
            // A remote network's gateway is the plugin's, known at the join; until then the pool's stands for it.
            endpoint.DefaultRoute = endpoint.Gateway is not null && !sandbox.Endpoints.Any(e => e.DefaultRoute);
            try
            {
                driver.CreateEndpoint(n, endpoint);
            }
            catch
            {
                pool.Release(address);
                throw;
            }
            sandbox.Endpoints.Add(endpoint);
            return endpoint;
        }
    }

    /// <summary>
    /// Makes the sandbox of a created container whose init is <paramref name="pid"/>: an interface per allocated
    /// endpoint, its published ports (host ports chosen where the request left them open) and its DNS server.
    /// On failure nothing is left: the interfaces go, the ports and addresses are released.
    /// </summary>
    public void Attach(string containerId, int pid, IReadOnlyList<PortRequest> ports, SandboxDns? dns = null) =>
        Attach(containerId, SandboxKeyOf(pid), ports, dns);

    /// <summary>The sandbox key of a container whose init is <paramref name="pid"/>: its network namespace.</summary>
    public static string SandboxKeyOf(int pid) => $"/proc/{pid}/ns/net";

    /// <summary><see cref="Attach(string, int, IReadOnlyList{PortRequest}, SandboxDns?)"/> for a sandbox named by the
    /// path of its namespace (tests hold one bind-mounted, with no process in it).</summary>
    internal void Attach(string containerId, string sandboxKey, IReadOnlyList<PortRequest> ports, SandboxDns? dns = null)
    {
        lock (_lock)
        {
            var sandbox = SandboxOf(containerId);
            sandbox.DnsConfig = dns ?? SandboxDns.None;
            try
            {
                sandbox.Netns = NetNs.Open(sandboxKey);
                sandbox.Key = sandboxKey;
                foreach (var e in sandbox.Endpoints)
                {
                    var n = _networks[e.NetworkId];
                    DriverOf(n.Driver).Join(n, e, sandbox.Netns, sandbox.Key);
                }
                if (ports.Count > 0)
                {
                    var publisher = sandbox.Endpoints.FirstOrDefault(e => e.DefaultRoute && DriverOf(_networks[e.NetworkId].Driver).PublishesPorts);
                    if (publisher is not null)
                    {
                        BindPorts(sandbox, publisher, ports);
                        ApplyFirewall(bridgesChanged: false);
                    }
                }
                sandbox.Ports = [.. ports];
                StartDns(sandbox);
            }
            catch
            {
                ReleaseLocked(containerId);
                throw;
            }
        }
    }

    /// <summary><c>docker network connect</c>: on a running container (<paramref name="pid"/> given) the
    /// interface is made at once; on a stopped one only the request is kept, by the caller.</summary>
    public Endpoint Connect(string containerId, string containerName, string network, EndpointRequest request, int pid) =>
        Connect(containerId, containerName, network, request, SandboxKeyOf(pid));

    internal Endpoint Connect(string containerId, string containerName, string network, EndpointRequest request, string sandboxKey)
    {
        var endpoint = Allocate(containerId, containerName, network, request);
        lock (_lock)
        {
            var sandbox = SandboxOf(containerId);
            var n = _networks[endpoint.NetworkId];
            var driver = DriverOf(n.Driver);
            var joined = false;
            try
            {
                if (sandbox.Netns is null)
                {
                    sandbox.Netns = NetNs.Open(sandboxKey);
                    sandbox.Key = sandboxKey;
                }
                driver.Join(n, endpoint, sandbox.Netns, sandbox.Key);
                joined = true;
                StartDns(sandbox);
            }
            catch
            {
                // A failed join undid itself; what a successful one made must go.
                if (joined)
                {
                    driver.Leave(n, endpoint, sandbox.Netns);
                }
                driver.DeleteEndpoint(n, endpoint);
                _pools[endpoint.NetworkId].Release(endpoint.Address!);
                sandbox.Endpoints.Remove(endpoint);
                throw;
            }
        }
        return endpoint;
    }

    /// <summary><c>docker network disconnect</c> of a running container: its interface on that network goes.</summary>
    public void Disconnect(string containerId, string networkId)
    {
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(containerId, out var sandbox) || sandbox.Endpoints.FirstOrDefault(e => e.NetworkId == networkId) is not { } e)
            {
                return;
            }
            var n = _networks[networkId];
            var driver = DriverOf(n.Driver);
            driver.Leave(n, e, sandbox.Netns);
            driver.DeleteEndpoint(n, e);
            _pools[networkId].Release(e.Address!);
            sandbox.Endpoints.Remove(e);
            if (e.Ports.Count > 0)
            {
                ApplyFirewall(bridgesChanged: false);
            }
            if (sandbox.Endpoints.Count == 0)
            {
                CloseSandbox(sandbox);
            }
        }
    }

    /// <summary>A container stopped (or failed to start): its addresses and ports return to the pools, its DNS
    /// server stops. Its interfaces went with its network namespace; a veth left by a crash is removed.</summary>
    public void Release(string containerId)
    {
        lock (_lock)
        {
            ReleaseLocked(containerId);
        }
    }

    private void ReleaseLocked(string containerId)
    {
        if (!_sandboxes.TryGetValue(containerId, out var sandbox))
        {
            return;
        }
        var hadPorts = false;
        foreach (var e in sandbox.Endpoints)
        {
            if (_networks.TryGetValue(e.NetworkId, out var n))
            {
                if (DriverOrNull(n) is { } driver)
                {
                    driver.Leave(n, e, null);
                    driver.DeleteEndpoint(n, e);
                }
                _pools[n.Id].Release(e.Address!);
            }
            hadPorts |= e.Ports.Count > 0;
        }
        CloseSandbox(sandbox);
        if (hadPorts)
        {
            ApplyFirewall(bridgesChanged: false);
        }
    }

    /// <summary>After a daemon restart: takes back a running container's endpoints and ports as they were, without
    /// touching its interfaces. Call <see cref="RestoreDone"/> once all are in.</summary>
    public void Restore(string containerId, int pid, IReadOnlyList<Endpoint> endpoints, SandboxDns? dns = null)
    {
        lock (_lock)
        {
            var sandbox = SandboxOf(containerId);
            sandbox.DnsConfig = dns ?? SandboxDns.None;
            foreach (var e in endpoints)
            {
                if (!_pools.TryGetValue(e.NetworkId, out var pool) || e.Address is null)
                {
                    continue;
                }
                pool.Reserve(e.Address);
                // It was joined before the daemon went away; a remote driver must hear of its leave.
                e.Joined = true;
                sandbox.Endpoints.Add(e);
            }
            try
            {
                sandbox.Key = SandboxKeyOf(pid);
                sandbox.Netns = NetNs.Open(sandbox.Key);
                StartDns(sandbox);
                RestartProxies(sandbox);
            }
            catch (IOException)
            {
                // The container died while the daemon was away; the caller releases it.
            }
        }
    }

    public void RestoreDone()
    {
        lock (_lock)
        {
            ApplyFirewall(bridgesChanged: false);
        }
    }

    private void BindPorts(Sandbox sandbox, Endpoint endpoint, IReadOnlyList<PortRequest> requests)
    {
        var taken = _sandboxes.Values.SelectMany(s => s.Endpoints).SelectMany(e => e.Ports).ToList();
        foreach (var r in requests)
        {
            var hostIp = r.HostIp ?? IPAddress.Any;
            // compat(docker): a port published on every address is also served on the host's IPv6 ones, which the
            // kernel cannot NAT to an IPv4 container: the userland proxy takes those.
            var proxied = hostIp.Equals(IPAddress.Any) && PortProxy.HostHasIPv6;
            int chosen = 0;
            var (first, last) = r.HostPortFirst == 0 ? _options.EphemeralPorts : (r.HostPortFirst, r.HostPortLast);
            for (var port = first; port <= last && chosen == 0; port++)
            {
                if (taken.Concat(endpoint.Ports).Any(t => t.Protocol == r.Protocol && t.HostPort == port
                        && (t.HostIp.Equals(IPAddress.Any) || hostIp.Equals(IPAddress.Any) || t.HostIp.Equals(hostIp)))
                    || !HostPortFree(r.Protocol, hostIp, port))
                {
                    continue;
                }
                if (proxied)
                {
                    try
                    {
                        sandbox.Proxies.Add(PortProxy.Start(r.Protocol, new IPEndPoint(IPAddress.IPv6Any, port), new IPEndPoint(endpoint.Address!, r.ContainerPort)));
                    }
                    catch (SocketException)
                    {
                        continue;
                    }
                }
                chosen = port;
            }
            if (chosen == 0)
            {
                var what = r.HostPortFirst == 0 ? "no free port in the ephemeral range" : first == last ? "port is already allocated" : $"all ports {first}-{last} are already allocated";
                throw BerthException.Precondition($"driver failed programming external connectivity on endpoint {endpoint.ContainerName} ({endpoint.Id}): Bind for {hostIp}:{(first == last ? first : r.HostPortFirst)} failed: {what}");
            }
            endpoint.Ports.Add(new PortMapping(r.Protocol, r.ContainerPort, hostIp, chosen));
            if (proxied)
            {
                endpoint.Ports.Add(new PortMapping(r.Protocol, r.ContainerPort, IPAddress.IPv6Any, chosen));
            }
        }
    }

    /// <summary>After a daemon restart: the proxies of a running container's IPv6 ports, bound again.</summary>
    private static void RestartProxies(Sandbox sandbox)
    {
        foreach (var e in sandbox.Endpoints)
        {
            foreach (var p in e.Ports.Where(p => p.HostIp.AddressFamily == AddressFamily.InterNetworkV6))
            {
                try
                {
                    sandbox.Proxies.Add(PortProxy.Start(p.Protocol, new IPEndPoint(p.HostIp, p.HostPort), new IPEndPoint(e.Address!, p.ContainerPort)));
                }
                catch (SocketException ex)
                {
                    Log.Warn("could not bind a published port again", ("container", sandbox.ContainerId), ("port", p.HostPort), ("error", ex.Message));
                }
            }
        }
    }

    /// <summary>Whether a host program already listens there (NAT would hide it, so Docker's proxy would fail to bind).</summary>
    private static bool HostPortFree(string protocol, IPAddress ip, int port)
    {
        try
        {
            using var s = new Socket(AddressFamily.InterNetwork, protocol == "udp" ? SocketType.Dgram : SocketType.Stream, protocol == "udp" ? ProtocolType.Udp : ProtocolType.Tcp);
            s.Bind(new IPEndPoint(ip, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A network's driver: a built-in one, else the plugin of that name, discovered and activated on first
    /// use; throws NotFound in Docker's words when there is no such plugin.</summary>
    private INetworkDriver DriverOf(string name)
    {
        if (_drivers.TryGetValue(name, out var builtIn))
        {
            return builtIn;
        }
        if (_plugins.TryGetValue(name, out var plugin))
        {
            return plugin;
        }
        var socket = PluginDiscovery.Find(name, _options.PluginDirs, Fs.IsSocket);
        var driver = RemoteDriver.Activate(new PluginClient(name, socket, _options.PluginTimeout), Host);
        _plugins[name] = driver;
        return driver;
    }

    /// <summary>For releasing: a plugin that is gone cannot be told, and the addresses are released regardless.</summary>
    private INetworkDriver? DriverOrNull(NetworkRecord n)
    {
        try
        {
            return DriverOf(n.Driver);
        }
        catch (BerthException e)
        {
            Log.Warn("network driver unavailable while releasing an endpoint", ("network", n.Name), ("driver", n.Driver), ("error", e.Message));
            return null;
        }
    }

    private Sandbox SandboxOf(string containerId)
    {
        if (!_sandboxes.TryGetValue(containerId, out var s))
        {
            _sandboxes[containerId] = s = new Sandbox(containerId);
        }
        return s;
    }

    private void CloseSandbox(Sandbox sandbox)
    {
        _sandboxes.Remove(sandbox.ContainerId);
        if (sandbox.Dns is { } dns)
        {
            // Closing the sockets is prompt; the server's tasks wind down on their own.
            _ = dns.DisposeAsync().AsTask();
            sandbox.Dns = null;
        }
        sandbox.Netns?.Dispose();
        foreach (var proxy in sandbox.Proxies)
        {
            proxy.Dispose();
        }
        sandbox.Proxies.Clear();
    }

    /// <summary>
    /// Docker's embedded DNS server at 127.0.0.11:53 inside a sandbox on a user-defined network: its sockets are made
    /// in the container's namespace and served from the daemon, which answers container names and aliases on the
    /// networks the container shares and forwards the rest to the host's (or <c>--dns</c>) resolvers.
    /// </summary>
    private void StartDns(Sandbox sandbox)
    {
        if (sandbox.Dns is not null || sandbox.Netns is null
            || !sandbox.Endpoints.Any(e => _networks.TryGetValue(e.NetworkId, out var n) && n.HasEmbeddedDns))
        {
            return;
        }
        var (udp, tcp) = NetNs.Run(sandbox.Netns, () =>
        {
            var address = new IPEndPoint(EmbeddedDnsAddress, 53);
            var u = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            var t = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                u.Bind(address);
                t.Bind(address);
                t.Listen(64);
                return (u, t);
            }
            catch
            {
                u.Dispose();
                t.Dispose();
                throw;
            }
        });
        sandbox.Dns = DnsServer.Start(udp, tcp, sandbox.ContainerId, this, sandbox.DnsConfig.Upstreams,
            new DnsServerOptions { SearchDomains = sandbox.DnsConfig.Search });
    }

    /// <summary>The embedded DNS server's address in every sandbox.</summary>
    public static readonly IPAddress EmbeddedDnsAddress = IPAddress.Parse("127.0.0.11");

    // --- IDnsResolver: what a container's DNS queries see ---

    public DnsNameResult LookupName(string sandboxId, string name, AddressFamily family)
    {
        List<NetworkRecord> overlays;
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out var asker))
            {
                return DnsNameResult.NotFound;
            }
            List<IPAddress>? found = null;
            foreach (var mine in asker.Endpoints)
            {
                if (!_networks.TryGetValue(mine.NetworkId, out var n) || !n.HasEmbeddedDns)
                {
                    continue;
                }
                var bare = name;
                var suffix = "." + n.Name.ToLowerInvariant();
                if (name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    bare = name[..^suffix.Length];
                }
                foreach (var other in _sandboxes.Values.SelectMany(s => s.Endpoints).Where(e => e.NetworkId == n.Id && e.Address is not null))
                {
                    if (other.DnsNames.Any(d => string.Equals(d, bare, StringComparison.OrdinalIgnoreCase) || string.Equals(d, name, StringComparison.OrdinalIgnoreCase)))
                    {
                        found ??= [];
                        if (family == AddressFamily.InterNetwork && !found.Contains(other.Address!))
                        {
                            found.Add(other.Address!);
                        }
                    }
                }
            }
            if (found is not null || _peers is null)
            {
                return found is null ? DnsNameResult.NotFound : DnsNameResult.Found(found);
            }
            overlays = [.. asker.Endpoints.Select(e => _networks.GetValueOrDefault(e.NetworkId)).OfType<NetworkRecord>().Where(n => n.Driver == "overlay")];
        }
        // Not a local name: the other hosts of the asker's overlay networks may have it (asked outside the lock).
        List<IPAddress>? remote = null;
        foreach (var n in overlays)
        {
            var suffix = "." + n.Name.ToLowerInvariant();
            var bare = name.EndsWith(suffix, StringComparison.Ordinal) ? name[..^suffix.Length] : name;
            foreach (var r in _peers.Query(OverlayDriver.Peers(n), n.Name, _options.PeerPort, _options.PeerTimeout))
            {
                var names = r.Aliases.Append(r.Name).Append(r.ContainerId.Length >= 12 ? r.ContainerId[..12] : r.ContainerId);
                if (names.Any(d => string.Equals(d, bare, StringComparison.OrdinalIgnoreCase)) && IPAddress.TryParse(r.IPv4, out var a))
                {
                    remote ??= [];
                    if (family == AddressFamily.InterNetwork)
                    {
                        remote.Add(a);
                    }
                }
            }
        }
        return remote is null ? DnsNameResult.NotFound : DnsNameResult.Found(remote);
    }

    /// <summary>This host's containers on the overlay network named <paramref name="network"/>, for its peers.</summary>
    private IReadOnlyList<RemoteEndpoint> LocalOverlayEndpoints(string network)
    {
        lock (_lock)
        {
            return [.. _sandboxes.Values.SelectMany(s => s.Endpoints)
                .Where(e => e.Address is not null && _networks.TryGetValue(e.NetworkId, out var n) && n.Driver == "overlay" && n.Name == network)
                .Select(e => new RemoteEndpoint(e.ContainerId, e.ContainerName, [.. e.Aliases], e.Address!.ToString()))];
        }
    }

    public string? LookupAddress(string sandboxId, IPAddress address)
    {
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out var asker))
            {
                return null;
            }
            foreach (var mine in asker.Endpoints)
            {
                if (!_networks.TryGetValue(mine.NetworkId, out var n) || !n.HasEmbeddedDns)
                {
                    continue;
                }
                var other = _sandboxes.Values.SelectMany(s => s.Endpoints).FirstOrDefault(e => e.NetworkId == n.Id && address.Equals(e.Address));
                if (other is not null)
                {
                    return other.ContainerName + "." + n.Name;
                }
            }
            return null;
        }
    }

    // --- firewall ---

    private void ApplyFirewall(bool bridgesChanged)
    {
        var bridges = _networks.Values.Where(n => n.Driver == "bridge" && _pools.ContainsKey(n.Id))
            .Select(n => new BridgeRules(BridgeDriver.BridgeOf(n), _pools[n.Id].Subnet, n.Internal, BridgeDriver.Masquerades(n)))
            .ToList();
        var ports = new List<PortRules>();
        foreach (var e in _sandboxes.Values.SelectMany(s => s.Endpoints).Where(e => e.Ports.Count > 0))
        {
            var bridge = BridgeDriver.BridgeOf(_networks[e.NetworkId]);
            ports.AddRange(e.Ports.Where(p => p.HostIp.AddressFamily == AddressFamily.InterNetwork).Select(p => new PortRules(bridge, p, e.Address!)));
        }
        _firewall.Apply(bridges, ports);
        if (bridgesChanged)
        {
            var overlays = _networks.Values.Where(n => n.Driver == "overlay").Select(OverlayDriver.BridgeOf);
            _firewall.AcceptInForeignForward([.. bridges.Select(b => b.Bridge), .. overlays]);
        }
    }

    // --- state on disk ---

    private AddressPool PoolFor(NetworkRecord n)
    {
        var taken = _pools.Where(p => p.Key != n.Id).Select(p => p.Value.Subnet).ToList();
        if (n.Ipam.Config.Count == 0)
        {
            var chosen = Ipam.ChooseSubnet(taken);
            n.Ipam.Config.Add(new IpamPool { Subnet = chosen.ToString(), Gateway = Subnet.ToAddress(chosen.First + 1).ToString() });
            if (_networks.ContainsKey(n.Id))
            {
                Save(n); // a network being created is saved once its driver has made it, not before
            }
        }
        var c = n.Ipam.Config[0];
        var subnet = Subnet.Parse(c.Subnet);
        if (c.UserDefined && subnet.Base != subnet.First)
        {
            throw BerthException.Invalid($"invalid subnet {c.Subnet}: it should be {subnet}");
        }
        if (c.UserDefined && taken.FirstOrDefault(subnet.Overlaps) is { PrefixLength: > 0 } clash)
        {
            throw new BerthException(ErrorKind.Forbidden, $"Pool overlaps with other one on this address space ({clash})");
        }
        Subnet? range = null;
        if (c.IPRange is not null)
        {
            var r = Subnet.Parse(c.IPRange);
            if (!subnet.Contains(r.First) || !subnet.Contains(r.Last))
            {
                throw BerthException.Invalid($"invalid pool request: ip-range {c.IPRange} does not belong to subnet {c.Subnet}");
            }
            range = r;
        }
        var gateway = c.Gateway is null ? Subnet.ToAddress(subnet.First + 1) : Subnet.ParseAddress(c.Gateway, "gateway");
        if (!subnet.Contains(gateway))
        {
            throw BerthException.Invalid($"no matching subnet for gateway {c.Gateway}");
        }
        var aux = new List<IPAddress>();
        foreach (var (key, value) in c.AuxiliaryAddresses ?? [])
        {
            var a = Subnet.ParseAddress(value, "aux-address " + key);
            if (!subnet.Contains(a))
            {
                throw BerthException.Invalid($"no matching subnet for aux-address {value}");
            }
            aux.Add(a);
        }
        return new AddressPool(subnet, range, gateway, aux);
    }

    private void Add(NetworkRecord n)
    {
        n.Id = Ids.New();
        n.Created = DateTimeOffset.UtcNow;
        _networks[n.Id] = n;
        Save(n);
    }

    private string RecordPath(string id) => Path.Join(_options.StateDir, id + ".json");

    private void Save(NetworkRecord n) =>
        AtomicFile.Write(RecordPath(n.Id), JsonSerializer.SerializeToUtf8Bytes(n, NetworkJson.Default.NetworkRecord));

    /// <summary>Removes everything the daemon made on the host: bridges, the firewall table (for tests and
    /// uninstalling; a running daemon keeps them, as dockerd keeps docker0).</summary>
    public void RemoveHostState()
    {
        lock (_lock)
        {
            foreach (var n in _networks.Values)
            {
                if (_drivers.TryGetValue(n.Driver, out var d))
                {
                    d.DeleteNetwork(n);
                }
            }
            _firewall.Remove();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var s in _sandboxes.Values.ToList())
            {
                CloseSandbox(s);
            }
            _host?.Dispose();
            _firewall.Dispose();
            _reaper.Dispose();
            _peers?.Dispose();
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")]
    private static partial System.Text.RegularExpressions.Regex ValidName();
}

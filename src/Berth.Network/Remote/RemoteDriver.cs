using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Common;
using Berth.Http.Plugins;
using Berth.Linux;

namespace Berth.Network.Remote;

/// <summary>
/// A network driver plugin speaking Docker's remote driver protocol (libnetwork's <c>drivers/remote</c>): the plugin
/// keeps its networks and endpoints and makes each endpoint's link on the host; Berth allocates the addresses,
/// moves the link into the sandbox, names it, addresses it and routes it, as libnetwork does.
/// </summary>
internal sealed class RemoteDriver : INetworkDriver
{
    public const string Capability = "NetworkDriver";

    private const int RouteTypeNextHop = 0;
    private const int RouteTypeConnected = 1;

    private readonly PluginClient _client;
    private readonly Func<Netlink> _host;

    private RemoteDriver(PluginClient client, Func<Netlink> host, string scope, string connectivityScope)
    {
        _client = client;
        _host = host;
        Scope = scope;
        ConnectivityScope = connectivityScope;
    }

    public string Name => _client.Plugin;

    /// <summary><c>local</c> or <c>global</c>: the scope of the plugin's networks, as <c>network inspect</c> shows it.</summary>
    public string Scope { get; }

    public string ConnectivityScope { get; }

    /// <summary>Berth's NAT knows only its own bridges; a plugin that wants published ports does them itself.</summary>
    public bool PublishesPorts => false;

    /// <summary>The handshake: <c>/Plugin.Activate</c>, which must list NetworkDriver, then the driver's
    /// capabilities.</summary>
    public static RemoteDriver Activate(PluginClient client, Func<Netlink> host)
    {
        // compat(docker): the manifest has no error field; a plugin that answers one implements nothing.
        var manifest = Call(client, "Plugin.Activate", [], RemoteJson.Default.ActivateAnswer, errPrefix: null);
        if (manifest.Implements?.Contains(Capability, StringComparer.Ordinal) != true)
        {
            // compat(docker): what dockerd answers when a legacy plugin is not a network driver.
            throw new BerthException(ErrorKind.Unknown, "legacy plugin: Plugin does not implement the requested driver");
        }
        var capabilities = Call(client, Capability + ".GetCapabilities", [], RemoteJson.Default.CapabilitiesAnswer, "remote: ");
        var scope = capabilities.Scope;
        if (scope is not ("local" or "global"))
        {
            throw new BerthException(ErrorKind.Unknown, $"invalid capability: expecting 'local' or 'global', got {scope}");
        }
        var connectivity = string.IsNullOrEmpty(capabilities.ConnectivityScope) ? scope : capabilities.ConnectivityScope;
        if (connectivity is not ("local" or "global"))
        {
            throw new BerthException(ErrorKind.Unknown, $"invalid capability: expecting 'local' or 'global', got {connectivity}");
        }
        return new RemoteDriver(client, host, scope, connectivity);
    }

    // --- networks ---

    public void CreateNetwork(NetworkRecord network, AddressPool pool)
    {
        var config = network.Ipam.Config.FirstOrDefault();
        var prefix = "/" + pool.Subnet.PrefixLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new CreateNetworkRequest
        {
            NetworkID = network.Id,
            Options = new CreateNetworkOptions
            {
                EnableIPv6 = network.EnableIPv6,
                Generic = new(network.Options),
                Internal = network.Internal ? true : null,
            },
            IPv4Data =
            [
                new IpamData
                {
                    // compat(docker): the address space of Docker's default IPAM for local networks.
                    AddressSpace = "LocalDefault",
                    Pool = pool.Subnet.ToString(),
                    Gateway = pool.Gateway + prefix,
                    AuxAddresses = config?.AuxiliaryAddresses is { Count: > 0 } aux ? aux.ToDictionary(a => a.Key, a => a.Value + prefix) : null,
                },
            ],
        };
        Call("CreateNetwork", request, RemoteJson.Default.CreateNetworkRequest, RemoteJson.Default.PluginAnswer);
    }

    /// <summary>The plugin keeps its networks across a restart of the daemon; there is nothing to remake.</summary>
    public void RestoreNetwork(NetworkRecord network, AddressPool pool)
    {
    }

    public void DeleteNetwork(NetworkRecord network)
    {
        // compat(docker): a plugin that fails to delete its network does not keep Docker's record of it.
        Warn(() => Call("DeleteNetwork", new NetworkRequest { NetworkID = network.Id }, RemoteJson.Default.NetworkRequest, RemoteJson.Default.PluginAnswer),
            "deleting network", network.Name);
    }

    // --- endpoints ---

    /// <summary>Tells the plugin of a new endpoint with the address IPAM gave it; the plugin may fill in what Berth
    /// left empty (the MAC address), never change what it gave.</summary>
    public void CreateEndpoint(NetworkRecord network, Endpoint endpoint)
    {
        var given = new EndpointInterface
        {
            Address = endpoint.Address is null ? "" : $"{endpoint.Address}/{endpoint.PrefixLength}",
            MacAddress = endpoint.MacAddress,
        };
        var request = new CreateEndpointRequest { NetworkID = network.Id, EndpointID = endpoint.Id, Interface = given };
        var answer = Call("CreateEndpoint", request, RemoteJson.Default.CreateEndpointRequest, RemoteJson.Default.CreateEndpointAnswer);
        try
        {
            if (answer.Interface is not { } got)
            {
                return;
            }
            if (!string.IsNullOrEmpty(got.Address))
            {
                if (!Subnet.TryParse(got.Address, out var s))
                {
                    throw _client.BadAnswer(Method("CreateEndpoint"), $"invalid CIDR address: {got.Address}");
                }
                if (endpoint.Address is not null && (!Subnet.ToAddress(s.Base).Equals(endpoint.Address) || s.PrefixLength != endpoint.PrefixLength))
                {
                    throw new BerthException(ErrorKind.Forbidden,
                        $"driver modified interface address: endpoint interface IP present ({given.Address}). Cannot be modified with ({got.Address}).");
                }
            }
            if (!string.IsNullOrEmpty(got.MacAddress))
            {
                var mac = MacAddresses.Parse(got.MacAddress);
                if (endpoint.MacAddress.Length > 0 && !MacAddresses.Parse(endpoint.MacAddress).AsSpan().SequenceEqual(mac))
                {
                    throw new BerthException(ErrorKind.Forbidden,
                        $"driver modified interface MAC address: endpoint interface MAC present ({endpoint.MacAddress}). Cannot be modified with ({got.MacAddress}).");
                }
                endpoint.MacAddress = Common.GoHardwareAddr.Format(mac);
            }
            if (!string.IsNullOrEmpty(got.AddressIPv6))
            {
                Log.Warn("network plugin gave an IPv6 address, which this berthd does not configure", ("plugin", Name), ("endpoint", endpoint.Id), ("address", got.AddressIPv6));
            }
        }
        catch
        {
            DeleteEndpoint(network, endpoint);
            throw;
        }
    }

    public void DeleteEndpoint(NetworkRecord network, Endpoint endpoint) =>
        Warn(() => Call("DeleteEndpoint", EndpointRef(network, endpoint), RemoteJson.Default.EndpointRequest, RemoteJson.Default.PluginAnswer),
            "deleting endpoint", endpoint.ContainerName);

    /// <summary>The driver's operational data about an endpoint (Docker shows it nowhere for local networks).</summary>
    public IReadOnlyDictionary<string, JsonElement> EndpointOperInfo(NetworkRecord network, Endpoint endpoint) =>
        Call("EndpointOperInfo", EndpointRef(network, endpoint), RemoteJson.Default.EndpointRequest, RemoteJson.Default.EndpointInfoAnswer).Value
            ?? new Dictionary<string, JsonElement>();

    // --- sandboxes ---

    /// <summary>
    /// Asks the plugin for the endpoint's link, moves it from the host into <paramref name="sandbox"/>, names it
    /// (<c>eth0</c>, <c>eth1</c>… for the prefix <c>eth</c>), sets its MAC and address, brings it up and adds the
    /// default route through the plugin's gateway (when this endpoint gives the sandbox its default route) and the
    /// plugin's static routes. On failure the link goes back to the host and the plugin is told to leave.
    /// </summary>
    public void Join(NetworkRecord network, Endpoint endpoint, SafeFd sandbox, string sandboxKey)
    {
        var request = new JoinRequest { NetworkID = network.Id, EndpointID = endpoint.Id, SandboxKey = sandboxKey };
        var answer = Call("Join", request, RemoteJson.Default.JoinRequest, RemoteJson.Default.JoinAnswer);
        string? moved = null;
        var source = answer.InterfaceName?.SrcName;
        try
        {
            var plan = Plan(answer, endpoint);
            // An internal network gives no default route, whatever the plugin says.
            endpoint.Gateway = network.Internal ? null : plan.Gateway;
            if (endpoint.Gateway is null && !plan.Routes.Any(r => r.PrefixLength == 0))
            {
                // compat(docker): with no gateway from its plugin an endpoint is not the sandbox's way out (Docker
                // would add a docker_gwbridge endpoint; Berth adds none), so it gets no external connectivity.
                endpoint.DefaultRoute = false;
            }
            if (!string.IsNullOrEmpty(source))
            {
                var host = _host();
                if (host.Link(source) is null)
                {
                    throw _client.BadAnswer(Method("Join"), $"interface {source} is not a link of the host");
                }
                // A plugin's fresh link has no address yet; one with an address (lo, the host's uplink) is the
                // host's own, and no plugin takes it away into a container.
                if (source == "lo" || host.Addresses(source).Any(a => a.Address.AddressFamily == AddressFamily.InterNetwork || !a.Address.IsIPv6LinkLocal))
                {
                    throw _client.BadAnswer(Method("Join"), $"interface {source} is in use on the host (it has addresses)");
                }
                host.MoveToNetns(source, sandbox);
                moved = source;
                using var inner = Netlink.OpenIn(sandbox);
                inner.SetDown(source);
                inner.Rename(source, plan.Name);
                moved = plan.Name;
                endpoint.Interface = plan.Name;
                SandboxInterface.Configure(inner, endpoint);
                foreach (var (destination, prefixLength, nextHop) in plan.Routes)
                {
                    inner.AddRoute(destination, prefixLength, nextHop, plan.Name);
                }
            }
            if (endpoint.DefaultRoute)
            {
                var connectivity = new ExternalConnectivityRequest { NetworkID = network.Id, EndpointID = endpoint.Id };
                Call("ProgramExternalConnectivity", connectivity, RemoteJson.Default.ExternalConnectivityRequest, RemoteJson.Default.PluginAnswer, optional: true);
            }
            endpoint.PluginLink = source;
            endpoint.Joined = true;
        }
        catch
        {
            if (moved is not null)
            {
                ReturnLink(sandbox, moved, source!);
            }
            Warn(() => Call("Leave", EndpointRef(network, endpoint), RemoteJson.Default.EndpointRequest, RemoteJson.Default.PluginAnswer),
                "rolling back a join of", endpoint.ContainerName);
            throw;
        }
    }

    /// <summary>Undoes <see cref="Join"/>: external connectivity is revoked, the link goes back to the host under its
    /// first name while the sandbox lives (the plugin then removes it), and the plugin is told. The plugin's
    /// refusals are logged, as Docker logs them: the endpoint goes regardless.</summary>
    public void Leave(NetworkRecord network, Endpoint endpoint, SafeFd? sandbox)
    {
        if (!endpoint.Joined)
        {
            return;
        }
        endpoint.Joined = false;
        if (endpoint.DefaultRoute)
        {
            var connectivity = new ExternalConnectivityRequest { NetworkID = network.Id, EndpointID = endpoint.Id };
            Warn(() => Call("RevokeExternalConnectivity", connectivity, RemoteJson.Default.ExternalConnectivityRequest, RemoteJson.Default.PluginAnswer, optional: true),
                "revoking external connectivity of", endpoint.ContainerName);
        }
        if (sandbox is not null && endpoint.Interface.Length > 0)
        {
            ReturnLink(sandbox, endpoint.Interface, endpoint.PluginLink);
        }
        Warn(() => Call("Leave", EndpointRef(network, endpoint), RemoteJson.Default.EndpointRequest, RemoteJson.Default.PluginAnswer),
            "disconnecting", endpoint.ContainerName);
    }

    /// <summary>Gives a link back to the host under the name the plugin made it with, as libnetwork does; a link
    /// that cannot go back (its name was taken meanwhile, or Berth no longer knows it) is deleted.</summary>
    private static void ReturnLink(SafeFd sandbox, string name, string? original)
    {
        try
        {
            using var inner = Netlink.OpenIn(sandbox);
            if (inner.Link(name) is null)
            {
                return;
            }
            try
            {
                if (original is null)
                {
                    throw new InvalidOperationException("no host name known");
                }
                inner.SetDown(name);
                if (name != original)
                {
                    inner.Rename(name, original);
                    name = original;
                }
                // This thread never left the daemon's namespace: its namespace is the host's.
                using var hostNs = NetNs.Current();
                inner.MoveToNetns(name, hostNs);
            }
            catch (Exception e) when (e is LinuxException or InvalidOperationException)
            {
                inner.TryDeleteLink(name);
            }
        }
        catch (LinuxException e)
        {
            Log.Warn("cannot take a plugin's link out of a sandbox", ("link", name), ("error", e.Message));
        }
    }

    /// <summary>What a join answer asks for, checked before anything is changed.</summary>
    private sealed record JoinPlan(string Name, IPAddress? Gateway, IReadOnlyList<(IPAddress Destination, int PrefixLength, IPAddress? NextHop)> Routes);

    private JoinPlan Plan(JoinAnswer answer, Endpoint endpoint)
    {
        var method = Method("Join");
        var source = answer.InterfaceName?.SrcName;
        var prefix = answer.InterfaceName?.DstPrefix;
        if (string.IsNullOrEmpty(prefix))
        {
            prefix = "eth";
        }
        // The controller numbers a sandbox's interfaces eth0, eth1…; another prefix gets the same number.
        var index = endpoint.Interface.StartsWith("eth", StringComparison.Ordinal) ? endpoint.Interface[3..] : "0";
        var name = prefix == "eth" ? endpoint.Interface : prefix + index;
        if (!string.IsNullOrEmpty(source) && !LinkName(source))
        {
            throw _client.BadAnswer(method, $"invalid interface name {source}");
        }
        if (!LinkName(name))
        {
            throw _client.BadAnswer(method, $"invalid interface name {name} (prefix {prefix})");
        }
        IPAddress? gateway = null;
        if (!string.IsNullOrEmpty(answer.Gateway))
        {
            if (answer.Gateway.AsSpan().Count('.') != 3 || !IPAddress.TryParse(answer.Gateway, out gateway) || gateway.AddressFamily != AddressFamily.InterNetwork)
            {
                // compat(docker): libnetwork's words.
                throw new BerthException(ErrorKind.Unknown, $"unable to parse Gateway \"{answer.Gateway}\"");
            }
        }
        var routes = new List<(IPAddress, int, IPAddress?)>();
        foreach (var r in answer.StaticRoutes ?? [])
        {
            if (string.IsNullOrEmpty(source))
            {
                throw _client.BadAnswer(method, "static routes without an interface");
            }
            if (!TryParseCidr(r.Destination, out var destination, out var length))
            {
                throw new BerthException(ErrorKind.Unknown, $"invalid CIDR address: {r.Destination}");
            }
            IPAddress? nextHop = null;
            if (r.RouteType == RouteTypeNextHop)
            {
                if (!IPAddress.TryParse(r.NextHop, out nextHop) || nextHop.AddressFamily != destination.AddressFamily)
                {
                    throw new BerthException(ErrorKind.Unknown, $"failed to parse nexthop IP {r.NextHop}");
                }
            }
            else if (r.RouteType != RouteTypeConnected)
            {
                throw _client.BadAnswer(method, $"unknown route type {r.RouteType} for {r.Destination}");
            }
            routes.Add((destination, length, nextHop));
        }
        return new JoinPlan(name, gateway, routes);
    }

    /// <summary>A name the kernel takes for a link: 1 to 15 bytes, none of them '/', ':' or blank.</summary>
    private static bool LinkName(string name) =>
        name.Length is > 0 and <= 15 && name is not ("." or "..") && name.All(c => c is > ' ' and < (char)127 and not '/' and not ':');

    private static bool TryParseCidr(string? text, out IPAddress address, out int prefixLength)
    {
        address = IPAddress.None;
        prefixLength = 0;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash <= 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var ip)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            || length > (ip.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)
            || (ip.AddressFamily == AddressFamily.InterNetwork && text.AsSpan(0, slash).Count('.') != 3))
        {
            return false;
        }
        // The route's destination is the network: host bits are dropped, as Go's ParseCIDR drops them.
        var bytes = ip.GetAddressBytes();
        for (var bit = length; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        address = new IPAddress(bytes);
        prefixLength = length;
        return true;
    }

    // --- calls ---

    private static EndpointRequest EndpointRef(NetworkRecord network, Endpoint endpoint) =>
        new() { NetworkID = network.Id, EndpointID = endpoint.Id };

    private static string Method(string name) => Capability + "." + name;

    private TAnswer Call<TRequest, TAnswer>(string name, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TAnswer> answerType, bool optional = false)
        where TAnswer : PluginAnswer, new() =>
        Call(_client, Method(name), JsonSerializer.SerializeToUtf8Bytes(request, requestType), answerType, "remote: ", optional);

    /// <summary>
    /// One call, with errors in Docker's words: a failed status gives "Method: Err" (or the body when it has no
    /// Err), a success that carries an Err gives <paramref name="errPrefix"/> + Err (or nothing, when null). A method
    /// the plugin does not know (404) is no error when <paramref name="optional"/>, as for Docker's later additions
    /// to the protocol.
    /// </summary>
    private static TAnswer Call<TAnswer>(PluginClient client, string method, byte[] body, JsonTypeInfo<TAnswer> answerType, string? errPrefix, bool optional = false)
        where TAnswer : PluginAnswer, new()
    {
        var reply = client.Post(method, body);
        if (reply.Status != 200)
        {
            if (optional && reply.Status == 404)
            {
                return new TAnswer();
            }
            string? err = null;
            try
            {
                err = JsonSerializer.Deserialize(reply.Body, RemoteJson.Default.PluginAnswer)?.Err;
            }
            catch (JsonException)
            {
                // Not JSON: the body itself is the message, as in Docker.
            }
            throw new BerthException(ErrorKind.Unknown, $"{method}: {PluginClient.ErrorText(reply.Body, err)}");
        }
        TAnswer? answer;
        try
        {
            // An empty answer is an empty object: some plugins answer calls that have no result with nothing.
            answer = reply.Body.AsSpan().Trim(" \t\r\n"u8).IsEmpty ? new TAnswer() : JsonSerializer.Deserialize(reply.Body, answerType);
        }
        catch (JsonException e)
        {
            throw client.BadAnswer(method, e.Message);
        }
        if (answer is null)
        {
            throw client.BadAnswer(method, "null");
        }
        if (errPrefix is not null && !string.IsNullOrEmpty(answer.Err))
        {
            throw new BerthException(ErrorKind.Unknown, errPrefix + PluginClient.ErrorText([], answer.Err));
        }
        return answer;
    }

    /// <summary>Runs a call whose failure Docker only logs.</summary>
    private void Warn(Action call, string what, string subject)
    {
        try
        {
            call();
        }
        catch (BerthException e)
        {
            Log.Warn($"network plugin error {what} {subject}", ("plugin", Name), ("error", e.Message));
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Berth.Network.Remote;

// The messages of Docker's plugin handshake and network driver protocol (libnetwork's docs/remote.md), with
// Docker's field names. Requests are written as Docker writes them; answers are read as Go reads them: field
// names in any case, unknown fields ignored.

/// <summary>Every answer may carry an error instead of a result.</summary>
internal class PluginAnswer
{
    public string? Err { get; set; }
}

internal sealed class ActivateAnswer : PluginAnswer
{
    public List<string>? Implements { get; set; }
}

internal sealed class CapabilitiesAnswer : PluginAnswer
{
    public string? Scope { get; set; }
    public string? ConnectivityScope { get; set; }
}

internal sealed class CreateNetworkRequest
{
    public string NetworkID { get; set; } = "";
    public CreateNetworkOptions Options { get; set; } = new();
    public List<IpamData> IPv4Data { get; set; } = [];
    public List<IpamData> IPv6Data { get; set; } = [];
}

/// <summary>The labels libnetwork passes a driver at create: the <c>-o</c> options under "generic".</summary>
internal sealed class CreateNetworkOptions
{
    [JsonPropertyName("com.docker.network.enable_ipv6")]
    public bool EnableIPv6 { get; set; }

    [JsonPropertyName("com.docker.network.generic")]
    public Dictionary<string, string> Generic { get; set; } = [];

    /// <summary>Only present on an internal network, as in Docker.</summary>
    [JsonPropertyName("com.docker.network.internal")]
    public bool? Internal { get; set; }
}

/// <summary>One pool of a network as IPAM gave it: the gateway and aux addresses carry the pool's prefix.</summary>
internal sealed class IpamData
{
    public string AddressSpace { get; set; } = "";
    public string Pool { get; set; } = "";
    public string? Gateway { get; set; }
    public Dictionary<string, string>? AuxAddresses { get; set; }
}

internal sealed class NetworkRequest
{
    public string NetworkID { get; set; } = "";
}

internal sealed class EndpointRequest
{
    public string NetworkID { get; set; } = "";
    public string EndpointID { get; set; } = "";
}

internal sealed class CreateEndpointRequest
{
    public string NetworkID { get; set; } = "";
    public string EndpointID { get; set; } = "";
    public EndpointInterface Interface { get; set; } = new();
    public Dictionary<string, string> Options { get; set; } = [];
}

/// <summary>Addresses in CIDR form (<c>10.0.0.2/24</c>); empty where not known.</summary>
internal sealed class EndpointInterface
{
    public string? Address { get; set; } = "";
    public string? AddressIPv6 { get; set; } = "";
    public string? MacAddress { get; set; } = "";
}

internal sealed class CreateEndpointAnswer : PluginAnswer
{
    public EndpointInterface? Interface { get; set; }
}

internal sealed class EndpointInfoAnswer : PluginAnswer
{
    public Dictionary<string, JsonElement>? Value { get; set; }
}

internal sealed class JoinRequest
{
    public string NetworkID { get; set; } = "";
    public string EndpointID { get; set; } = "";
    public string SandboxKey { get; set; } = "";
    public Dictionary<string, string> Options { get; set; } = [];
}

internal sealed class JoinAnswer : PluginAnswer
{
    public JoinInterfaceName? InterfaceName { get; set; }
    public string? Gateway { get; set; }
    public string? GatewayIPv6 { get; set; }
    public List<JoinStaticRoute>? StaticRoutes { get; set; }
    public bool DisableGatewayService { get; set; }
}

/// <summary>The link the plugin made on the host, and the prefix of its name inside the sandbox.</summary>
internal sealed class JoinInterfaceName
{
    public string? SrcName { get; set; }
    public string? DstPrefix { get; set; }
}

/// <summary>A route through <see cref="NextHop"/> (RouteType 0) or on the link (RouteType 1, connected).</summary>
internal sealed class JoinStaticRoute
{
    public string? Destination { get; set; }
    public int RouteType { get; set; }
    public string? NextHop { get; set; }
}

internal sealed class ExternalConnectivityRequest
{
    public string NetworkID { get; set; } = "";
    public string EndpointID { get; set; } = "";
    public Dictionary<string, string> Options { get; set; } = [];
}

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PluginAnswer))]
[JsonSerializable(typeof(ActivateAnswer))]
[JsonSerializable(typeof(CapabilitiesAnswer))]
[JsonSerializable(typeof(CreateNetworkRequest))]
[JsonSerializable(typeof(NetworkRequest))]
[JsonSerializable(typeof(EndpointRequest))]
[JsonSerializable(typeof(CreateEndpointRequest))]
[JsonSerializable(typeof(CreateEndpointAnswer))]
[JsonSerializable(typeof(EndpointInfoAnswer))]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(JoinAnswer))]
[JsonSerializable(typeof(ExternalConnectivityRequest))]
internal sealed partial class RemoteJson : JsonSerializerContext;

using System.Text.Json.Serialization;

namespace Berth.Engine.Model;

/// <summary>A container's networks as Docker keeps them: what was asked for each network at create or connect, and,
/// while it runs, the addresses and published ports it got.</summary>
public sealed class ContainerNetworkSettings
{
    /// <summary>By network name, as <c>docker inspect</c> shows <c>NetworkSettings.Networks</c>.</summary>
    public Dictionary<string, EndpointSettings> Networks { get; set; } = [];

    /// <summary>Published ports as bound while the container runs (<c>"80/tcp": [{HostIp, HostPort}]</c>).</summary>
    public Dictionary<string, List<PortBinding>?> Ports { get; set; } = [];

    public string SandboxKey { get; set; } = "";
}

/// <summary>One network of a container (Docker's EndpointSettings).</summary>
public sealed class EndpointSettings
{
    public EndpointIpamConfig? IPAMConfig { get; set; }
    public List<string>? Links { get; set; }
    public List<string>? Aliases { get; set; }
    public string MacAddress { get; set; } = "";
    public Dictionary<string, string>? DriverOpts { get; set; }
    public string NetworkID { get; set; } = "";
    public string EndpointID { get; set; } = "";
    public string Gateway { get; set; } = "";
    public string IPAddress { get; set; } = "";
    public int IPPrefixLen { get; set; }
    public string IPv6Gateway { get; set; } = "";
    public string GlobalIPv6Address { get; set; } = "";
    public int GlobalIPv6PrefixLen { get; set; }
    public List<string>? DNSNames { get; set; }

    /// <summary>Berth's own: the interface in the container and the host end of its veth, for a restarted daemon.</summary>
    public string? Interface { get; set; }
    public string? HostInterface { get; set; }
    public bool DefaultRoute { get; set; }

    /// <summary>The MAC asked for at create (<c>--mac-address</c>), kept apart from the one in use.</summary>
    public string? RequestedMac { get; set; }
}

public sealed class EndpointIpamConfig
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IPv4Address { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? IPv6Address { get; set; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? LinkLocalIPs { get; set; }
}

/// <summary>The create request's <c>NetworkingConfig</c>.</summary>
public sealed class NetworkingConfig
{
    public Dictionary<string, EndpointSettings?>? EndpointsConfig { get; set; }
}

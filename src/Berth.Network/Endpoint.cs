using System.Net;

namespace Berth.Network;

/// <summary>A container's attachment to one network: its address there, its names, its interface.</summary>
public sealed class Endpoint
{
    public string Id { get; init; } = "";
    public string NetworkId { get; init; } = "";
    public string ContainerId { get; init; } = "";

    /// <summary>The container's name without Docker's leading slash: what other containers resolve.</summary>
    public string ContainerName { get; set; } = "";

    /// <summary><c>--network-alias</c> / <c>--alias</c>.</summary>
    public List<string> Aliases { get; init; } = [];

    /// <summary>Every name this endpoint answers to in the embedded DNS: the container name, the aliases, the short
    /// container id (Docker adds it as an automatic alias on user-defined networks).</summary>
    public IEnumerable<string> DnsNames => [ContainerName, .. Aliases, ContainerId.Length >= 12 ? ContainerId[..12] : ContainerId];

    public IPAddress? Address { get; set; }
    public int PrefixLength { get; set; }
    public IPAddress? Gateway { get; set; }
    public string MacAddress { get; set; } = "";

    /// <summary>The interface inside the container (<c>eth0</c>, <c>eth1</c>…).</summary>
    public string Interface { get; set; } = "";

    /// <summary>The host end of a veth (bridge driver), which removing the endpoint deletes.</summary>
    public string? HostInterface { get; set; }

    /// <summary>A remote driver's endpoint: whether the plugin was told of the join (and must hear of the leave).</summary>
    internal bool Joined { get; set; }

    /// <summary>A remote driver's endpoint: the name of the plugin's link on the host, which it gets back when the
    /// endpoint leaves a sandbox that lives on.</summary>
    internal string? PluginLink { get; set; }

    /// <summary>Whether its network gives the container its default route.</summary>
    public bool DefaultRoute { get; set; }

    /// <summary>The ports it publishes, as bound (host port chosen when the request left it open).</summary>
    public List<PortMapping> Ports { get; } = [];
}

/// <summary>What a container asks of a network when it attaches (from <c>EndpointsConfig</c> or <c>network connect</c>).</summary>
public sealed record EndpointRequest(IPAddress? Address = null, IReadOnlyList<string>? Aliases = null, string? MacAddress = null);

/// <summary>A published port: host address and port to the container's port, per protocol.</summary>
public sealed record PortMapping(string Protocol, int ContainerPort, IPAddress HostIp, int HostPort);

/// <summary>A <c>-p</c> request: a host port or range (0 = any free one), optionally on one host address.</summary>
public sealed record PortRequest(string Protocol, int ContainerPort, IPAddress? HostIp, int HostPortFirst, int HostPortLast);

/// <summary>What a container's embedded DNS server forwards to and which search domains it strips.</summary>
public sealed record SandboxDns(IReadOnlyList<System.Net.IPEndPoint> Upstreams, IReadOnlyList<string> Search)
{
    public static readonly SandboxDns None = new([], []);
}

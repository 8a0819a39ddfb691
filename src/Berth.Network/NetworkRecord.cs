using System.Text.Json.Serialization;

namespace Berth.Network;

/// <summary>A network as Berth keeps it on disk and as <c>docker network inspect</c> shows its configuration.</summary>
public sealed class NetworkRecord
{
    public string Name { get; set; } = "";
    public string Id { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string Scope { get; set; } = "local";
    public string Driver { get; set; } = "bridge";
    public bool EnableIPv6 { get; set; }
    public IpamSpec Ipam { get; set; } = new();
    public bool Internal { get; set; }
    public bool Attachable { get; set; }
    public bool Ingress { get; set; }
    public Dictionary<string, string> Options { get; set; } = [];
    public Dictionary<string, string> Labels { get; set; } = [];

    /// <summary>What the driver made on the host (the bridge's or the parent's name, the VXLAN id), kept so a
    /// restarted daemon finds and removes it.</summary>
    public Dictionary<string, string> DriverState { get; set; } = [];

    /// <summary>Whether it is one of the three networks every daemon has (bridge, host, none).</summary>
    [JsonIgnore]
    public bool IsPredefined => Name is "bridge" or "host" or "none";

    /// <summary>User-defined networks get container-name resolution through the embedded DNS server; Docker's
    /// default bridge does not.</summary>
    [JsonIgnore]
    public bool HasEmbeddedDns => !IsPredefined && Driver is not ("host" or "null");
}

public sealed class IpamSpec
{
    public string Driver { get; set; } = "default";
    public Dictionary<string, string>? Options { get; set; }
    public List<IpamPool> Config { get; set; } = [];
}

/// <summary>One address pool of a network: <c>--subnet</c>, <c>--ip-range</c>, <c>--gateway</c>, <c>--aux-address</c>.</summary>
public sealed class IpamPool
{
    public string Subnet { get; set; } = "";
    public string? IPRange { get; set; }
    public string? Gateway { get; set; }
    public Dictionary<string, string>? AuxiliaryAddresses { get; set; }

    /// <summary>Whether the user chose the subnet (only then may a container ask for a fixed <c>--ip</c>).</summary>
    public bool UserDefined { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NetworkRecord))]
internal sealed partial class NetworkJson : JsonSerializerContext;

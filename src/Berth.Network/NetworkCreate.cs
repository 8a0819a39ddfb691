namespace Berth.Network;

/// <summary>A <c>docker network create</c> as the controller takes it.</summary>
public sealed record NetworkCreate
{
    public required string Name { get; init; }
    public string Driver { get; init; } = "bridge";
    public bool Internal { get; init; }
    public bool Attachable { get; init; }
    public bool EnableIPv6 { get; init; }
    public string IpamDriver { get; init; } = "default";
    public IReadOnlyList<IpamPool> IpamConfig { get; init; } = [];
    public IReadOnlyDictionary<string, string>? IpamOptions { get; init; }
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}

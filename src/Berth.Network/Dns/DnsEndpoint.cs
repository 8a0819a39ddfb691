using System.Net;

namespace Berth.Network.Dns;

/// <summary>
/// What one container's endpoint on one network contributes to DNS: its name (without Docker's leading '/'), its
/// network-scoped aliases (the engine includes the 12-character short id, as dockerd does) and its addresses.
/// </summary>
public sealed record DnsEndpoint(
    string SandboxId,
    string NetworkId,
    string NetworkName,
    string Name,
    IReadOnlyList<string> Aliases,
    IPAddress? IPv4,
    IPAddress? IPv6);

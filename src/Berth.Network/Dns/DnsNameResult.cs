using System.Net;

namespace Berth.Network.Dns;

/// <summary>
/// Outcome of a name lookup: not the engine's name (forward it), or the engine's name with its addresses of the
/// asked family — possibly none, which the server answers NOERROR with an empty answer (compat(docker): an IPv4-only
/// container's AAAA query is not sent upstream).
/// </summary>
public readonly struct DnsNameResult
{
    private readonly IReadOnlyList<IPAddress>? _addresses;

    private DnsNameResult(IReadOnlyList<IPAddress> addresses)
    {
        _addresses = addresses;
        IsFound = true;
    }

    public static DnsNameResult NotFound => default;

    public bool IsFound { get; }

    public IReadOnlyList<IPAddress> Addresses => _addresses ?? [];

    public static DnsNameResult Found(IReadOnlyList<IPAddress> addresses) => new(addresses);
}

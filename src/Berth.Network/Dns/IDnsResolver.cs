using System.Net;
using System.Net.Sockets;

namespace Berth.Network.Dns;

/// <summary>
/// The engine's view of container names, asked by the server for every query it may answer itself.
/// Calls come concurrently from many servers and must be quick: they run on the query's path.
/// </summary>
public interface IDnsResolver
{
    /// <summary>
    /// Addresses of <paramref name="family"/> (InterNetwork for A, InterNetworkV6 for AAAA) for <paramref name="name"/>
    /// (lower case, no trailing dot) as seen by sandbox <paramref name="sandboxId"/>; <see cref="DnsNameResult.NotFound"/>
    /// when the name is not one of the engine's, so the query goes upstream.
    /// </summary>
    DnsNameResult LookupName(string sandboxId, string name, AddressFamily family);

    /// <summary>The name (no trailing dot) that <paramref name="address"/> has for sandbox <paramref name="sandboxId"/>, or null when it is not one of the engine's.</summary>
    string? LookupAddress(string sandboxId, IPAddress address);
}

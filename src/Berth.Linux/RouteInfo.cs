namespace Berth.Linux;

/// <summary>A unicast route of the main table. <paramref name="Gateway"/> is null for a route on the link;
/// <paramref name="LinkIndex"/> is null for a multipath route.</summary>
public sealed record RouteInfo(System.Net.IPAddress Destination, int PrefixLength, System.Net.IPAddress? Gateway, int? LinkIndex);

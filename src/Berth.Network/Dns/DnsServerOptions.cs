namespace Berth.Network.Dns;

/// <summary>Limits and behaviour of one <see cref="DnsServer"/>; the defaults are dockerd's where it has one.</summary>
public sealed class DnsServerOptions
{
    /// <summary>Time to get an answer from the upstream nameservers, all of them tried in turn (compat(docker): 4 s).</summary>
    public TimeSpan ForwardTimeout { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>A TCP connection with no complete query for this long is closed (RFC 7766 §6.2.3).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Open TCP connections beyond this are closed as soon as they are accepted.</summary>
    public int MaxTcpConnections { get; init; } = 64;

    /// <summary>Queries being forwarded at once; past this the answer is REFUSED (compat(docker): 1024, then REFUSED).</summary>
    public int MaxConcurrentForwards { get; init; } = 1024;

    /// <summary>Largest query accepted, over UDP or TCP; also the UDP size this server advertises in its OPT records.</summary>
    public int MaxQuerySize { get; init; } = 4096;

    /// <summary>
    /// The container's search domains (resolv.conf <c>search</c>): a name under one of them that is not the engine's is
    /// tried again without the domain, so <c>web.example.com</c> finds container <c>web</c> without a trip upstream.
    /// </summary>
    public IReadOnlyList<string> SearchDomains { get; init; } = [];

    /// <summary>
    /// compat(docker): when the container sets <c>ndots</c> itself, a single-label A/AAAA name that is not the engine's
    /// gets an empty NOERROR instead of being forwarded, so the client goes on to its search domains.
    /// </summary>
    public bool KeepUnqualifiedNames { get; init; }
}

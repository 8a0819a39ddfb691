using Berth.Http;

namespace Berth.Distribution.Server;

/// <summary>How the registry serves: read-only or not, and the seams TLS and authentication plug into.</summary>
public sealed class RegistryServerOptions
{
    /// <summary>compat(distribution): writes are refused with 405, reads go on (for maintenance or a mirror).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>How long a keep-alive connection may wait for its next request head.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Wraps each accepted connection before HTTP is spoken on it: the place for a TLS handshake.</summary>
    public Func<Stream, CancellationToken, ValueTask<Stream>>? ConnectionFilter { get; init; }

    /// <summary>Decides whether a request may go on: the place for basic and bearer authentication.</summary>
    public IRegistryAccessControl AccessControl { get; init; } = AllowAll.Instance;

    /// <summary>Endpoints served beside the API on the same listener (the token endpoint).</summary>
    public IReadOnlyList<IRegistryEndpoint> Endpoints { get; init; } = [];

    private sealed class AllowAll : IRegistryAccessControl
    {
        public static readonly AllowAll Instance = new();

        public RegistryDenial? Check(HttpRequestHead head, RegistryAccess access) => null;
    }
}

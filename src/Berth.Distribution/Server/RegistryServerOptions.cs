using Berth.Http;

namespace Berth.Distribution.Server;

/// <summary>How the registry serves: read-only or not, and the seams TLS and authentication plug into.</summary>
public sealed class RegistryServerOptions
{
    /// <summary>compat(distribution): writes are refused with 405, reads go on (for maintenance or a mirror).</summary>
    public bool ReadOnly { get; init; }

    /// <summary>Wraps each accepted connection before HTTP is spoken on it: the place for a TLS handshake.</summary>
    public Func<Stream, CancellationToken, ValueTask<Stream>>? ConnectionFilter { get; init; }

    /// <summary>Decides whether a request may go on: the place for basic and bearer authentication.</summary>
    public IRegistryAccessControl AccessControl { get; init; } = AllowAll.Instance;

    private sealed class AllowAll : IRegistryAccessControl
    {
        public static readonly AllowAll Instance = new();

        public RegistryDenial? Check(HttpRequestHead head, RegistryAccess access) => null;
    }
}

/// <summary>What a request wants: a repository (null for <c>/v2/</c> and the catalog) and whether it writes.</summary>
public readonly record struct RegistryAccess(string? Repository, bool Write);

/// <summary>A refusal of access: the error (UNAUTHORIZED or DENIED) and the headers to send with it (a
/// <c>WWW-Authenticate</c> challenge).</summary>
public sealed record RegistryDenial(RegistryException Error, IReadOnlyList<KeyValuePair<string, string>> Headers);

public interface IRegistryAccessControl
{
    RegistryDenial? Check(HttpRequestHead head, RegistryAccess access);
}

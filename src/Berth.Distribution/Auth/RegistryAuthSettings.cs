namespace Berth.Distribution.Auth;

/// <summary>How <c>berth registry serve</c> authenticates: none, <c>htpasswd</c> (Basic) or <c>token</c> (bearer
/// tokens from the registry's own token endpoint).</summary>
public sealed record RegistryAuthSettings
{
    public string Mode { get; init; } = "none";

    public string? HtpasswdFile { get; init; }

    public string? AccessFile { get; init; }

    /// <summary>The realm of the Basic challenge (htpasswd mode and the token endpoint).</summary>
    public string Realm { get; init; } = "berth-registry";

    public bool AnonymousPull { get; init; }

    /// <summary>A PEM private key to sign tokens with; null: an ES256 key generated at start.</summary>
    public string? TokenKeyFile { get; init; }

    /// <summary>The token endpoint's URL in the challenge; null: this server's <c>/token</c> at the request's
    /// <c>Host</c> (https when <see cref="Tls"/>).</summary>
    public string? TokenRealm { get; init; }

    /// <summary>The <c>service</c> of the challenge and the tokens' audience (and issuer).</summary>
    public string Service { get; init; } = "berth-registry";

    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(5);

    public bool Tls { get; init; }

    /// <summary>The host (and port) to name in the realm when a request has no usable <c>Host</c>.</summary>
    public string DefaultHost { get; init; } = "127.0.0.1:5000";

    public TimeProvider? Time { get; init; }
}

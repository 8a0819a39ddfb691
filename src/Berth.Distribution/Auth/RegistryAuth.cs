using Berth.Common;
using Berth.Distribution.Server;
using Berth.Http;

namespace Berth.Distribution.Auth;

/// <summary>The access control and endpoints of a <see cref="RegistryAuthSettings"/>, built once at start: every
/// file is read then, so a bad one stops the server before it listens.</summary>
public sealed class RegistryAuth : IDisposable
{
    public const string TokenPath = "/token";

    private readonly TokenKey? _key;

    private RegistryAuth(IRegistryAccessControl? control, IReadOnlyList<IRegistryEndpoint> endpoints, TokenKey? key, RegistryTokens? tokens)
    {
        AccessControl = control;
        Endpoints = endpoints;
        _key = key;
        Tokens = tokens;
    }

    /// <summary>Null when every request may go on.</summary>
    public IRegistryAccessControl? AccessControl { get; }

    public IReadOnlyList<IRegistryEndpoint> Endpoints { get; }

    /// <summary>The token service of token mode (tests mint tokens with it).</summary>
    internal RegistryTokens? Tokens { get; }

    public static RegistryAuth Create(RegistryAuthSettings s)
    {
        switch (s.Mode)
        {
            case "none" or "":
                if (s.HtpasswdFile is not null || s.AccessFile is not null || s.AnonymousPull || s.TokenKeyFile is not null)
                {
                    throw BerthException.Invalid("--htpasswd, --access, --anonymous-pull and --token-key need --auth htpasswd or --auth token");
                }
                return new RegistryAuth(null, [], null, null);
            case "htpasswd":
                {
                    if (s.HtpasswdFile is null)
                    {
                        throw BerthException.Invalid("--auth htpasswd needs --htpasswd FILE");
                    }
                    if (s.AnonymousPull || s.TokenKeyFile is not null)
                    {
                        throw BerthException.Invalid("--anonymous-pull and --token-key belong to --auth token");
                    }
                    var users = Htpasswd.Load(s.HtpasswdFile);
                    var rules = s.AccessFile is null ? AccessRules.Default() : AccessRules.Load(s.AccessFile);
                    return new RegistryAuth(new BasicAccessControl(users, rules, s.Realm), [], null, null);
                }
            case "token":
                {
                    var users = s.HtpasswdFile is null ? null : Htpasswd.Load(s.HtpasswdFile);
                    var rules = s.AccessFile is null ? AccessRules.Default(s.AnonymousPull) : AccessRules.Load(s.AccessFile, s.AnonymousPull);
                    if (users is null && !rules.AnonymousMayAccess)
                    {
                        throw BerthException.Invalid("--auth token needs --htpasswd FILE (its users get tokens), --anonymous-pull, or an --access file with anonymous rules");
                    }
                    var key = s.TokenKeyFile is null ? TokenKey.Generate() : TokenKey.Load(s.TokenKeyFile);
                    var tokens = new RegistryTokens(key, s.Service, s.Service, s.Time) { Lifetime = s.TokenLifetime };
                    var scheme = s.Tls ? "https" : "http";
                    Func<HttpRequestHead, string> realm = s.TokenRealm is { } fixedRealm
                        ? _ => fixedRealm
                        : head => $"{scheme}://{HostOf(head, s.DefaultHost)}{TokenPath}";
                    return new RegistryAuth(new BearerAccessControl(tokens, rules, realm), [new TokenEndpoint(tokens, users, rules, s.Realm, TokenPath)], key, tokens);
                }
            default:
                throw BerthException.Invalid($"--auth {s.Mode}: expected none, htpasswd or token");
        }
    }

    /// <summary>The request's <c>Host</c> when it is a plain host[:port] (no quote or other character that could
    /// bend the challenge), else the default.</summary>
    private static string HostOf(HttpRequestHead head, string fallback)
    {
        var host = head.Headers["Host"];
        if (string.IsNullOrEmpty(host) || host.Length > 255 || !host.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or ':' or '[' or ']'))
        {
            return fallback;
        }
        return host;
    }

    public void Dispose() => _key?.Dispose();
}

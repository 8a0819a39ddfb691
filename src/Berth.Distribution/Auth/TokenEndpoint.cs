using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Berth.Common;
using Berth.Distribution.Server;
using Berth.Http;

namespace Berth.Distribution.Auth;

/// <summary>
/// The token endpoint of the token spec, served by the registry itself: <c>GET /token?service=…&amp;scope=…</c>
/// with Basic credentials of the htpasswd file (or none, for what anonymous may have). It grants of each scope the
/// actions the user holds (the intersection; a scope of nothing held is left out) and answers
/// <c>{"token","access_token","expires_in","issued_at"}</c>. Wrong credentials: 401 with a Basic challenge.
/// </summary>
internal sealed class TokenEndpoint(RegistryTokens tokens, Htpasswd? users, AccessRules rules, string basicRealm, string path = "/token") : IRegistryEndpoint
{
    /// <summary>More scopes than this in one request are refused (a client asks for one or two).</summary>
    public const int MaxScopes = 32;

    public string Path => path;

    public RegistryResponse Handle(HttpRequestHead head, QueryString query)
    {
        if (head.Method is not ("GET" or "HEAD"))
        {
            // compat(containerd): a 405 to the OAuth2 POST sends a client with credentials back to GET.
            return Error(405, RegistryErrorCode.Unsupported, "the token endpoint answers GET only", [new("Allow", "GET, HEAD")]);
        }
        if (query["service"] is { } svc && svc != tokens.Service)
        {
            return Error(400, RegistryErrorCode.Unsupported, "unknown service", [], svc);
        }
        string? subject;
        var c = Credentials.From(head);
        switch (c.Kind)
        {
            case CredentialKind.Basic when users is not null && users.Verify(c.User, c.Secret):
                subject = c.User;
                break;
            case CredentialKind.None when rules.AnonymousMayAccess:
                subject = null;
                break;
            default:
                Log.Info("token refused", ("reason", c.Kind == CredentialKind.None ? "no credentials" : "invalid credentials"), ("user", c.Kind == CredentialKind.Basic ? c.User : null));
                return Error(401, RegistryErrorCode.Unauthorized, "authentication required", [new("WWW-Authenticate", $"Basic realm={Challenge.Quote(basicRealm)},charset=\"UTF-8\"")]);
        }
        var requested = new List<RegistryScope>();
        foreach (var param in query.All("scope"))
        {
            foreach (var text in param.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (RegistryScope.Parse(text) is not { } scope)
                {
                    return Error(400, RegistryErrorCode.Unsupported, "invalid scope", [], text);
                }
                requested.Add(scope);
            }
        }
        if (requested.Count > MaxScopes)
        {
            return Error(400, RegistryErrorCode.Unsupported, "too many scopes", [], $"{requested.Count} scopes; at most {MaxScopes}");
        }
        var granted = new List<RegistryScope>();
        foreach (var scope in requested)
        {
            if (scope.Type == "repository" && !RepositoryName.IsValid(scope.Name))
            {
                continue;
            }
            var actions = rules.Grant(subject, scope);
            if (actions.Count > 0)
            {
                granted.Add(scope with { Actions = actions });
            }
        }
        var token = tokens.Issue(subject ?? "", granted, out var issuedAt);
        var buffer = new ArrayBufferWriter<byte>(token.Length + 128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("token", token);
            w.WriteString("access_token", token);
            w.WriteNumber("expires_in", (long)tokens.Lifetime.TotalSeconds);
            w.WriteString("issued_at", issuedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        Log.Debug("token issued", ("user", subject ?? "anonymous"), ("access", string.Join(' ', granted)));
        return new RegistryResponse(200, "application/json", buffer.WrittenSpan.ToArray(), [new("Cache-Control", "no-store")]);
    }

    private static RegistryResponse Error(int status, RegistryErrorCode code, string message, KeyValuePair<string, string>[] headers, string? detail = null)
    {
        var body = new ErrorsBody { Errors = [new ErrorEntry { Code = RegistryHttp.CodeOf(code), Message = message, Detail = detail }] };
        return new RegistryResponse(status, "application/json", JsonSerializer.SerializeToUtf8Bytes(body, RegistryJson.Wire.ErrorsBody), headers);
    }
}

using Berth.Distribution.Server;
using Berth.Http;

namespace Berth.Distribution.Auth;

/// <summary>
/// <c>--auth token</c>: every request, <c>/v2/</c> included, carries a bearer token of this registry's token
/// endpoint. None (or Basic credentials): 401 with <c>WWW-Authenticate: Bearer realm="…",service="…",scope="…"</c>;
/// an invalid one adds <c>error="invalid_token"</c>; one without the scopes the request needs adds
/// <c>error="insufficient_scope"</c> (the client asks for a new token), unless the token's authenticated user
/// does not hold them under the access rules: then 403 DENIED, since no token would help.
/// </summary>
internal sealed class BearerAccessControl(RegistryTokens tokens, AccessRules rules, Func<HttpRequestHead, string> realm) : IRegistryAccessControl
{
    public RegistryDenial? Check(HttpRequestHead head, RegistryAccess access)
    {
        var scopes = RegistryScope.For(access);
        var c = Credentials.From(head);
        if (c.Kind != CredentialKind.Bearer)
        {
            return Challenge.Bearer(realm(head), tokens.Service, scopes, c.Kind == CredentialKind.Invalid ? "invalid_token" : null);
        }
        var token = tokens.Validate(c.Secret);
        if (!token.Valid)
        {
            return Challenge.Bearer(realm(head), tokens.Service, scopes, "invalid_token", token.Reason);
        }
        var missing = scopes.Where(s => !s.IsCoveredBy(RegistryTokens.Granted(token, s))).ToList();
        if (missing.Count == 0)
        {
            return null;
        }
        var user = token.Subject.Length == 0 ? null : token.Subject;
        if (user is not null && missing.Exists(s => !s.IsCoveredBy(rules.Allowed(user, s))))
        {
            return Challenge.Denied(missing);
        }
        return Challenge.Bearer(realm(head), tokens.Service, scopes, "insufficient_scope", "token lacks " + string.Join(' ', missing));
    }
}

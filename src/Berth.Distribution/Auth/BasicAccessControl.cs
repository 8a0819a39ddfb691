using Berth.Distribution.Server;
using Berth.Http;

namespace Berth.Distribution.Auth;

/// <summary>
/// <c>--auth htpasswd</c>: every request, <c>/v2/</c> included, carries Basic credentials of the htpasswd file
/// (401 UNAUTHORIZED with <c>WWW-Authenticate: Basic realm="…"</c> otherwise); an authenticated user the access
/// rules do not allow is refused with 403 DENIED (new credentials would not help).
/// </summary>
internal sealed class BasicAccessControl(Htpasswd users, AccessRules rules, string realm) : IRegistryAccessControl
{
    public RegistryDenial? Check(HttpRequestHead head, RegistryAccess access)
    {
        var c = Credentials.From(head);
        if (c.Kind != CredentialKind.Basic)
        {
            return Challenge.Basic(realm, c.Kind == CredentialKind.None ? null : "basic credentials expected");
        }
        if (!users.Verify(c.User, c.Secret))
        {
            return Challenge.Basic(realm, "invalid username or password");
        }
        var scopes = RegistryScope.For(access);
        foreach (var s in scopes)
        {
            if (!s.IsCoveredBy(rules.Allowed(c.User, s)))
            {
                return Challenge.Denied(scopes);
            }
        }
        return null;
    }
}

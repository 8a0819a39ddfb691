using System.Text;
using Berth.Distribution.Server;

namespace Berth.Distribution.Auth;

/// <summary>The refusals of the auth modes, with their <c>WWW-Authenticate</c> challenges as the reference registry
/// writes them.</summary>
internal static class Challenge
{
    public static RegistryDenial Basic(string realm, string? detail = null) =>
        new(new RegistryException(RegistryErrorCode.Unauthorized, "authentication required", detail),
            [new("WWW-Authenticate", $"Basic realm={Quote(realm)},charset=\"UTF-8\"")]);

    /// <summary><c>Bearer realm="…",service="…",scope="…"[,error="…"]</c>.</summary>
    public static RegistryDenial Bearer(string realm, string service, IReadOnlyList<RegistryScope> scopes, string? error, string? detail = null)
    {
        var sb = new StringBuilder("Bearer realm=").Append(Quote(realm)).Append(",service=").Append(Quote(service));
        if (scopes.Count > 0)
        {
            sb.Append(",scope=").Append(Quote(string.Join(' ', scopes)));
        }
        if (error is not null)
        {
            sb.Append(",error=").Append(Quote(error));
        }
        return new(new RegistryException(RegistryErrorCode.Unauthorized, "authentication required", detail), [new("WWW-Authenticate", sb.ToString())]);
    }

    public static RegistryDenial Denied(IReadOnlyList<RegistryScope> scopes) =>
        new(new RegistryException(RegistryErrorCode.Denied, "requested access to the resource is denied", string.Join(' ', scopes)), []);

    /// <summary>A quoted-string of RFC 9110: backslash and quote escaped.</summary>
    public static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}

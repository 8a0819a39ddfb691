using System.Text;
using Berth.Http;

namespace Berth.Distribution.Auth;

/// <summary>The <c>Authorization</c> header of a request, parsed. Its values never reach a log.</summary>
internal readonly record struct Credentials(CredentialKind Kind, string User = "", string Secret = "")
{
    /// <summary>An Authorization header longer than this is refused unread (a token of this registry is far shorter).</summary>
    public const int MaxHeaderLength = 8192;

    public static Credentials From(HttpRequestHead head)
    {
        var value = head.Headers["Authorization"];
        if (value is null)
        {
            return new(CredentialKind.None);
        }
        if (head.Headers.Count(h => string.Equals(h.Key, "Authorization", StringComparison.OrdinalIgnoreCase)) > 1)
        {
            // Two credentials: which one a proxy in front checked is anyone's guess.
            return new(CredentialKind.Invalid);
        }
        if (value.Length > MaxHeaderLength)
        {
            return new(CredentialKind.Invalid);
        }
        var space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return new(CredentialKind.Invalid);
        }
        var scheme = value[..space];
        var rest = value[(space + 1)..].Trim();
        if (scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
        {
            return rest.Length == 0 ? new(CredentialKind.Invalid) : new(CredentialKind.Bearer, Secret: rest);
        }
        if (!scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return new(CredentialKind.Invalid);
        }
        byte[] raw;
        try
        {
            raw = Convert.FromBase64String(rest);
        }
        catch (FormatException)
        {
            return new(CredentialKind.Invalid);
        }
        string decoded;
        try
        {
            decoded = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            return new(CredentialKind.Invalid);
        }
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? new(CredentialKind.Invalid) : new(CredentialKind.Basic, decoded[..colon], decoded[(colon + 1)..]);
    }

    public override string ToString() => $"Credentials {{ Kind = {Kind} }}";
}

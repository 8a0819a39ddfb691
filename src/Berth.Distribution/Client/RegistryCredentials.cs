using System.Text;
using System.Text.Json;
using Berth.Common;

namespace Berth.Distribution.Client;

/// <summary>
/// What a client gives the engine to authenticate to one registry: Docker's AuthConfig, as the CLI sends it in the
/// <c>X-Registry-Auth</c> header (base64url JSON) and in <c>POST /auth</c>'s body.
/// </summary>
public sealed record RegistryCredentials(string? Username, string? Password, string? IdentityToken = null, string? RegistryToken = null)
{
    public bool IsEmpty => string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(IdentityToken) && string.IsNullOrEmpty(RegistryToken);

    /// <summary>Parses the <c>X-Registry-Auth</c> header; an absent or empty one (<c>{}</c>) is anonymous.</summary>
    public static RegistryCredentials? FromHeader(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }
        if (header.Length > 64 * 1024)
        {
            throw BerthException.Invalid("X-Registry-Auth header is too large");
        }
        var credentials = FromJson(DecodeHeader(header, "X-Registry-Auth"));
        return credentials.IsEmpty ? null : credentials;
    }

    /// <summary>compat(docker): the CLI's headers (<c>X-Registry-Auth</c>, <c>X-Registry-Config</c>) are base64url,
    /// with or without padding; older clients sent standard base64.</summary>
    public static byte[] DecodeHeader(string header, string name)
    {
        try
        {
            var s = header.Trim().Replace('-', '+').Replace('_', '/');
            return Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '='));
        }
        catch (FormatException)
        {
            throw BerthException.Invalid($"invalid {name} header: not base64");
        }
    }

    /// <summary>Parses an AuthConfig JSON document (<c>username</c>, <c>password</c>, <c>identitytoken</c>, …).</summary>
    public static RegistryCredentials FromJson(ReadOnlySpan<byte> json) => FromJson(json, out _);

    public static RegistryCredentials FromJson(ReadOnlySpan<byte> json, out string? serverAddress)
    {
        serverAddress = null;
        string? user = null, password = null, identity = null, registryToken = null, auth = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw BerthException.Invalid("invalid registry credentials: not a JSON object");
            }
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var value = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
                switch (p.Name.ToLowerInvariant())
                {
                    case "username": user = value; break;
                    case "password": password = value; break;
                    case "auth": auth = value; break;
                    case "identitytoken": identity = value; break;
                    case "registrytoken": registryToken = value; break;
                    case "serveraddress": serverAddress = value; break;
                }
            }
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid registry credentials: " + e.Message);
        }
        if (string.IsNullOrEmpty(user) && !string.IsNullOrEmpty(auth))
        {
            (user, password) = DecodeAuth(auth);
        }
        return new RegistryCredentials(NullIfEmpty(user), NullIfEmpty(password), NullIfEmpty(identity), NullIfEmpty(registryToken));
    }

    /// <summary>The <c>auth</c> field of <c>~/.docker/config.json</c>: base64 of <c>user:password</c>.</summary>
    public static (string User, string Password) DecodeAuth(string auth)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
        }
        catch (FormatException)
        {
            throw BerthException.Invalid("invalid auth configuration: not base64");
        }
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? throw BerthException.Invalid("invalid auth configuration: no ':' between user and password") : (text[..colon], text[(colon + 1)..]);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    // Credentials never reach a log line by accident.
    public override string ToString() => $"RegistryCredentials {{ Username = {Username} }}";
}

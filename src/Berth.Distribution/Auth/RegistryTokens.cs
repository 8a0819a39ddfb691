using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Berth.Distribution.Auth;

/// <summary>
/// Bearer tokens as the token spec and distribution's <c>registry/auth/token</c> define them: a JWS (compact form)
/// whose claims are <c>iss</c>, <c>sub</c>, <c>aud</c>, <c>exp</c>, <c>nbf</c>, <c>iat</c>, <c>jti</c> and
/// <c>access</c> (a list of <c>{type, name, actions}</c>). Signed and checked with one <see cref="TokenKey"/>.
/// </summary>
internal sealed class RegistryTokens(TokenKey key, string issuer, string service, TimeProvider? time = null)
{
    /// <summary>compat(distribution): clocks may disagree by this much on <c>exp</c> and <c>nbf</c>.</summary>
    public static readonly TimeSpan Leeway = TimeSpan.FromSeconds(60);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Issuer => issuer;

    public string Service => service;

    /// <summary>How long an issued token lives (the spec's default and minimum: 60 seconds; distribution's token
    /// servers give 5 minutes).</summary>
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromMinutes(5);

    public string Issue(string subject, IReadOnlyList<RegistryScope> access, out DateTimeOffset issuedAt)
    {
        issuedAt = _time.GetUtcNow();
        var now = issuedAt.ToUnixTimeSeconds();
        var header = Json(w =>
        {
            w.WriteString("alg", key.Algorithm);
            w.WriteString("typ", "JWT");
            w.WriteString("kid", key.KeyId);
        });
        var claims = Json(w =>
        {
            w.WriteString("iss", issuer);
            w.WriteString("sub", subject);
            w.WriteString("aud", service);
            w.WriteNumber("exp", now + (long)Lifetime.TotalSeconds);
            w.WriteNumber("nbf", now - 10);
            w.WriteNumber("iat", now);
            w.WriteString("jti", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            w.WriteStartArray("access");
            foreach (var a in access)
            {
                w.WriteStartObject();
                w.WriteString("type", a.Type);
                w.WriteString("name", a.Name);
                w.WriteStartArray("actions");
                foreach (var action in a.Actions)
                {
                    w.WriteStringValue(action);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
        var signingInput = Base64Url.EncodeToString(header) + "." + Base64Url.EncodeToString(claims);
        return signingInput + "." + Base64Url.EncodeToString(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Checks the signature (with this key's algorithm only), then <c>iss</c>, <c>aud</c>, <c>exp</c> and
    /// <c>nbf</c>; returns the token's subject and access.</summary>
    public TokenValidation Validate(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || parts[2].Length == 0)
        {
            return TokenValidation.Invalid("malformed token");
        }
        byte[] headerBytes, claimBytes, signature;
        try
        {
            headerBytes = Base64Url.DecodeFromChars(parts[0]);
            claimBytes = Base64Url.DecodeFromChars(parts[1]);
            signature = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return TokenValidation.Invalid("malformed token");
        }
        try
        {
            using (var header = JsonDocument.Parse(headerBytes))
            {
                var h = header.RootElement;
                if (h.ValueKind != JsonValueKind.Object || !h.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
                {
                    return TokenValidation.Invalid("token header without alg");
                }
                if (alg.GetString() != key.Algorithm)
                {
                    // none, HS256 keyed with the public key, or the other family: never tried.
                    return TokenValidation.Invalid("token signed with an algorithm this registry does not use");
                }
                if (h.TryGetProperty("crit", out _))
                {
                    return TokenValidation.Invalid("token header with critical extensions");
                }
                if (h.TryGetProperty("kid", out var kid) && (kid.ValueKind != JsonValueKind.String || kid.GetString() != key.KeyId))
                {
                    return TokenValidation.Invalid("token signed by an unknown key");
                }
            }
            if (!key.Verify(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature))
            {
                return TokenValidation.Invalid("invalid token signature");
            }
            using var doc = JsonDocument.Parse(claimBytes);
            return Claims(doc.RootElement);
        }
        catch (JsonException)
        {
            return TokenValidation.Invalid("malformed token");
        }
    }

    private TokenValidation Claims(JsonElement c)
    {
        if (c.ValueKind != JsonValueKind.Object)
        {
            return TokenValidation.Invalid("malformed token claims");
        }
        if (!c.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String || iss.GetString() != issuer)
        {
            return TokenValidation.Invalid("token from an unknown issuer");
        }
        if (!c.TryGetProperty("aud", out var aud) || !HasAudience(aud))
        {
            return TokenValidation.Invalid("token for another service");
        }
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var leeway = (long)Leeway.TotalSeconds;
        if (!c.TryGetProperty("exp", out var exp) || !exp.TryGetInt64(out var expires) || now > expires + leeway)
        {
            return TokenValidation.Invalid("token expired");
        }
        if (c.TryGetProperty("nbf", out var nbf) && (!nbf.TryGetInt64(out var notBefore) || now + leeway < notBefore))
        {
            return TokenValidation.Invalid("token not yet valid");
        }
        var subject = c.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String ? sub.GetString()! : "";
        var access = new List<RegistryScope>();
        if (c.TryGetProperty("access", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var a in list.EnumerateArray())
            {
                if (a.ValueKind == JsonValueKind.Object &&
                    a.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String &&
                    a.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String &&
                    a.TryGetProperty("actions", out var actions) && actions.ValueKind == JsonValueKind.Array)
                {
                    access.Add(new RegistryScope(type.GetString()!, name.GetString()!,
                        [.. actions.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!)]));
                }
            }
        }
        return new TokenValidation(true, null, subject, access);
    }

    private bool HasAudience(JsonElement aud) => aud.ValueKind switch
    {
        JsonValueKind.String => aud.GetString() == service,
        JsonValueKind.Array => aud.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.GetString() == service),
        _ => false,
    };

    /// <summary>The actions the token grants on a scope's resource (the union of its matching entries).</summary>
    public static HashSet<string> Granted(TokenValidation token, RegistryScope scope)
    {
        var granted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in token.Access)
        {
            if (a.Type == scope.Type && a.Name == scope.Name)
            {
                granted.UnionWith(a.Actions);
            }
        }
        return granted;
    }
}

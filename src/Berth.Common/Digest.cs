using System.Security.Cryptography;

namespace Berth.Common;

/// <summary>A content digest, <c>algorithm:hex</c>, as the OCI image spec defines it. Only sha256 is accepted.</summary>
public readonly record struct Digest
{
    private Digest(string hex) => Hex = hex;

    public const string Algorithm = "sha256";

    /// <summary>The 64 lower-case hex digits.</summary>
    public string Hex { get; }

    public string Value => Algorithm + ":" + Hex;

    public string Short => Hex[..12];

    public override string ToString() => Value;

    public static Digest Parse(string value)
    {
        if (!TryParse(value, out var d))
        {
            throw BerthException.Invalid($"invalid digest \"{value}\": expected sha256:<64 lower-case hex digits>");
        }
        return d;
    }

    public static bool TryParse(string? value, out Digest digest)
    {
        digest = default;
        if (value is null || !value.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return false;
        }
        var hex = value[7..];
        if (!IsHex64(hex))
        {
            return false;
        }
        digest = new Digest(hex);
        return true;
    }

    public static Digest FromHex(string hex) =>
        IsHex64(hex) ? new Digest(hex) : throw BerthException.Invalid($"invalid sha256 hex \"{hex}\"");

    public static Digest FromHash(ReadOnlySpan<byte> sha256) => new(Convert.ToHexStringLower(sha256));

    public static Digest Of(ReadOnlySpan<byte> content) => FromHash(SHA256.HashData(content));

    public static Digest Of(string content) => Of(System.Text.Encoding.UTF8.GetBytes(content));

    public static bool IsHex64(string s)
    {
        if (s.Length != 64)
        {
            return false;
        }
        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}

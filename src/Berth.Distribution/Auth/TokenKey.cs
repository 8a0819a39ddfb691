using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Berth.Common;
using Berth.Distribution.Server;

namespace Berth.Distribution.Auth;

/// <summary>
/// The key that signs and checks bearer tokens: an EC key (P-256 → ES256, P-384 → ES384) or an RSA key of at least
/// 2048 bits (RS256), from a PEM file or generated at start (ES256; tokens then die with the process). Its
/// algorithm is the only one a token may name: <c>none</c>, HMAC and the other family are refused, so neither an
/// unsigned token nor one "signed" with the public key as an HMAC secret passes (alg confusion).
/// </summary>
internal sealed class TokenKey : IDisposable
{
    private readonly ECDsa? _ec;
    private readonly RSA? _rsa;
    private readonly HashAlgorithmName _hash;

    private TokenKey(ECDsa? ec, RSA? rsa)
    {
        _ec = ec;
        _rsa = rsa;
        if (ec is not null)
        {
            var bits = ec.KeySize;
            (Algorithm, _hash) = bits switch
            {
                256 => ("ES256", HashAlgorithmName.SHA256),
                384 => ("ES384", HashAlgorithmName.SHA384),
                _ => throw BerthException.Invalid($"an EC token key must be P-256 or P-384, not {bits} bits"),
            };
            var p = ec.ExportParameters(false);
            KeyId = Thumbprint($"{{\"crv\":\"{(bits == 256 ? "P-256" : "P-384")}\",\"kty\":\"EC\",\"x\":\"{Base64Url.EncodeToString(p.Q.X)}\",\"y\":\"{Base64Url.EncodeToString(p.Q.Y)}\"}}");
        }
        else
        {
            if (rsa!.KeySize < 2048)
            {
                throw BerthException.Invalid($"an RSA token key must have at least 2048 bits, not {rsa.KeySize}");
            }
            (Algorithm, _hash) = ("RS256", HashAlgorithmName.SHA256);
            var p = rsa.ExportParameters(false);
            KeyId = Thumbprint($"{{\"e\":\"{Base64Url.EncodeToString(p.Exponent)}\",\"kty\":\"RSA\",\"n\":\"{Base64Url.EncodeToString(p.Modulus)}\"}}");
        }
    }

    /// <summary>The JWS <c>alg</c>: ES256, ES384 or RS256.</summary>
    public string Algorithm { get; }

    /// <summary>The JWK thumbprint of the public key (RFC 7638), sent as <c>kid</c>.</summary>
    public string KeyId { get; }

    public static TokenKey Generate() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256), null);

    /// <summary>Reads a PEM private key (PKCS#8, or the traditional RSA/EC forms).</summary>
    public static TokenKey Load(string path)
    {
        var pem = ConfigFile.Read("--token-key", path);
        var isRsa = pem.Contains("BEGIN RSA PRIVATE KEY", StringComparison.Ordinal);
        var isEc = pem.Contains("BEGIN EC PRIVATE KEY", StringComparison.Ordinal);
        if (!isRsa && !isEc && pem.Contains("BEGIN PRIVATE KEY", StringComparison.Ordinal))
        {
            // PKCS#8 names its algorithm inside: try EC, then RSA.
            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(pem);
                return Wrap(ec, null, path);
            }
            catch (CryptographicException)
            {
                ec.Dispose();
                isRsa = true;
            }
        }
        try
        {
            if (isRsa)
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(pem);
                return Wrap(null, rsa, path);
            }
            if (isEc)
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(pem);
                return Wrap(ec, null, path);
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw BerthException.Invalid($"--token-key {path}: the PEM private key is not valid");
        }
        throw BerthException.Invalid($"--token-key {path}: no unencrypted PEM private key (RSA or EC) in the file");
    }

    private static TokenKey Wrap(ECDsa? ec, RSA? rsa, string path)
    {
        try
        {
            return new TokenKey(ec, rsa);
        }
        catch (BerthException e)
        {
            ec?.Dispose();
            rsa?.Dispose();
            throw BerthException.Invalid($"--token-key {path}: {e.Message}");
        }
    }

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _ec is not null ? _ec.SignData(data, _hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) : _rsa!.SignData(data.ToArray(), _hash, RSASignaturePadding.Pkcs1);

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        _ec is not null ? _ec.VerifyData(data, signature, _hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation) : _rsa!.VerifyData(data, signature, _hash, RSASignaturePadding.Pkcs1);

    private static string Thumbprint(string canonicalJwk) => Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJwk)));

    public void Dispose()
    {
        _ec?.Dispose();
        _rsa?.Dispose();
    }
}

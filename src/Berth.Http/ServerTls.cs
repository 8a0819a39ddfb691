using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Http;

/// <summary>
/// A TLS server's settings from PEM files, as dockerd's <c>--tls</c>/<c>--tlsverify</c> make them: TLS 1.2 or newer,
/// the server's certificate (and any intermediates after it in the same file) and key; with client verification, a
/// client must present a certificate that chains to one of the CA file's certificates, and nothing else (the
/// machine's trust store plays no part), or the handshake fails.
/// </summary>
public static class ServerTls
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    // Why a connection's client certificate was refused, for the log: SslStream itself only says the callback said no.
    private static readonly ConditionalWeakTable<object, string> Refusals = [];

    public static SslServerAuthenticationOptions Load(string certFile, string keyFile, string? caFile, bool verifyClients)
    {
        X509Certificate2 certificate;
        var intermediates = new X509Certificate2Collection();
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
            intermediates.ImportFromPemFile(certFile);
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
        {
            // compat(docker): go-connections' words.
            throw new InvalidDataException($"could not load X509 key pair (cert: \"{certFile}\", key: \"{keyFile}\"): {e.Message}", e);
        }
        foreach (var c in intermediates.Where(c => c.Thumbprint == certificate.Thumbprint).ToList())
        {
            intermediates.Remove(c);
        }
        X509Certificate2Collection? authorities = null;
        if (verifyClients)
        {
            if (caFile is null)
            {
                throw new InvalidDataException("client verification needs a CA certificate (--tlscacert)");
            }
            authorities = new X509Certificate2Collection();
            try
            {
                authorities.ImportFromPemFile(caFile);
            }
            catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
            {
                throw new InvalidDataException($"could not read CA certificate \"{caFile}\": {e.Message}", e);
            }
            if (authorities.Count == 0)
            {
                throw new InvalidDataException($"failed to append certificates from PEM file: \"{caFile}\"");
            }
        }
        return new SslServerAuthenticationOptions
        {
            // The CA's name goes into the certificate request: Go's TLS client (the docker CLI) sends only a
            // certificate that one of the names listed there issued.
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, intermediates, offline: true,
                authorities is null ? null : SslCertificateTrust.CreateForX509Collection(authorities, sendTrustInHandshake: true)),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = verifyClients,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = authorities is null ? null : (stream, presented, chain, _) =>
            {
                var refusal = Verify(presented, chain, authorities);
                if (refusal is not null)
                {
                    Refusals.AddOrUpdate(stream, refusal);
                }
                return refusal is null;
            },
        };
    }

    /// <summary>Why <paramref name="stream"/>'s handshake refused the client's certificate, in Go's words; null when
    /// it did not.</summary>
    public static string? RefusalOf(SslStream stream) => Refusals.TryGetValue(stream, out var refusal) ? refusal : null;

    /// <summary>Null when a client's certificate chains to one of <paramref name="authorities"/> and may authenticate
    /// a client (no extended key usage, or client authentication among them); else why not.</summary>
    public static string? Verify(X509Certificate? presented, X509Chain? sent, X509Certificate2Collection authorities)
    {
        if (presented is null)
        {
            // compat(go): crypto/tls's words.
            return "tls: client didn't provide a certificate";
        }
        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (sent is not null)
        {
            foreach (var element in sent.ChainElements.Skip(1))
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        if (chain.Build(certificate))
        {
            return null;
        }
        var flags = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        return flags switch
        {
            _ when flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain) =>
                "tls: failed to verify certificate: x509: certificate signed by unknown authority",
            _ when flags.HasFlag(X509ChainStatusFlags.NotValidForUsage) =>
                "tls: failed to verify certificate: x509: certificate specifies an incompatible key usage",
            _ when flags.HasFlag(X509ChainStatusFlags.NotTimeValid) =>
                "tls: failed to verify certificate: x509: certificate has expired or is not yet valid",
            _ => "tls: failed to verify certificate: " + string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())),
        };
    }
}

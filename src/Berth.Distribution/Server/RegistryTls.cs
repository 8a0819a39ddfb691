using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Berth.Common;
using Berth.Http;

namespace Berth.Distribution.Server;

/// <summary>
/// HTTPS for the registry: a certificate and its key from PEM files (RSA or EC; the certificate file may carry the
/// chain after the leaf), TLS 1.2 and 1.3 only, and optionally client certificates required and verified against
/// a CA bundle (distribution's <c>http.tls.clientcas</c>). <see cref="Filter"/> plugs into
/// <see cref="RegistryServerOptions.ConnectionFilter"/>.
/// </summary>
public sealed class RegistryTls : IDisposable
{
    private readonly SslServerAuthenticationOptions _options;
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection _clientCas;

    private RegistryTls(X509Certificate2 certificate, X509Certificate2Collection chain, X509Certificate2Collection clientCas)
    {
        _certificate = certificate;
        _clientCas = clientCas;
        _options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = SslStreamCertificateContext.Create(certificate, chain, offline: true),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateRequired = clientCas.Count > 0,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = clientCas.Count > 0 ? ValidateClient : null,
        };
    }

    /// <summary>A handshake not finished in this time is abandoned (a client that connects and says nothing).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public bool RequiresClientCertificate => _clientCas.Count > 0;

    /// <summary>Reads the PEM files; a file that is missing, unreadable, not PEM, or a key that does not match the
    /// certificate is an <see cref="ErrorKind.InvalidArgument"/> naming the file.</summary>
    public static RegistryTls Load(string certFile, string keyFile, string? clientCaFile = null)
    {
        var certPem = ConfigFile.Read("--tls-cert", certFile);
        var keyPem = ConfigFile.Read("--tls-key", keyFile);
        var chain = ImportCertificates("--tls-cert", certFile, certPem);
        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            var why = keyPem.Contains("ENCRYPTED", StringComparison.Ordinal)
                ? "the key is encrypted; give it unencrypted (openssl pkey -in KEY -out KEY.plain)"
                : $"no PEM private key (RSA or EC) matching the first certificate of {certFile}";
            throw BerthException.Invalid($"--tls-key {keyFile}: {why}");
        }
        chain[0].Dispose();
        chain.RemoveAt(0);
        var cas = clientCaFile is null ? [] : ImportCertificates("--tls-client-ca", clientCaFile, ConfigFile.Read("--tls-client-ca", clientCaFile));
        return new RegistryTls(leaf, chain, cas);
    }

    private static X509Certificate2Collection ImportCertificates(string flag, string path, string pem)
    {
        var certs = new X509Certificate2Collection();
        try
        {
            certs.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            throw BerthException.Invalid($"{flag} {path}: a PEM certificate in the file is not valid");
        }
        return certs.Count > 0 ? certs : throw BerthException.Invalid($"{flag} {path}: no PEM certificate in the file");
    }

    /// <summary>The TLS handshake over an accepted connection; the stream returned speaks HTTP.</summary>
    public async ValueTask<Stream> Filter(Stream stream, CancellationToken ct)
    {
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(HandshakeTimeout);
        try
        {
            await ssl.AuthenticateAsServerAsync(_options, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AuthenticationException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            // The server loop treats an IOException as a connection that ended.
            throw new IOException("TLS handshake failed: " + e.Message, e);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return ssl;
    }

    /// <summary>A client certificate must chain to one of the client CAs (and only to them) and allow client
    /// authentication, as Go's <c>tls.RequireAndVerifyClientCert</c>: the daemon's check (<see cref="ServerTls"/>).</summary>
    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors) =>
        ServerTls.Verify(certificate, presented, _clientCas) is null;

    public void Dispose()
    {
        _certificate.Dispose();
        foreach (var c in _clientCas)
        {
            c.Dispose();
        }
    }
}

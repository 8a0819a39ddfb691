using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Distribution.Tests;

/// <summary>A throwaway PKI in a temporary directory: a root CA, an intermediate, a server certificate for
/// 127.0.0.1 issued by the intermediate (its file carries the chain: leaf, then intermediate), a client CA and a
/// client certificate, all as PEM files.</summary>
public sealed class TestPki : IDisposable
{
    public TestPki(bool rsaServerKey = false)
    {
        Directory.CreateDirectory(Dir);
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Root = SelfSignedCa("Berth Test Root", rootKey);
        using var interKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var inter = Issue(new CertificateRequest("CN=Berth Test Intermediate", interKey, HashAlgorithmName.SHA256), Root, ca: true);
        using var interWithKey = inter.CopyWithPrivateKey(interKey);

        var serverReq = rsaServerKey
            ? new CertificateRequest("CN=127.0.0.1", _rsa = RSA.Create(2048), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest("CN=127.0.0.1", _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256), HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        serverReq.CertificateExtensions.Add(san.Build());
        serverReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var server = Issue(serverReq, interWithKey, ca: false);
        File.WriteAllText(ServerCert, server.ExportCertificatePem() + "\n" + inter.ExportCertificatePem() + "\n");
        File.WriteAllText(ServerKey, rsaServerKey ? _rsa!.ExportRSAPrivateKeyPem() : _ec!.ExportECPrivateKeyPem());
        File.WriteAllText(RootCert, Root.ExportCertificatePem());

        using var clientCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var clientCa = SelfSignedCa("Berth Test Client CA", clientCaKey);
        File.WriteAllText(ClientCaCert, clientCa.ExportCertificatePem());
        ClientCertificate = ClientIssuedBy(clientCa);
        File.WriteAllText(ClientCert, ClientCertificate.ExportCertificatePem());
        using (var k = ClientCertificate.GetECDsaPrivateKey()!)
        {
            File.WriteAllText(ClientKey, k.ExportPkcs8PrivateKeyPem());
        }
        using var strangerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var strangerCa = SelfSignedCa("Some Other CA", strangerKey);
        StrangerCertificate = ClientIssuedBy(strangerCa);
        clientCa.Dispose();
        inter.Dispose();
        server.Dispose();
    }

    private readonly ECDsa? _ec;
    private readonly RSA? _rsa;

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "berth-pki-" + Guid.NewGuid().ToString("N"));

    public X509Certificate2 Root { get; }

    public X509Certificate2 ClientCertificate { get; }

    /// <summary>A client certificate of a CA the server does not know.</summary>
    public X509Certificate2 StrangerCertificate { get; }

    public string ServerCert => Path.Combine(Dir, "server.crt");

    public string ServerKey => Path.Combine(Dir, "server.key");

    public string RootCert => Path.Combine(Dir, "ca.pem");

    public string ClientCaCert => Path.Combine(Dir, "client-ca.pem");

    public string ClientCert => Path.Combine(Dir, "client.cert");

    public string ClientKey => Path.Combine(Dir, "client.key");

    private static X509Certificate2 SelfSignedCa(string name, ECDsa key)
    {
        var req = new CertificateRequest("CN=" + name, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(CertificateRequest req, X509Certificate2 issuer, bool ca)
    {
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
        using var issuerKey = issuer.GetECDsaPrivateKey()!;
        return req.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), RandomNumberGenerator.GetBytes(12));
    }

    private static X509Certificate2 ClientIssuedBy(X509Certificate2 ca)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=berth-client", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var cert = Issue(req, ca, ca: false);
        return cert.CopyWithPrivateKey(key);
    }

    /// <summary>A handler trusting only the root CA (the intermediate comes from the server), optionally with a
    /// client certificate.</summary>
    public SocketsHttpHandler Handler(X509Certificate2? clientCertificate = null)
    {
        var root = Root;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, presented, errors) =>
        {
            if (cert is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            foreach (var e in presented!.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(e.Certificate);
            }
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
            return chain.Build((X509Certificate2)cert);
        };
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }
        return handler;
    }

    public void Dispose()
    {
        Root.Dispose();
        ClientCertificate.Dispose();
        StrangerCertificate.Dispose();
        _ec?.Dispose();
        _rsa?.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}

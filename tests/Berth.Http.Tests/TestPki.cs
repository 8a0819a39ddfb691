using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Berth.Http.Tests;

/// <summary>A CA, and certificates it signs, as PEM files in a throwaway directory (what <c>openssl</c> makes for
/// dockerd's --tlsverify).</summary>
internal sealed class TestPki : IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly RSA _caKey = RSA.Create(2048);

    public TestPki(string name)
    {
        Dir = Directory.CreateTempSubdirectory("berth-pki-").FullName;
        var request = new CertificateRequest($"CN={name}", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
    }

    public string Dir { get; }

    public X509Certificate2 Ca { get; }

    public string CaFile => Path.Join(Dir, "ca.pem");

    /// <summary>Writes <c>NAME-cert.pem</c> and <c>NAME-key.pem</c>; returns the certificate with its key.</summary>
    public X509Certificate2 Issue(string name, bool server)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([server ? ServerAuthentication : ClientAuthentication], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
        }
        using var signed = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForRSA(_caKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(CertFile(name), signed.ExportCertificatePem());
        File.WriteAllText(KeyFile(name), key.ExportPkcs8PrivateKeyPem());
        return X509Certificate2.CreateFromPemFile(CertFile(name), KeyFile(name));
    }

    public string CertFile(string name) => Path.Join(Dir, name + "-cert.pem");

    public string KeyFile(string name) => Path.Join(Dir, name + "-key.pem");

    public void Dispose()
    {
        _caKey.Dispose();
        Ca.Dispose();
        Directory.Delete(Dir, recursive: true);
    }
}

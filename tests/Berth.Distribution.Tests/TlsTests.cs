using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Berth.Common;
using Berth.Distribution.Server;

namespace Berth.Distribution.Tests;

/// <summary>HTTPS: the handshake with a certificate whose file carries its chain, a pull over it, client
/// certificates when a client CA is given, and the refusal of bad files before anything listens.</summary>
public sealed class TlsTests
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    private static RegistryFixture Start(TestPki pki, bool clientCa = false, Func<HttpMessageHandler>? handler = null)
    {
        var tls = RegistryTls.Load(pki.ServerCert, pki.ServerKey, clientCa ? pki.ClientCaCert : null);
        return RegistryFixture.Start(new RegistryServerOptions { ConnectionFilter = tls.Filter }, handler ?? (() => pki.Handler()));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_push_and_pull_over_https_trusting_only_the_root(bool rsa)
    {
        using var pki = new TestPki(rsaServerKey: rsa);
        await using var r = Start(pki);
        Assert.Equal("https", r.BaseAddress.Scheme);
        var manifest = await r.ImageManifestAsync("tls/app", "layer over tls");
        using (var put = await r.PutManifestAsync("tls/app", "v1", manifest, OciManifest))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using var get = await r.Client.GetAsync("/v2/tls/app/manifests/v1");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(manifest, await get.Content.ReadAsStringAsync());

        // The negotiated protocol, seen from a plain SslStream.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(r.EndPoint);
        await using var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "127.0.0.1", RemoteCertificateValidationCallback = (_, _, _, _) => true });
        Assert.True(ssl.SslProtocol is SslProtocols.Tls12 or SslProtocols.Tls13, ssl.SslProtocol.ToString());
    }

    [Fact]
    public async Task Plain_http_to_the_https_port_gets_no_answer()
    {
        using var pki = new TestPki();
        await using var r = Start(pki);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(r.EndPoint);
        var s = tcp.GetStream();
        await s.WriteAsync("GET /v2/ HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        var buf = new byte[256];
        int n;
        try
        {
            n = await s.ReadAsync(buf).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (IOException)
        {
            n = 0;
        }
        Assert.DoesNotContain("HTTP/1.1 200", Encoding.ASCII.GetString(buf, 0, n), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_certificate_of_the_client_ca_is_required()
    {
        using var pki = new TestPki();
        await using (var withCert = Start(pki, clientCa: true, () => pki.Handler(pki.ClientCertificate)))
        {
            using var ok = await withCert.Client.GetAsync("/v2/");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

            using var without = new HttpClient(pki.Handler()) { BaseAddress = withCert.BaseAddress };
            await Assert.ThrowsAsync<HttpRequestException>(() => without.GetAsync("/v2/"));

            using var stranger = new HttpClient(pki.Handler(pki.StrangerCertificate)) { BaseAddress = withCert.BaseAddress };
            await Assert.ThrowsAsync<HttpRequestException>(() => stranger.GetAsync("/v2/"));
        }
    }

    public static TheoryData<string, string> BadFiles => new()
    {
        { "missing cert", "--tls-cert" },
        { "key of another certificate", "--tls-key" },
        { "garbage key", "--tls-key" },
        { "encrypted key", "--tls-key" },
        { "empty client CA", "--tls-client-ca" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_files_are_refused_with_the_flag_and_file_named(string row, string flag)
    {
        using var pki = new TestPki();
        using var other = new TestPki();
        var cert = pki.ServerCert;
        var key = pki.ServerKey;
        string? ca = null;
        var path = Path.Combine(pki.Dir, "bad.pem");
        switch (row)
        {
            case "missing cert":
                cert = path;
                break;
            case "key of another certificate":
                key = other.ServerKey;
                break;
            case "garbage key":
                File.WriteAllText(path, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
                key = path;
                break;
            case "encrypted key":
                using (var ec = System.Security.Cryptography.ECDsa.Create())
                {
                    File.WriteAllText(path, ec.ExportEncryptedPkcs8PrivateKeyPem("pw", new System.Security.Cryptography.PbeParameters(System.Security.Cryptography.PbeEncryptionAlgorithm.Aes256Cbc, System.Security.Cryptography.HashAlgorithmName.SHA256, 1000)));
                }
                key = path;
                break;
            case "empty client CA":
                File.WriteAllText(path, "");
                ca = path;
                break;
        }
        var e = Assert.Throws<BerthException>(() => RegistryTls.Load(cert, key, ca));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.StartsWith(flag + " ", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }
}

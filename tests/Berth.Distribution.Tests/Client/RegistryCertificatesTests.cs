using System.Text;
using Berth.Common;
using Berth.Distribution.Client;
using Berth.Distribution.Server;
using Berth.Oci;

namespace Berth.Distribution.Tests.Client;

/// <summary>Docker's certs.d: a registry on 127.0.0.1 speaking HTTPS with a certificate of a private CA, trusted when
/// that CA is in the registry's directory, and one requiring client certificates, reached with the
/// <c>client.cert</c>/<c>client.key</c> there.</summary>
public sealed class RegistryCertificatesTests : IDisposable
{
    private readonly string _certsDir = Path.Combine(Path.GetTempPath(), "berth-certs.d-" + Guid.NewGuid().ToString("N"));
    private readonly TestPki _pki = new();
    private readonly TestPki _otherPki = new();

    public void Dispose()
    {
        _pki.Dispose();
        _otherPki.Dispose();
        if (Directory.Exists(_certsDir))
        {
            Directory.Delete(_certsDir, recursive: true);
        }
    }

    private RegistryFixture Start(bool requireClientCertificate)
    {
        var tls = RegistryTls.Load(_pki.ServerCert, _pki.ServerKey, requireClientCertificate ? _pki.ClientCaCert : null);
        return RegistryFixture.Start(new RegistryServerOptions { ConnectionFilter = tls.Filter }, () => _pki.Handler(_pki.ClientCertificate));
    }

    /// <summary>certs.d/127.0.0.1:PORT/ with these files copied in.</summary>
    private string HostDir(RegistryFixture registry, params (string Source, string Name)[] files)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_certsDir, registry.EndPoint.ToString())).FullName;
        foreach (var (source, name) in files)
        {
            File.Copy(source, Path.Combine(dir, name));
        }
        return dir;
    }

    private RegistryClient ClientOf(RegistryFixture registry) =>
        new(new RegistryHosts(certificates: new RegistryCertificates([_certsDir])), registry.EndPoint.ToString(), "certs/app", null);

    private static async Task PushAndPullAsync(RegistryClient client)
    {
        var layer = Encoding.UTF8.GetBytes("a layer over TLS " + Guid.NewGuid());
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        await client.UploadBlobAsync(layer, CancellationToken.None);
        await client.UploadBlobAsync(config, CancellationToken.None);
        var manifest = Encoding.UTF8.GetBytes(RegistryFixture.Manifest(Digest.Of(config).Value, config.Length, Digest.Of(layer).Value, layer.Length));
        var pushed = await client.PutManifestAsync("v1", manifest, MediaTypes.OciManifest, CancellationToken.None);

        Assert.Equal(pushed, (await client.GetManifestAsync("v1", CancellationToken.None)).Digest);
        Assert.Equal(layer, await client.ReadBlobAsync(Digest.Of(layer), layer.Length, 1 << 20, CancellationToken.None));
    }

    [Fact]
    public async Task ALoopbackRegistryWithItsCaInCertsDIsVerifiedAgainstIt()
    {
        await using var registry = Start(requireClientCertificate: false);
        HostDir(registry, (_pki.RootCert, "ca.crt"));
        var client = ClientOf(registry);

        await PushAndPullAsync(client);

        Assert.Equal(("https", false), (client.Endpoint!.BaseAddress.Scheme, client.Endpoint.SkipTlsVerify));
    }

    [Fact]
    public async Task ALoopbackRegistryWithAnotherCaInCertsDIsRefused()
    {
        await using var registry = Start(requireClientCertificate: false);
        HostDir(registry, (_otherPki.RootCert, "ca.crt"));

        var e = await Assert.ThrowsAsync<BerthException>(() => ClientOf(registry).GetManifestAsync("v1", CancellationToken.None));

        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        Assert.Contains("https://" + registry.EndPoint, e.Message);
    }

    [Fact]
    public async Task WithoutCertsDALoopbackRegistryIsStillInsecure()
    {
        await using var registry = Start(requireClientCertificate: false);
        var client = ClientOf(registry);

        await PushAndPullAsync(client);

        Assert.Equal(("https", true), (client.Endpoint!.BaseAddress.Scheme, client.Endpoint.SkipTlsVerify));
    }

    [Theory]
    [InlineData("CA and client certificate", true, true, true)]
    [InlineData("client certificate only: loopback, unverified", false, true, true)]
    [InlineData("CA only", true, false, false)]
    [InlineData("nothing", false, false, false)]
    public async Task ARegistryRequiringClientCertificatesIsReachedWithTheOnesInCertsD(string files, bool ca, bool clientCertificate, bool reached)
    {
        _ = files;
        await using var registry = Start(requireClientCertificate: true);
        var dir = HostDir(registry);
        if (ca)
        {
            File.Copy(_pki.RootCert, Path.Combine(dir, "ca.crt"));
        }
        if (clientCertificate)
        {
            File.Copy(_pki.ClientCert, Path.Combine(dir, "client.cert"));
            File.Copy(_pki.ClientKey, Path.Combine(dir, "client.key"));
        }
        var client = ClientOf(registry);

        if (reached)
        {
            await PushAndPullAsync(client);
            Assert.Equal(!ca, client.Endpoint!.SkipTlsVerify);
        }
        else
        {
            await Assert.ThrowsAsync<BerthException>(() => PushAndPullAsync(client));
        }
    }

    [Theory]
    [InlineData("client.cert", "missing key client.key for client certificate client.cert. CA certificates must use the extension .crt")]
    [InlineData("client.key", "missing client certificate client.cert for key client.key")]
    public void AClientCertificateWithoutItsKeyIsAnError(string file, string message)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_certsDir, "registry.example:5000")).FullName;
        File.WriteAllText(Path.Combine(dir, file), "");

        var e = Assert.Throws<BerthException>(() => new RegistryCertificates([_certsDir]).For("registry.example:5000"));

        Assert.Equal((ErrorKind.InvalidArgument, message), (e.Kind, e.Message));
    }

    [Fact]
    public async Task AClientCertificateThatDoesNotLoadIsAnErrorNamingItsFile()
    {
        await using var registry = Start(requireClientCertificate: true);
        var dir = HostDir(registry, (_pki.ClientCert, "client.cert"));
        File.WriteAllText(Path.Combine(dir, "client.key"), "not a key");

        var e = await Assert.ThrowsAsync<BerthException>(() => ClientOf(registry).GetManifestAsync("v1", CancellationToken.None));

        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.StartsWith($"loading {Path.Combine(dir, "client.cert")}: ", e.Message);
    }

    [Fact]
    public void TheFilesOfEveryCertsDAddUpAndOtherHostsHaveNone()
    {
        var second = _certsDir + "-docker";
        try
        {
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(_certsDir, "registry.example")).FullName, "berth.crt"), "");
            File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(second, "registry.example")).FullName, "docker.crt"), "");
            var certificates = new RegistryCertificates([_certsDir, second]);

            var files = certificates.For("registry.example");

            Assert.Equal(["berth.crt", "docker.crt"], files!.Roots.Select(Path.GetFileName));
            Assert.Null(certificates.For("registry.example:5000"));
            Assert.Null(certificates.For(".."));
        }
        finally
        {
            Directory.Delete(second, recursive: true);
        }
    }
}

using System.Text.Json;
using Berth.Distribution.Auth;
using Berth.Distribution.Server;
using static Berth.Distribution.Tests.SkopeoInteropTests;

namespace Berth.Distribution.Tests;

/// <summary>skopeo against the registry with authentication: Basic over HTTPS with a client certificate (its
/// <c>--cert-dir</c> holding the test CA and the client's pair), and the bearer-token flow, which skopeo follows on
/// its own from the challenge.</summary>
public sealed class SkopeoAuthTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "berth-skopeo-auth-" + Guid.NewGuid().ToString("N"));

    public SkopeoAuthTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Basic_auth_over_https_with_a_client_certificate()
    {
        using var pki = new TestPki();
        var certDir = Path.Combine(_dir, "certs");
        Directory.CreateDirectory(certDir);
        File.Copy(pki.RootCert, Path.Combine(certDir, "ca.crt"));
        File.Copy(pki.ClientCert, Path.Combine(certDir, "client.cert"));
        File.Copy(pki.ClientKey, Path.Combine(certDir, "client.key"));
        var htpasswd = AuthKit.WriteHtpasswd(_dir, ("alice", "s3cret"));
        using var auth = RegistryAuth.Create(new RegistryAuthSettings { Mode = "htpasswd", HtpasswdFile = htpasswd, Tls = true });
        using var tls = RegistryTls.Load(pki.ServerCert, pki.ServerKey, pki.ClientCaCert);
        await using var r = RegistryFixture.Start(new RegistryServerOptions { ConnectionFilter = tls.Filter, AccessControl = auth.AccessControl! }, () => pki.Handler(pki.ClientCertificate));
        var layout = WriteLayout(_dir, "v1");
        var remote = $"docker://{r.EndPoint}/sk/basic:v1";

        await RunAsync("copy", "--dest-cert-dir", certDir, "--dest-creds", "alice:s3cret", $"oci:{layout}:v1", remote);
        using var inspect = JsonDocument.Parse(await RunAsync("inspect", "--cert-dir", certDir, "--creds", "alice:s3cret", remote));
        Assert.Equal(["v1"], inspect.RootElement.GetProperty("RepoTags").EnumerateArray().Select(e => e.GetString()!));

        var (code, _, stderr) = await TryRunAsync("inspect", "--cert-dir", certDir, "--creds", "alice:wrong", remote);
        Assert.NotEqual(0, code);
        Assert.Contains("unauthorized", stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task The_token_flow_with_dest_creds_and_anonymous_pull()
    {
        var htpasswd = AuthKit.WriteHtpasswd(_dir, ("alice", "s3cret"));
        using var auth = RegistryAuth.Create(new RegistryAuthSettings { Mode = "token", HtpasswdFile = htpasswd, AnonymousPull = true });
        await using var r = RegistryFixture.Start(new RegistryServerOptions { AccessControl = auth.AccessControl!, Endpoints = auth.Endpoints }, null);
        var layout = WriteLayout(_dir, "v1");
        var remote = $"docker://{r.EndPoint}/sk/token:v1";

        await RunAsync("copy", "--dest-tls-verify=false", "--dest-creds", "alice:s3cret", $"oci:{layout}:v1", remote);
        using (var inspect = JsonDocument.Parse(await RunAsync("inspect", "--tls-verify=false", "--creds", "alice:s3cret", remote)))
        {
            Assert.Equal("amd64", inspect.RootElement.GetProperty("Architecture").GetString());
        }
        // Anonymous pulls, as --anonymous-pull allows; an anonymous push is refused.
        using (var tags = JsonDocument.Parse(await RunAsync("list-tags", "--tls-verify=false", $"docker://{r.EndPoint}/sk/token")))
        {
            Assert.Equal(["v1"], tags.RootElement.GetProperty("Tags").EnumerateArray().Select(e => e.GetString()!));
        }
        var (code, _, stderr) = await TryRunAsync("copy", "--dest-tls-verify=false", $"oci:{layout}:v1", $"docker://{r.EndPoint}/sk/anon:v1");
        Assert.NotEqual(0, code);
        Assert.Contains("unauthorized", stderr, StringComparison.OrdinalIgnoreCase);
        (code, _, _) = await TryRunAsync("copy", "--dest-tls-verify=false", "--dest-creds", "alice:wrong", $"oci:{layout}:v1", $"docker://{r.EndPoint}/sk/anon:v1");
        Assert.NotEqual(0, code);
        Assert.False(Directory.Exists(Path.Combine(r.Root, "repositories", "sk", "anon")));
    }
}

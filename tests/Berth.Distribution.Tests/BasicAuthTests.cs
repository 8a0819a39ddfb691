using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Berth.Common;
using Berth.Distribution.Auth;
using Berth.Distribution.Server;
using static Berth.Distribution.Tests.AuthKit;

namespace Berth.Distribution.Tests;

/// <summary><c>--auth htpasswd</c>: Basic credentials from a bcrypt htpasswd file on every request.</summary>
public sealed class BasicAuthTests : IAsyncLifetime
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "berth-basic-" + Guid.NewGuid().ToString("N"));
    private RegistryFixture _r = null!;
    private RegistryAuth _auth = null!;
    private string _htpasswd = null!;

    public Task InitializeAsync()
    {
        _htpasswd = WriteHtpasswd(_dir, ("alice", "s3cret"), ("bob", "hunter2"));
        var access = Path.Combine(_dir, "access");
        File.WriteAllText(access, "# alice owns everything; bob pulls\nalice * *\nalice registry:catalog *\nbob team/* pull\n");
        _auth = RegistryAuth.Create(new RegistryAuthSettings { Mode = "htpasswd", HtpasswdFile = _htpasswd, AccessFile = access, Realm = "test realm" });
        _r = RegistryFixture.Start(new RegistryServerOptions { AccessControl = _auth.AccessControl! }, null);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _r.DisposeAsync();
        _auth.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string, string?, string?> Refused => new()
    {
        { "no credentials", null, null },
        { "wrong password", "alice", "S3cret" },
        { "unknown user", "mallory", "s3cret" },
        { "empty password", "alice", "" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task The_base_endpoint_needs_valid_credentials(string row, string? user, string? password)
    {
        using var r = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", user is null ? null : Basic(user, password!));
        Assert.True(HttpStatusCode.Unauthorized == r.StatusCode, row);
        var (scheme, ps) = Challenge(r);
        Assert.Equal("Basic", scheme);
        Assert.Equal("test realm", ps["realm"]);
        Assert.Equal("UNAUTHORIZED", await ErrorCodeAsync(r));
        Assert.Equal("registry/2.0", r.Headers.GetValues("Docker-Distribution-API-Version").Single());
    }

    [Fact]
    public async Task The_right_password_opens_push_and_pull()
    {
        var alice = Basic("alice", "s3cret");
        using (var ok = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", alice))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        _r.Client.DefaultRequestHeaders.Authorization = alice;
        var manifest = await _r.ImageManifestAsync("team/app", "a layer");
        using (var put = await _r.PutManifestAsync("team/app", "v1", manifest, OciManifest))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        _r.Client.DefaultRequestHeaders.Authorization = null;
        using var bob = await SendAsync(_r.Client, HttpMethod.Get, "/v2/team/app/manifests/v1", Basic("bob", "hunter2"));
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        Assert.Equal(manifest, await bob.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_authenticated_user_the_rules_do_not_allow_is_denied_with_403()
    {
        var bob = Basic("bob", "hunter2");
        using (var push = await SendAsync(_r.Client, HttpMethod.Post, "/v2/team/app/blobs/uploads/", bob))
        {
            Assert.Equal(HttpStatusCode.Forbidden, push.StatusCode);
            Assert.Equal("DENIED", await ErrorCodeAsync(push));
            Assert.Empty(push.Headers.WwwAuthenticate);
        }
        using (var other = await SendAsync(_r.Client, HttpMethod.Get, "/v2/elsewhere/tags/list", bob))
        {
            Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        }
        using (var catalog = await SendAsync(_r.Client, HttpMethod.Get, "/v2/_catalog", bob))
        {
            Assert.Equal(HttpStatusCode.Forbidden, catalog.StatusCode);
        }
        using var alice = await SendAsync(_r.Client, HttpMethod.Get, "/v2/_catalog", Basic("alice", "s3cret"));
        Assert.Equal(HttpStatusCode.OK, alice.StatusCode);
        Assert.Empty(_r.Sessions());
    }

    [Fact]
    public async Task An_oversized_or_malformed_authorization_header_is_refused_unread()
    {
        var huge = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + new string('x', 9000))));
        using (var r = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", huge))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }
        using (var r = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", new AuthenticationHeaderValue("Basic", "%%%not-base64")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }
        using (var r = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", new AuthenticationHeaderValue("Bearer", "abc")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }
        var good = Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:s3cret"));
        var (status, _) = await _r.RawAsync($"GET /v2/ HTTP/1.1\r\nAuthorization: Basic {good}\r\nAuthorization: Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:x"))}");
        Assert.Equal(401, status);
        (status, _) = await _r.RawAsync($"GET /v2/ HTTP/1.1\r\nAuthorization: Basic {good}");
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task The_file_is_read_again_when_it_changes_and_a_bad_version_keeps_the_old_users()
    {
        var carol = Basic("carol", "pw-carol");
        using (var before = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", carol))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, before.StatusCode);
        }
        File.WriteAllText(_htpasswd, BcryptLine("carol", "pw-carol") + "\n");
        File.SetLastWriteTimeUtc(_htpasswd, DateTime.UtcNow.AddSeconds(5));
        using (var after = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", carol))
        {
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
        using (var alice = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", Basic("alice", "s3cret")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, alice.StatusCode);
        }
        File.WriteAllText(_htpasswd, BcryptLine("dave", "pw", "-m") + "\n");
        File.SetLastWriteTimeUtc(_htpasswd, DateTime.UtcNow.AddSeconds(10));
        using var still = await SendAsync(_r.Client, HttpMethod.Get, "/v2/", carol);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    public static TheoryData<string, string> NotBcrypt => new()
    {
        { "MD5 (apr1)", "-m" },
        { "SHA-1", "-s" },
        { "crypt", "-d" },
        { "plain", "-p" },
    };

    [Theory]
    [MemberData(nameof(NotBcrypt))]
    public void A_file_with_another_hash_is_refused_at_load(string row, string flag)
    {
        var path = Path.Combine(_dir, "other-" + flag.TrimStart('-'));
        File.WriteAllText(path, BcryptLine("alice", "s3cret") + "\n" + BcryptLine("eve", "pw", flag) + "\n");
        var e = Assert.Throws<BerthException>(() => Htpasswd.Load(path));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(":2: user \"eve\": only bcrypt", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", e.Message.Replace(path, "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.True(row.Length > 0);
    }

    [Fact]
    public void Bcrypt_hashes_of_each_version_verify_and_compare_whole()
    {
        var path = Path.Combine(_dir, "versions");
        var y = BcryptLine("y", "pw");
        var b = "b:" + y[2..].Replace("$2y$", "$2b$", StringComparison.Ordinal);
        var a = "a:" + y[2..].Replace("$2y$", "$2a$", StringComparison.Ordinal);
        File.WriteAllText(path, $"{y}\n{b}\n{a}\n");
        var h = Htpasswd.Load(path);
        Assert.True(h.Verify("y", "pw"));
        Assert.True(h.Verify("b", "pw"));
        Assert.True(h.Verify("a", "pw"));
        Assert.False(h.Verify("y", "pw "));
        Assert.False(h.Verify("y", "p"));
        Assert.False(h.Verify("nobody", "pw"));
    }
}

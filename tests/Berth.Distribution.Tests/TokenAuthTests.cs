using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Berth.Distribution.Auth;
using Berth.Distribution.Server;
using static Berth.Distribution.Tests.AuthKit;

namespace Berth.Distribution.Tests;

/// <summary><c>--auth token</c>: the challenge, the registry's own token endpoint, bearer tokens and their
/// scopes, and tokens that must not pass.</summary>
public sealed class TokenAuthTests : IAsyncLifetime
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "berth-token-" + Guid.NewGuid().ToString("N"));
    private RegistryFixture _r = null!;
    private RegistryAuth _auth = null!;
    private string _keyFile = null!;

    public Task InitializeAsync()
    {
        var htpasswd = WriteHtpasswd(_dir, ("alice", "s3cret"), ("bob", "hunter2"));
        var access = Path.Combine(_dir, "access");
        File.WriteAllText(access, "alice * pull,push,delete\nalice registry:catalog *\nbob team/* pull\nanonymous public/* pull\n");
        _keyFile = Path.Combine(_dir, "token.key");
        using (var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            File.WriteAllText(_keyFile, ec.ExportPkcs8PrivateKeyPem());
        }
        _auth = RegistryAuth.Create(new RegistryAuthSettings { Mode = "token", HtpasswdFile = htpasswd, AccessFile = access, TokenKeyFile = _keyFile, Service = "test-registry" });
        _r = RegistryFixture.Start(new RegistryServerOptions { AccessControl = _auth.AccessControl!, Endpoints = _auth.Endpoints }, null);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _r.DisposeAsync();
        _auth.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<string> TokenAsync(AuthenticationHeaderValue? creds, params string[] scopes)
    {
        var query = "service=test-registry" + string.Concat(scopes.Select(s => "&scope=" + Uri.EscapeDataString(s)));
        using var r = await SendAsync(_r.Client, HttpMethod.Get, "/token?" + query, creds);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var token = doc.RootElement.GetProperty("token").GetString()!;
        Assert.Equal(token, doc.RootElement.GetProperty("access_token").GetString());
        Assert.Equal(300, doc.RootElement.GetProperty("expires_in").GetInt32());
        Assert.True(DateTimeOffset.UtcNow - doc.RootElement.GetProperty("issued_at").GetDateTimeOffset() < TimeSpan.FromMinutes(1));
        return token;
    }

    private static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    private static List<(string Type, string Name, string[] Actions)> Access(string token)
    {
        using var claims = Part(token, 1);
        return [.. claims.RootElement.GetProperty("access").EnumerateArray().Select(a => (a.GetProperty("type").GetString()!, a.GetProperty("name").GetString()!, a.GetProperty("actions").EnumerateArray().Select(x => x.GetString()!).ToArray()))];
    }

    [Fact]
    public async Task Challenge_then_token_then_retry_with_bearer_pushes_and_pulls()
    {
        using var probe = await _r.Client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.Unauthorized, probe.StatusCode);
        Assert.Equal("UNAUTHORIZED", await ErrorCodeAsync(probe));
        var (scheme, ps) = Challenge(probe);
        Assert.Equal("Bearer", scheme);
        Assert.Equal($"http://{_r.EndPoint}/token", ps["realm"]);
        Assert.Equal("test-registry", ps["service"]);
        Assert.False(ps.ContainsKey("scope"));

        using var upload = await _r.Client.PostAsync("/v2/team/app/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Unauthorized, upload.StatusCode);
        var (_, ups) = Challenge(upload);
        Assert.Equal("repository:team/app:pull,push", ups["scope"]);

        // What a client does: the realm, with the challenge's service and scope, and its credentials.
        using var tokenResponse = await SendAsync(_r.Client, HttpMethod.Get, $"{ups["realm"]}?service={ups["service"]}&scope={Uri.EscapeDataString(ups["scope"])}", Basic("alice", "s3cret"));
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        Assert.Equal("no-store", tokenResponse.Headers.CacheControl!.ToString());
        using var body = JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync());
        var token = body.RootElement.GetProperty("token").GetString()!;
        using (var header = Part(token, 0))
        {
            Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        }
        using (var claims = Part(token, 1))
        {
            Assert.Equal("alice", claims.RootElement.GetProperty("sub").GetString());
            Assert.Equal("test-registry", claims.RootElement.GetProperty("aud").GetString());
        }
        Assert.Equal([("repository", "team/app", new[] { "pull", "push" })], Access(token).Select(a => (a.Type, a.Name, a.Actions)).ToArray(), new AccessComparer());

        _r.Client.DefaultRequestHeaders.Authorization = Bearer(token);
        using (var root = await _r.Client.GetAsync("/v2/"))
        {
            Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        }
        var manifest = await _r.ImageManifestAsync("team/app", "layer");
        using (var put = await _r.PutManifestAsync("team/app", "v1", manifest, OciManifest))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using var get = await _r.Client.GetAsync("/v2/team/app/manifests/v1");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(manifest, await get.Content.ReadAsStringAsync());
    }

    private sealed class AccessComparer : IEqualityComparer<(string, string, string[])>
    {
        public bool Equals((string, string, string[]) x, (string, string, string[]) y) => x.Item1 == y.Item1 && x.Item2 == y.Item2 && x.Item3.SequenceEqual(y.Item3);

        public int GetHashCode((string, string, string[]) obj) => obj.Item2.GetHashCode(StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_token_endpoint_grants_only_what_the_user_holds()
    {
        var bob = await TokenAsync(Basic("bob", "hunter2"), "repository:team/app:pull,push,delete", "repository:private/x:pull", "registry:catalog:*");
        var access = Assert.Single(Access(bob));
        Assert.Equal(("repository", "team/app"), (access.Type, access.Name));
        Assert.Equal(["pull"], access.Actions);

        var anonymous = await TokenAsync(null, "repository:public/app:pull,push", "repository:team/app:pull");
        access = Assert.Single(Access(anonymous));
        Assert.Equal("public/app", access.Name);
        Assert.Equal(["pull"], access.Actions);

        var alice = await TokenAsync(Basic("alice", "s3cret"), "repository:team/app:pull", "registry:catalog:*", "repository:../etc:pull");
        Assert.Equal(2, Access(alice).Count);
    }

    public static TheoryData<string, string?, string?> BadCredentials => new()
    {
        { "wrong password", "alice", "wrong" },
        { "unknown user", "mallory", "s3cret" },
        { "not basic", null, "Bearer abc" },
    };

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task The_token_endpoint_refuses_bad_credentials_with_401(string row, string? user, string? secret)
    {
        var creds = user is not null ? Basic(user, secret!) : new AuthenticationHeaderValue(secret!.Split(' ')[0], secret.Split(' ')[1]);
        using var r = await SendAsync(_r.Client, HttpMethod.Get, "/token?service=test-registry&scope=repository:team/app:pull", creds);
        Assert.True(HttpStatusCode.Unauthorized == r.StatusCode, row);
        Assert.Equal("Basic", Challenge(r).Scheme);
        Assert.DoesNotContain("token", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pull_token_used_to_push_gets_insufficient_scope_and_a_user_who_may_not_push_gets_denied()
    {
        var pullOnly = await TokenAsync(Basic("alice", "s3cret"), "repository:team/app:pull");
        using (var r = await SendAsync(_r.Client, HttpMethod.Post, "/v2/team/app/blobs/uploads/", Bearer(pullOnly)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("UNAUTHORIZED", await ErrorCodeAsync(r));
            var (_, ps) = Challenge(r);
            Assert.Equal("insufficient_scope", ps["error"]);
            Assert.Equal("repository:team/app:pull,push", ps["scope"]);
        }
        using (var r = await SendAsync(_r.Client, HttpMethod.Get, "/v2/other/app/tags/list", Bearer(pullOnly)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("insufficient_scope", Challenge(r).Params["error"]);
        }
        // bob holds pull only: a push token cannot exist for him, so no challenge, 403.
        var bob = await TokenAsync(Basic("bob", "hunter2"), "repository:team/app:pull,push");
        using (var r = await SendAsync(_r.Client, HttpMethod.Post, "/v2/team/app/blobs/uploads/", Bearer(bob)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("DENIED", await ErrorCodeAsync(r));
        }
        // Anonymous could still log in: 401.
        var anonymous = await TokenAsync(null, "repository:public/app:pull,push");
        using (var r = await SendAsync(_r.Client, HttpMethod.Post, "/v2/public/app/blobs/uploads/", Bearer(anonymous)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("insufficient_scope", Challenge(r).Params["error"]);
        }
        Assert.Empty(_r.Sessions());
    }

    [Fact]
    public async Task The_catalog_needs_registry_catalog_star()
    {
        var repoOnly = await TokenAsync(Basic("alice", "s3cret"), "repository:team/app:pull");
        using (var r = await SendAsync(_r.Client, HttpMethod.Get, "/v2/_catalog", Bearer(repoOnly)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
            Assert.Equal("registry:catalog:*", Challenge(r).Params["scope"]);
        }
        var catalog = await TokenAsync(Basic("alice", "s3cret"), "registry:catalog:*");
        using var ok = await SendAsync(_r.Client, HttpMethod.Get, "/v2/_catalog", Bearer(catalog));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task A_mount_needs_pull_on_the_source_and_without_it_becomes_an_ordinary_upload()
    {
        var source = await TokenAsync(Basic("alice", "s3cret"), "repository:team/a:pull,push");
        _r.Client.DefaultRequestHeaders.Authorization = Bearer(source);
        var digest = await _r.PushBlobAsync("team/a", "mounted bytes"u8.ToArray());
        _r.Client.DefaultRequestHeaders.Authorization = null;

        var onlyTarget = await TokenAsync(Basic("alice", "s3cret"), "repository:team/b:pull,push");
        using (var r = await SendAsync(_r.Client, HttpMethod.Post, $"/v2/team/b/blobs/uploads/?mount={digest}&from=team/a", Bearer(onlyTarget)))
        {
            Assert.Equal(HttpStatusCode.Accepted, r.StatusCode);
        }
        using (var head = await SendAsync(_r.Client, HttpMethod.Head, $"/v2/team/b/blobs/{digest}", Bearer(onlyTarget)))
        {
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }
        var both = await TokenAsync(Basic("alice", "s3cret"), "repository:team/b:pull,push", "repository:team/a:pull");
        using (var r = await SendAsync(_r.Client, HttpMethod.Post, $"/v2/team/b/blobs/uploads/?mount={digest}&from=team/a", Bearer(both)))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        }
        // Without the target's push, the mount source changes nothing: the request is refused.
        using var refused = await SendAsync(_r.Client, HttpMethod.Post, $"/v2/team/c/blobs/uploads/?mount={digest}&from=team/a", Bearer(source));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("repository:team/c:pull,push repository:team/a:pull", Challenge(refused).Params["scope"]);
    }

    /// <summary>Tokens that must not pass, each made by hand or by another issuer.</summary>
    public static TheoryData<string> Forgeries => new()
    {
        "alg none",
        "alg none, no signature",
        "HS256 keyed with the public key",
        "RS256 header on an EC signature",
        "claims changed after signing",
        "signed by another key",
        "expired",
        "not yet valid",
        "another issuer",
        "another audience",
        "no exp",
        "garbage",
        "kid of another key",
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Forged_expired_and_foreign_tokens_are_invalid(string row)
    {
        var scope = new RegistryScope("repository", "team/app", ["pull", "push"]);
        using var ourKey = TokenKey.Load(_keyFile);
        string Mint(TokenKey key, string iss = "test-registry", string aud = "test-registry", DateTimeOffset? at = null) =>
            new RegistryTokens(key, iss, aud, new FixedTime(at ?? DateTimeOffset.UtcNow)).Issue("alice", [scope], out _);
        var good = Mint(ourKey);
        var parts = good.Split('.');
        var claims = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]));
        string token;
        switch (row)
        {
            case "alg none":
                token = B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".AAAA";
                break;
            case "alg none, no signature":
                token = B64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
                break;
            case "HS256 keyed with the public key":
                {
                    using var ec = ECDsa.Create();
                    ec.ImportFromPem(File.ReadAllText(_keyFile));
                    var input = B64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}") + "." + parts[1];
                    var mac = HMACSHA256.HashData(Encoding.ASCII.GetBytes(ec.ExportSubjectPublicKeyInfoPem()), Encoding.ASCII.GetBytes(input));
                    token = input + "." + System.Buffers.Text.Base64Url.EncodeToString(mac);
                    break;
                }
            case "RS256 header on an EC signature":
                token = B64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + parts[1] + "." + parts[2];
                break;
            case "claims changed after signing":
                token = parts[0] + "." + B64(claims.Replace("\"alice\"", "\"root\"", StringComparison.Ordinal).Replace("team/app", "team/evil", StringComparison.Ordinal)) + "." + parts[2];
                break;
            case "signed by another key":
                {
                    using var other = TokenKey.Generate();
                    token = Mint(other);
                    break;
                }
            case "expired":
                token = Mint(ourKey, at: DateTimeOffset.UtcNow.AddMinutes(-10));
                break;
            case "not yet valid":
                token = Mint(ourKey, at: DateTimeOffset.UtcNow.AddMinutes(10));
                break;
            case "another issuer":
                token = Mint(ourKey, iss: "someone-else");
                break;
            case "another audience":
                token = Mint(ourKey, aud: "other-registry");
                break;
            case "no exp":
                {
                    var noExp = System.Text.RegularExpressions.Regex.Replace(claims, "\"exp\":[0-9]+,", "");
                    var input = parts[0] + "." + B64(noExp);
                    using var ec = ECDsa.Create();
                    ec.ImportFromPem(File.ReadAllText(_keyFile));
                    token = input + "." + System.Buffers.Text.Base64Url.EncodeToString(ec.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
                    break;
                }
            case "kid of another key":
                {
                    var input = B64("{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"someone-elses\"}") + "." + parts[1];
                    using var ec = ECDsa.Create();
                    ec.ImportFromPem(File.ReadAllText(_keyFile));
                    token = input + "." + System.Buffers.Text.Base64Url.EncodeToString(ec.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
                    break;
                }
            default:
                token = "not.a.token!";
                break;
        }

        // The genuine token passes: each forgery differs from it in one way only.
        using (var ok = await SendAsync(_r.Client, HttpMethod.Get, "/v2/team/app/tags/list", Bearer(good)))
        {
            Assert.Equal(HttpStatusCode.NotFound, ok.StatusCode);
        }
        using var r = await SendAsync(_r.Client, HttpMethod.Get, "/v2/team/app/tags/list", Bearer(token));
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("invalid_token", Challenge(r).Params["error"]);
    }

    [Fact]
    public void An_rsa_token_key_signs_rs256()
    {
        var rsaKey = Path.Combine(_dir, "rsa.key");
        using (var rsa = RSA.Create(2048))
        {
            File.WriteAllText(rsaKey, rsa.ExportRSAPrivateKeyPem());
        }
        using var key = TokenKey.Load(rsaKey);
        Assert.Equal("RS256", key.Algorithm);
        var tokens = new RegistryTokens(key, "i", "s");
        var t = tokens.Issue("u", [], out _);
        Assert.True(tokens.Validate(t).Valid);
        var parts = t.Split('.');
        var hs = B64("{\"alg\":\"HS256\"}") + "." + parts[1];
        var mac = HMACSHA256.HashData(Encoding.ASCII.GetBytes(File.ReadAllText(rsaKey)), Encoding.ASCII.GetBytes(hs));
        Assert.False(tokens.Validate(hs + "." + System.Buffers.Text.Base64Url.EncodeToString(mac)).Valid);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

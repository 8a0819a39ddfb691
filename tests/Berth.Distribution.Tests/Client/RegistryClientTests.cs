using System.Net;
using System.Security.Cryptography;
using System.Text;
using Berth.Common;
using Berth.Distribution.Client;
using Berth.Oci;

namespace Berth.Distribution.Tests.Client;

/// <summary>The registry client against Berth's own registry, and against fakes that misbehave on purpose.</summary>
public sealed class RegistryClientTests
{
    private static readonly RegistryHosts Hosts = new();

    private static RegistryClient ClientOf(string host, string repository, RegistryCredentials? credentials = null) => new(Hosts, host, repository, credentials);

    [Fact]
    public async Task BlobsAndManifestsGoUpAndComeBackVerified()
    {
        await using var registry = RegistryFixture.Start();
        var client = ClientOf(registry.EndPoint.ToString(), "team/app");
        var layer = RandomNumberGenerator.GetBytes(300_000);

        var (digest, size) = await client.UploadBlobAsync(async (network, ct) =>
        {
            // Streamed in pieces, as a push compresses: the digest is known only at the end.
            for (var i = 0; i < layer.Length; i += 65536)
            {
                await network.WriteAsync(layer.AsMemory(i, Math.Min(65536, layer.Length - i)), ct);
            }
            return (Digest.Of(layer), layer.Length);
        }, CancellationToken.None);
        var config = Encoding.UTF8.GetBytes("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
        await client.UploadBlobAsync(config, CancellationToken.None);
        var manifest = Encoding.UTF8.GetBytes(RegistryFixture.Manifest(Digest.Of(config).Value, config.Length, digest.Value, size));
        var pushed = await client.PutManifestAsync("v1", manifest, MediaTypes.OciManifest, CancellationToken.None);

        Assert.Equal(size, await client.StatBlobAsync(digest, CancellationToken.None));
        Assert.Null(await client.StatBlobAsync(Digest.Of("absent"u8), CancellationToken.None));
        Assert.Equal(config, await client.ReadBlobAsync(Digest.Of(config), config.Length, 1 << 20, CancellationToken.None));
        var byTag = await client.GetManifestAsync("v1", CancellationToken.None);
        var byDigest = await client.GetManifestAsync(pushed.Value, CancellationToken.None);
        Assert.Equal((pushed, MediaTypes.OciManifest), (byTag.Digest, byTag.MediaType));
        Assert.Equal(manifest, byDigest.Bytes);
        Assert.Equal(["v1"], await client.ListTagsAsync(CancellationToken.None));
        Assert.Equal("http", client.Endpoint!.BaseAddress.Scheme);

        var other = ClientOf(registry.EndPoint.ToString(), "team/other");
        Assert.True(await other.MountBlobAsync(digest, "team/app", CancellationToken.None));
        Assert.Equal(size, await other.StatBlobAsync(digest, CancellationToken.None));
        Assert.False(await other.MountBlobAsync(Digest.Of("absent"u8), "team/app", CancellationToken.None));
    }

    [Fact]
    public async Task AnUnknownManifestIsNotFoundInTheRegistrysWords()
    {
        await using var registry = RegistryFixture.Start();

        var e = await Assert.ThrowsAsync<BerthException>(() => ClientOf(registry.EndPoint.ToString(), "team/app").GetManifestAsync("nope", CancellationToken.None));

        Assert.Equal((ErrorKind.NotFound, "manifest unknown: manifest unknown"), (e.Kind, e.Message));
    }

    [Fact]
    public async Task ARegistryThatIsNotThereIsUnavailable()
    {
        using var gone = new FakeRegistry((_, r, _) => FakeRegistry.Reply(r, 200));
        var host = gone.Host;
        gone.Dispose();

        var e = await Assert.ThrowsAsync<BerthException>(() => ClientOf(host, "x").GetManifestAsync("v1", CancellationToken.None));

        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        Assert.StartsWith($"Get \"http://{host}/v2/\": ", e.Message);
    }

    [Fact]
    public async Task TheTokenFlowSendsTheCredentialsToTheRealmAndTheTokenToTheRegistry()
    {
        const string Token = "tok-123";
        using var tokens = new FakeRegistry(async (req, res, _) =>
        {
            var basic = "Basic " + Convert.ToBase64String("alice:s3cret"u8.ToArray());
            if (req.Headers["Authorization"] != basic)
            {
                await FakeRegistry.Reply(res, 401, """{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}""");
                return;
            }
            await FakeRegistry.Reply(res, 200, $$"""{"token":"{{Token}}","expires_in":300}""");
        });
        using var registry = new FakeRegistry(async (req, res, self) =>
        {
            if (req.Headers["Authorization"] != "Bearer " + Token)
            {
                res.AddHeader("WWW-Authenticate", $"Bearer realm=\"http://{tokens.Host}/token\",service=\"fake\"");
                await FakeRegistry.Reply(res, 401, """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""");
                return;
            }
            await FakeRegistry.Reply(res, 200, "[]");
        });

        var good = ClientOf(registry.Host, "", new RegistryCredentials("alice", "s3cret"));
        await good.LoginAsync(CancellationToken.None);
        var bad = ClientOf(registry.Host, "", new RegistryCredentials("alice", "wrong"));
        var e = await Assert.ThrowsAsync<BerthException>(() => bad.LoginAsync(CancellationToken.None));

        Assert.Equal(ErrorKind.Unauthorized, e.Kind);
        Assert.Contains(tokens.Seen, s => s.Path.StartsWith("/token?service=fake", StringComparison.Ordinal) && s.Authorization!.StartsWith("Basic ", StringComparison.Ordinal));
        // The registry itself only ever sees the token, never the password.
        Assert.DoesNotContain(registry.Seen, s => s.Authorization?.StartsWith("Basic", StringComparison.Ordinal) == true);
        Assert.Contains(registry.Seen, s => s.Authorization == "Bearer " + Token);
    }

    [Fact]
    public async Task ARedirectToAnotherHostDoesNotCarryTheCredentials()
    {
        var blob = "layer bytes"u8.ToArray();
        using var storage = new FakeRegistry((_, res, _) => FakeRegistry.Reply(res, 200, Encoding.UTF8.GetString(blob), "application/octet-stream"));
        using var registry = new FakeRegistry(async (req, res, _) =>
        {
            if (req.Headers["Authorization"] is null)
            {
                res.AddHeader("WWW-Authenticate", "Basic realm=\"fake\"");
                await FakeRegistry.Reply(res, 401);
                return;
            }
            if (req.Url!.AbsolutePath.Contains("/blobs/", StringComparison.Ordinal))
            {
                await FakeRegistry.Reply(res, 307, headers: ("Location", $"http://{storage.Host}/bucket/object?sig=1"));
                return;
            }
            await FakeRegistry.Reply(res, 200, "{}");
        });
        var client = ClientOf(registry.Host, "x/y", new RegistryCredentials("bob", "pw"));

        var read = await client.ReadBlobAsync(Digest.Of(blob), blob.Length, 1024, CancellationToken.None);

        Assert.Equal(blob, read);
        Assert.Contains(registry.Seen, s => s.Path.Contains("/blobs/", StringComparison.Ordinal) && s.Authorization is not null);
        var fetched = Assert.Single(storage.Seen);
        Assert.Equal("/bucket/object?sig=1", fetched.Path);
        Assert.Null(fetched.Authorization);
    }

    [Fact]
    public async Task AManifestWhoseContentIsNotTheDigestAskedIsRefused()
    {
        var manifest = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:aa","size":1},"layers":[]}""";
        using var registry = new FakeRegistry((req, res, _) => req.Url!.AbsolutePath == "/v2/" ? FakeRegistry.Reply(res, 200, "{}")
            : FakeRegistry.Reply(res, 200, manifest, MediaTypes.OciManifest));
        var asked = Digest.Of("something else"u8);

        var e = await Assert.ThrowsAsync<BerthException>(() => ClientOf(registry.Host, "x").GetManifestAsync(asked.Value, CancellationToken.None));

        Assert.Contains($"manifest verification failed for digest {asked}", e.Message);
    }

    [Fact]
    public async Task ADockerContentDigestThatLiesIsRefused()
    {
        var manifest = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:aa","size":1},"layers":[]}""";
        using var registry = new FakeRegistry((req, res, _) => req.Url!.AbsolutePath == "/v2/" ? FakeRegistry.Reply(res, 200, "{}")
            : FakeRegistry.Reply(res, 200, manifest, MediaTypes.OciManifest, ("Docker-Content-Digest", Digest.Of("other"u8).Value)));

        var e = await Assert.ThrowsAsync<BerthException>(() => ClientOf(registry.Host, "x").GetManifestAsync("v1", CancellationToken.None));

        Assert.Contains("the registry says its digest is", e.Message);
    }

    [Fact]
    public async Task AnOversizedManifestIsRefusedBeforeItIsRead()
    {
        var huge = "{\"pad\":\"" + new string('x', RegistryClient.MaxManifestBytes) + "\"}";
        using var registry = new FakeRegistry((req, res, _) => req.Url!.AbsolutePath == "/v2/" ? FakeRegistry.Reply(res, 200, "{}")
            : FakeRegistry.Reply(res, 200, huge, MediaTypes.OciManifest));

        var e = await Assert.ThrowsAsync<BerthException>(() => ClientOf(registry.Host, "x").GetManifestAsync("v1", CancellationToken.None));

        Assert.Contains("more than the 4194304 allowed", e.Message);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("this is longer than the descriptor says")]
    [InlineData("right size, wrong bytes!")]
    public async Task ABlobOfTheWrongSizeOrContentIsRefused(string served)
    {
        var expected = "right size, right bytes!"u8.ToArray();
        using var registry = new FakeRegistry((req, res, _) => req.Url!.AbsolutePath == "/v2/" ? FakeRegistry.Reply(res, 200, "{}")
            : FakeRegistry.Reply(res, 200, served, "application/octet-stream"));

        var e = await Assert.ThrowsAsync<BerthException>(() => ClientOf(registry.Host, "x").ReadBlobAsync(Digest.Of(expected), expected.Length, 1024, CancellationToken.None));

        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
    }

    [Fact]
    public async Task AMirrorThatFailsIsSkipped()
    {
        await using var upstream = RegistryFixture.Start();
        var config = "{}"u8.ToArray();
        await upstream.PushBlobAsync("library/app", config);
        var manifest = RegistryFixture.Manifest(Digest.Of(config).Value, config.Length, Digest.Of(config).Value, config.Length);
        Assert.Equal(HttpStatusCode.Created, (await upstream.PutManifestAsync("library/app", "v1", manifest, MediaTypes.OciManifest)).StatusCode);
        using var broken = new FakeRegistry((req, res, _) => req.Url!.AbsolutePath == "/v2/" ? FakeRegistry.Reply(res, 200, "{}") : FakeRegistry.Reply(res, 500, "{}"));
        // Docker Hub's name, served by two mirrors: the broken one first.
        var hosts = new RegistryHosts(mirrors: [$"http://{broken.Host}", $"http://{upstream.EndPoint}"]);

        var got = await new RegistryClient(hosts, "docker.io", "library/app", null).GetManifestAsync("v1", CancellationToken.None);

        Assert.Equal(Digest.Of(Encoding.UTF8.GetBytes(manifest)), got.Digest);
        Assert.Contains(broken.Seen, s => s.Path == "/v2/library/app/manifests/v1");
    }
}

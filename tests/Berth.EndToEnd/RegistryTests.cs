using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.EndToEnd.Infrastructure;
using Berth.EndToEnd.Infrastructure.Skipping;

namespace Berth.EndToEnd;

/// <summary>
/// pull, push, login and logout through berthd against Berth's own registry (<c>berth registry serve</c> on
/// 127.0.0.1), with the real docker CLI and with berth, and images crossing over with skopeo.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class RegistryTests(BerthEngine engine, LocalRegistry registry) : IClassFixture<LocalRegistry>
{
    /// <summary>An image no other test has: busybox and one layer of its own (a container's change, committed: a file
    /// added, and one of busybox's deleted, so the layer carries a whiteout).</summary>
    private string Commit(string client, string name, string content)
    {
        engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", $"echo {content} > /made-here && rm /etc/group").Ok();
        var image = $"{registry.Address}/e2e/{name}:v1";
        engine.Cli(client, "commit", name, image).Ok();
        engine.Cli(client, "rm", name).Ok();
        return image;
    }

    private static string BlobPath(string layout, string digest) => Path.Join(layout, "blobs", "sha256", digest["sha256:".Length..]);

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void APushedImageIsPulledBackLayerByLayerAndRuns(string client)
    {
        var image = Commit(client, $"roundtrip-{client}", $"made-by-{client}");
        var id = engine.Inspect(image, "{{.Id}}");

        var push = engine.CliSlow(client, "push", image).Ok();

        Assert.Contains($"The push refers to repository [{image[..image.LastIndexOf(':')]}]", push);
        var digest = Assert.Single(push.Split('\n'), l => l.StartsWith("v1: digest: sha256:", StringComparison.Ordinal)).Split(' ')[2];
        // The committed layer is new to the registry; busybox's may be there already from another test.
        Assert.Contains(": Pushed", push);
        Assert.Equal($"{image[..image.LastIndexOf(':')]}@{digest}", engine.Inspect(image, "{{index .RepoDigests 0}}"));

        // compat(docker): untagging the repository's last tag takes its digest reference too.
        var rmi = engine.Cli(client, "rmi", image).Ok();
        Assert.Contains($"Untagged: {image[..image.LastIndexOf(':')]}@{digest}", rmi);
        var pull = engine.CliSlow(client, "pull", image).Ok();

        Assert.Contains("v1: Pulling from e2e/roundtrip-" + client, pull);
        Assert.Contains(": Already exists", pull); // busybox's layer
        Assert.Contains(": Pull complete", pull); // the committed one
        Assert.Contains("Digest: " + digest, pull);
        Assert.Contains("Status: Downloaded newer image for " + image, pull);
        Assert.EndsWith(image, pull);
        Assert.Equal(id, engine.Inspect(image, "{{.Id}}"));
        Assert.Equal($"made-by-{client}", engine.Cli(client, "run", "--rm", image, "cat", "/made-here").Ok());
        // The whiteout came through: the file busybox has is gone in the pulled image.
        Assert.Equal("gone", engine.Cli(client, "run", "--rm", image, "sh", "-c", "test -e /etc/group || echo gone").Ok());

        var again = engine.Cli(client, "pull", image).Ok();
        Assert.Contains("Status: Image is up to date for " + image, again);
        Assert.DoesNotContain("Pull complete", again);
        var pushAgain = engine.Cli(client, "push", image).Ok();
        Assert.DoesNotContain(": Pushed", pushAgain);
        Assert.Contains(": Layer already exists", pushAgain);
        engine.Cli(client, "rmi", image).Ok();
        Assert.Empty(Directory.GetFiles(Path.Join(engine.Daemon.DataRoot, "tmp"), "pull-*"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RunPullsAnImageItDoesNotHave(string client)
    {
        var image = Commit(client, $"autopull-{client}", "pulled-by-run");
        engine.Cli(client, "push", image).Ok();
        engine.Cli(client, "rmi", image).Ok();

        var run = engine.CliSlow(client, "run", "--rm", image, "cat", "/made-here");

        Assert.Equal("pulled-by-run", run.Ok());
        Assert.Contains($"Unable to find image '{image}' locally", run.Stderr);
        Assert.Contains("Status: Downloaded newer image for " + image, run.Stderr);
        engine.Cli(client, "rmi", image).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ALayerOfAnotherRepositoryIsMountedNotSent(string client)
    {
        var image = Commit(client, $"mount-src-{client}", "mounted");
        engine.Cli(client, "push", image).Ok();
        var other = $"{registry.Address}/e2e/mount-dst-{client}:v1";
        engine.Cli(client, "tag", image, other).Ok();

        var push = engine.Cli(client, "push", other).Ok();

        Assert.Contains($": Mounted from e2e/mount-src-{client}", push);
        Assert.DoesNotContain(": Pushed", push);
        engine.Cli(client, "rmi", image, other).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PullByDigestRecordsTheDigestWithoutATag(string client)
    {
        var image = Commit(client, $"bydigest-{client}", "by-digest");
        var push = engine.Cli(client, "push", image).Ok();
        var digest = push.Split('\n').Single(l => l.StartsWith("v1: digest: ", StringComparison.Ordinal)).Split(' ')[2];
        engine.Cli(client, "rmi", image).Ok();
        var byDigest = $"{image[..image.LastIndexOf(':')]}@{digest}";

        var pull = engine.CliSlow(client, "pull", byDigest).Ok();

        Assert.Contains($"{digest}: Pulling from e2e/bydigest-{client}", pull);
        Assert.Equal("by-digest", engine.Cli(client, "run", "--rm", byDigest, "cat", "/made-here").Ok());
        Assert.Equal(byDigest, engine.Inspect(byDigest, "{{index .RepoDigests 0}}"));
        Assert.Equal("[]", engine.Inspect(byDigest, "{{.RepoTags}}"));
        engine.Cli(client, "rmi", byDigest).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PullOfAnUnknownTagFailsWithTheRegistrysError(string client)
    {
        var image = $"{registry.Address}/e2e/nothing-here:v1";

        var pull = engine.Cli(client, "pull", image).ExpectExit(1);

        Assert.Equal($"Error response from daemon: manifest for {image} not found: manifest unknown: manifest unknown", pull.Stderr.Trim());
        var run = engine.Cli(client, "run", "--rm", image).ExpectExit(125);
        Assert.Contains($"manifest for {image} not found", run.Stderr);
        Assert.Empty(Directory.GetFiles(Path.Join(engine.Daemon.DataRoot, "tmp"), "pull-*"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PushOfAnImageThatIsNotThereFails(string client)
    {
        var push = engine.Cli(client, "push", $"{registry.Address}/e2e/never-made:v1").ExpectExit(1);

        Assert.Contains($"An image does not exist locally with the tag: {registry.Address}/e2e/never-made", push.Stderr);
    }

    [Fact]
    public async Task PushOfOnePlatformIsRefusedNotIgnored()
    {
        var push = engine.Cli("berth", "push", "--platform", "linux/amd64", $"{registry.Address}/e2e/one-platform:v1").ExpectExit(1);

        Assert.Contains("--platform) is not supported", push.Stderr);
        var api = await engine.Api.SendAsync(HttpMethod.Post, $"/images/{registry.Address}/e2e/one-platform/push?tag=v1&platform=%7B%7D");
        Assert.Equal(400, api.Status);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void LoginFilesTheCredentialsAndLogoutForgetsThem(string client)
    {
        var login = engine.Cli(client, "login", "-u", "someone", "-p", "secret", registry.Address);

        Assert.Equal("Login Succeeded", login.Ok().Split('\n')[^1]);
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Join(engine.DockerConfig, "config.json"))))
        {
            var auth = config.RootElement.GetProperty("auths").GetProperty(registry.Address).GetProperty("auth").GetString();
            Assert.Equal("someone:secret", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(auth!)));
        }

        Assert.Equal($"Removing login credentials for {registry.Address}", engine.Cli(client, "logout", registry.Address).Ok());
        using (var config = JsonDocument.Parse(File.ReadAllText(Path.Join(engine.DockerConfig, "config.json"))))
        {
            Assert.False(config.RootElement.TryGetProperty("auths", out var auths) && auths.TryGetProperty(registry.Address, out _));
        }
    }

    [Fact]
    public void AnImagePushedByBerthIsReadBySkopeoAndOneSkopeoPushedIsPulledByBerth()
    {
        var image = Commit("docker", "skopeo-interop", "crossed-over");
        engine.Docker("push", image).Ok();
        var id = engine.Inspect(image, "{{.Id}}");

        var inspect = ProcessRunner.Run("skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://" + image]).Ok();
        using var pushed = JsonDocument.Parse(inspect);
        Assert.Equal(id, pushed.RootElement.GetProperty("config").GetProperty("digest").GetString());
        var pushedLayers = pushed.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()).ToList();
        Assert.Equal(2, pushedLayers.Count);

        // skopeo copies the image out to an OCI layout, reading every blob and checking it against its digest. It
        // rewrites the config (Docker's becomes OCI's), so the layers and the diffIDs are what must come through.
        var layout = engine.Scratch("skopeo-oci");
        ProcessRunner.Run("skopeo", ["copy", "--src-tls-verify=false", "docker://" + image, "oci:" + layout + ":v1"], timeout: TimeSpan.FromMinutes(2)).Ok();
        using (var index = JsonDocument.Parse(File.ReadAllText(Path.Join(layout, "index.json"))))
        {
            var manifestDigest = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray()).GetProperty("digest").GetString()!;
            using var manifest = JsonDocument.Parse(File.ReadAllText(BlobPath(layout, manifestDigest)));
            var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().ToList();
            Assert.Equal(pushedLayers, layers.Select(l => l.GetProperty("digest").GetString()));
            foreach (var layer in layers)
            {
                var digest = layer.GetProperty("digest").GetString()!;
                using var blob = File.OpenRead(BlobPath(layout, digest));
                Assert.Equal(layer.GetProperty("size").GetInt64(), blob.Length);
                Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(blob)));
            }
            using var config = JsonDocument.Parse(File.ReadAllText(BlobPath(layout, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!)));
            Assert.Equal(engine.Inspect(image, "{{json .RootFS.Layers}}"), config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").GetRawText());
            // The committed layer's file is in the copy.
            Assert.Contains("made-here", ProcessRunner.Run("tar", ["-tzf", BlobPath(layout, layers[^1].GetProperty("digest").GetString()!)]).Ok());
        }

        // skopeo takes Berth's `docker save` archive (an OCI layout) to the registry, gzip-compressing the layers.
        var archive = engine.Scratch("skopeo.tar");
        engine.Docker("save", "-o", archive, image).Ok();
        var copied = $"{registry.Address}/e2e/from-skopeo:v1";
        ProcessRunner.Run("skopeo", ["copy", "--dest-tls-verify=false", "--dest-compress", "docker-archive:" + archive, "docker://" + copied], timeout: TimeSpan.FromMinutes(2)).Ok();
        engine.Docker("rmi", image).Ok();

        engine.CliSlow("berth", "pull", copied).Ok();

        Assert.Equal(id, engine.Inspect(copied, "{{.Id}}"));
        Assert.Equal("crossed-over", engine.Docker("run", "--rm", copied, "cat", "/made-here").Ok());
        engine.Docker("rmi", copied).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ABuildPullsABaseImageItDoesNotHave(string client)
    {
        var image = Commit(client, $"build-base-{client}", "from-the-registry");
        engine.Cli(client, "push", image).Ok();
        engine.Cli(client, "rmi", image).Ok();
        var context = engine.Scratch("pull-base");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Join(context, "Dockerfile"), $"FROM {image}\nRUN cat /made-here > /copied\n");
        var tag = $"built-on-pulled-{client}:1";

        var build = engine.CliSlow(client, "build", "-t", tag, context).Ok();

        Assert.Contains($"v1: Pulling from e2e/build-base-{client}", build);
        Assert.Contains("Status: Downloaded newer image for " + image, build);
        Assert.Equal("from-the-registry", engine.Cli(client, "run", "--rm", tag, "cat", "/copied").Ok());
        engine.Cli(client, "rmi", tag, image).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnInterruptedPullKeepsTheLayersItGotAndTheNextPullGoesOnFromThere(string client)
    {
        // busybox, then two layers of this test's own.
        var lower = Commit(client, $"resume-lower-{client}", "lower");
        engine.Cli(client, "run", "--name", $"resume-upper-{client}", lower, "sh", "-c", "echo upper > /upper").Ok();
        var image = $"{registry.Address}/e2e/resume-{client}:v1";
        engine.Cli(client, "commit", $"resume-upper-{client}", image).Ok();
        engine.Cli(client, "rm", $"resume-upper-{client}").Ok();
        engine.Cli(client, "push", image).Ok();
        var raw = ProcessRunner.Run("skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://" + image]).Ok();
        List<string> layers;
        using (var manifest = JsonDocument.Parse(raw))
        {
            layers = manifest.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()![7..]).ToList();
        }
        engine.Cli(client, "rmi", image, lower).Ok();
        // The registry loses the top layer's blob for a while: the pull fails there.
        var blob = Path.Join(registry.Root, "blobs", "sha256", layers[^1][..2], layers[^1]);
        File.Move(blob, blob + ".away");

        var failed = engine.CliSlow(client, "pull", image).ExpectExit(1);
        Assert.Contains("blob unknown", failed.Stderr + failed.Stdout);
        Assert.NotEqual(0, engine.Docker("image", "inspect", image).ExitCode);
        Assert.Empty(Directory.GetFiles(Path.Join(engine.Daemon.DataRoot, "tmp"), "pull-*"));

        File.Move(blob + ".away", blob);
        var pull = engine.CliSlow(client, "pull", image).Ok();

        Assert.Contains($"{layers[^2][..12]}: Already exists", pull);
        Assert.Contains($"{layers[^1][..12]}: Pull complete", pull);
        Assert.Equal("upper", engine.Cli(client, "run", "--rm", image, "cat", "/upper").Ok());
        engine.Cli(client, "rmi", image).Ok();
    }

    [SkippableTheory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void APulledImageSavedByBerthRunsOnTheRealDocker(string client)
    {
        var peer = PeerDocker.Start();
        var image = Commit(client, $"pulled-to-peer-{client}", "pulled-then-saved");
        engine.Cli(client, "push", image).Ok();
        engine.Cli(client, "rmi", image).Ok();
        engine.CliSlow(client, "pull", image).Ok();
        var archive = engine.Scratch("pulled.tar");
        engine.CliSlow(client, "save", "-o", archive, image).Ok();
        try
        {
            Assert.Equal($"Loaded image: {image}", PeerDocker.Docker(peer, "load", "-i", archive).Ok());
            Assert.Equal(engine.Inspect(image, "{{.Id}}"), PeerDocker.Docker(peer, "inspect", "-f", "{{.Id}}", image).Ok());
            Assert.Equal("pulled-then-saved", PeerDocker.Docker(peer, "run", "--rm", image, "cat", "/made-here").Ok());
        }
        finally
        {
            PeerDocker.Docker(peer, "rmi", image);
            engine.Docker("rmi", image);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public async Task AMultiPlatformIndexGivesTheHostsPlatformOrTheOneAskedFor(string client)
    {
        var image = Commit(client, $"multiarch-{client}", "amd64-or-not");
        engine.Cli(client, "push", image).Ok();
        var repository = $"e2e/multiarch-{client}";
        using var http = new HttpClient { BaseAddress = new Uri($"http://{registry.Address}") };
        const string Docker = "application/vnd.docker.distribution.manifest.v2+json";
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{repository}/manifests/v1");
        request.Headers.Accept.ParseAdd(Docker);
        var amd64Manifest = await (await http.SendAsync(request)).Content.ReadAsByteArrayAsync();
        // An arm64 variant: the same layers under a config that says arm64.
        var manifest = JsonNode.Parse(amd64Manifest)!;
        var config = JsonNode.Parse(await http.GetByteArrayAsync($"/v2/{repository}/blobs/{manifest["config"]!["digest"]}"))!;
        config["architecture"] = "arm64";
        var armConfig = Encoding.UTF8.GetBytes(config.ToJsonString());
        (await http.PostAsync($"/v2/{repository}/blobs/uploads/?digest={Sha256(armConfig)}", new ByteArrayContent(armConfig))).EnsureSuccessStatusCode();
        manifest["config"]!["digest"] = Sha256(armConfig);
        manifest["config"]!["size"] = armConfig.Length;
        var armManifest = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        await Put(http, $"/v2/{repository}/manifests/arm64", armManifest, Docker);
        var index = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.index.v1+json",
            ["manifests"] = new JsonArray(
                new JsonObject { ["mediaType"] = Docker, ["digest"] = Sha256(armManifest), ["size"] = armManifest.Length, ["platform"] = new JsonObject { ["architecture"] = "arm64", ["os"] = "linux" } },
                new JsonObject { ["mediaType"] = Docker, ["digest"] = Sha256(amd64Manifest), ["size"] = amd64Manifest.Length, ["platform"] = new JsonObject { ["architecture"] = "amd64", ["os"] = "linux" } }),
        }.ToJsonString());
        await Put(http, $"/v2/{repository}/manifests/multi", index, "application/vnd.oci.image.index.v1+json");
        var multi = $"{registry.Address}/{repository}:multi";

        engine.CliSlow(client, "pull", multi).Ok();
        Assert.Equal("amd64", engine.Inspect(multi, "{{.Architecture}}"));
        Assert.Equal("amd64-or-not", engine.Cli(client, "run", "--rm", multi, "cat", "/made-here").Ok());
        Assert.Contains("Digest: " + Sha256(index), engine.CliSlow(client, "pull", "--platform", "linux/arm64", multi).Ok());
        Assert.Equal("arm64", engine.Inspect(multi, "{{.Architecture}}"));
        var none = engine.Cli(client, "pull", "--platform", "linux/s390x", multi).ExpectExit(1);
        Assert.Contains("no matching manifest for linux/s390x in the manifest list entries", none.Stderr);
        engine.Cli(client, "rmi", multi, image).Ok();
    }

    private static string Sha256(byte[] content) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content));

    private static async Task Put(HttpClient http, string path, byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(mediaType);
        (await http.PutAsync(path, content)).EnsureSuccessStatusCode();
    }
}

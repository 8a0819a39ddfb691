using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Berth.Distribution.Server;

namespace Berth.Distribution.Tests;

/// <summary>Untrusted input: each is refused with the spec's error code, and nothing partial becomes visible in
/// the storage tree.</summary>
public sealed class HostileInputTests : IAsyncLifetime
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private RegistryFixture _r = null!;

    public Task InitializeAsync()
    {
        _r = RegistryFixture.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _r.DisposeAsync();

    private HttpClient Http => _r.Client;

    private static async Task AssertErrorAsync(HttpResponseMessage r, HttpStatusCode status, string code)
    {
        Assert.Equal(status, r.StatusCode);
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        Assert.Equal(code, doc.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_monolithic_blob_whose_digest_does_not_match_is_refused_and_leaves_nothing()
    {
        var claimed = RegistryFixture.DigestOf("the bytes we claim"u8.ToArray());
        using var r = await Http.PostAsync($"/v2/h/app/blobs/uploads/?digest={claimed}", new ByteArrayContent("other bytes"u8.ToArray()));
        await AssertErrorAsync(r, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        Assert.Empty(_r.BlobFiles());
        Assert.Empty(_r.StrayUploadFiles());
        using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/h/app/blobs/{claimed}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task A_session_closed_with_the_wrong_digest_is_refused_and_ended()
    {
        using var post = await Http.PostAsync("/v2/h/app/blobs/uploads/", null);
        var location = post.Headers.Location!;
        using (await Http.PatchAsync(location, new ByteArrayContent("abc"u8.ToArray())))
        {
        }
        using (var put = await Http.PutAsync($"{location}?digest={RegistryFixture.DigestOf("abd"u8.ToArray())}", null))
        {
            await AssertErrorAsync(put, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        }
        Assert.Empty(_r.BlobFiles());
        Assert.Empty(_r.Sessions());
        Assert.Empty(_r.StrayUploadFiles());
        using var status = await Http.GetAsync(location);
        await AssertErrorAsync(status, HttpStatusCode.NotFound, "BLOB_UPLOAD_UNKNOWN");
    }

    [Fact]
    public async Task A_chunk_whose_content_range_and_length_disagree_is_refused_and_not_counted()
    {
        using var post = await Http.PostAsync("/v2/h/app/blobs/uploads/", null);
        var body = new ByteArrayContent("12345"u8.ToArray());
        body.Headers.TryAddWithoutValidation("Content-Range", "0-9");
        using (var patch = await Http.PatchAsync(post.Headers.Location!, body))
        {
            await AssertErrorAsync(patch, HttpStatusCode.RequestedRangeNotSatisfiable, "BLOB_UPLOAD_INVALID");
        }
        using var status = await Http.GetAsync(post.Headers.Location!);
        Assert.Equal("0-0", status.Headers.GetValues("Range").Single());
    }

    public static TheoryData<string, string, string, string> BadManifests => new()
    {
        // CVE-2021-41190: the body says one type, Content-Type another.
        { "mediaType disagrees with Content-Type", OciIndex, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":CONFIG,"layers":[]}""", "MANIFEST_INVALID" },
        // CVE-2021-41190: a manifest carrying an index's manifests list (or the other way round) could be read as either.
        { "a manifest with a manifests list", OciManifest, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":CONFIG,"layers":[],"manifests":[]}""", "MANIFEST_INVALID" },
        { "an index with layers", OciIndex, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"layers":[]}""", "MANIFEST_INVALID" },
        { "an unknown media type", "application/x-whatever", """{"schemaVersion":2,"config":CONFIG,"layers":[]}""", "MANIFEST_INVALID" },
        { "schema 1", OciManifest, """{"schemaVersion":1,"name":"h/app","tag":"x","fsLayers":[]}""", "MANIFEST_INVALID" },
        { "not JSON", OciManifest, "{\"schemaVersion\":2,", "MANIFEST_INVALID" },
        { "a missing blob", OciManifest, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":CONFIG,"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","size":1}]}""", "MANIFEST_BLOB_UNKNOWN" },
        { "an index with a missing manifest", OciIndex, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","size":10}]}""", "MANIFEST_BLOB_UNKNOWN" },
        { "a descriptor with a bad digest", OciManifest, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"x","digest":"sha256:../../etc","size":1},"layers":[]}""", "MANIFEST_INVALID" },
        { "a size that lies", OciManifest, """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":LYINGCONFIG,"layers":[]}""", "SIZE_INVALID" },
    };

    [Theory]
    [MemberData(nameof(BadManifests))]
    public async Task A_bad_manifest_is_refused_and_leaves_nothing(string why, string contentType, string template, string code)
    {
        var config = "{}"u8.ToArray();
        var cd = await _r.PushBlobAsync("h/app", config);
        var body = template.Replace("LYINGCONFIG", $"{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{cd}\",\"size\":999}}", StringComparison.Ordinal)
            .Replace("CONFIG", $"{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{cd}\",\"size\":2}}", StringComparison.Ordinal);
        var before = _r.BlobFiles();
        using var r = await _r.PutManifestAsync("h/app", "bad", body, contentType);
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, why);
        await AssertErrorAsync(r, HttpStatusCode.BadRequest, code);
        Assert.Equal(before, _r.BlobFiles());
        Assert.Empty(_r.StrayUploadFiles());
        Assert.False(Directory.Exists(Path.Combine(_r.Root, "repositories", "h", "app", "_manifests")), why);
        Assert.False(Directory.Exists(Path.Combine(_r.Root, "repositories", "h", "app", "_tags")), why);
    }

    [Fact]
    public async Task A_manifest_put_under_a_digest_it_does_not_have_is_refused()
    {
        var manifest = await _r.ImageManifestAsync("h/app", "layer");
        using var r = await _r.PutManifestAsync("h/app", RegistryFixture.DigestOf("something else"u8.ToArray()), manifest, OciManifest);
        await AssertErrorAsync(r, HttpStatusCode.BadRequest, "DIGEST_INVALID");
        Assert.False(Directory.Exists(Path.Combine(_r.Root, "repositories", "h", "app", "_manifests")));
    }

    [Fact]
    public async Task A_huge_page_size_is_capped_not_allocated()
    {
        var manifest = await _r.ImageManifestAsync("h/app", "layer");
        using (await _r.PutManifestAsync("h/app", "latest", manifest, OciManifest))
        {
        }
        foreach (var path in new[] { "/v2/h/app/tags/list?n=999999999", "/v2/_catalog?n=999999999", "/v2/_catalog?n=99999999999999999" })
        {
            using var r = await Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        using var bad = await Http.GetAsync("/v2/h/app/tags/list?n=-1");
        await AssertErrorAsync(bad, HttpStatusCode.BadRequest, "PAGINATION_NUMBER_INVALID");
        using var nowhere = await Http.GetAsync("/v2/h/app/nothing");
        Assert.Equal(HttpStatusCode.NotFound, nowhere.StatusCode);
    }

    [Theory]
    [InlineData("GET /v2/../../etc/tags/list HTTP/1.1")]
    [InlineData("GET /v2/a/../../b/manifests/latest HTTP/1.1")]
    [InlineData("GET /v2/%2e%2e/x/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000 HTTP/1.1")]
    [InlineData("POST /v2/a/_layers/blobs/uploads/ HTTP/1.1")]
    [InlineData("GET /v2/A/tags/list HTTP/1.1")]
    public async Task Names_outside_the_grammar_are_refused(string requestLine)
    {
        var (status, body) = await _r.RawAsync(requestLine);
        Assert.Equal(400, status);
        Assert.Contains("NAME_INVALID", body, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(_r.Root, "repositories")));
    }

    [Fact]
    public async Task Upload_ids_that_are_not_uuids_are_unknown()
    {
        using var r = await Http.GetAsync("/v2/h/app/blobs/uploads/..%2F..%2Fblobs");
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
    }

    [Fact]
    public async Task An_upload_session_survives_a_restart()
    {
        var content = new byte[300_000];
        new Random(3).NextBytes(content);
        using var post = await Http.PostAsync("/v2/h/app/blobs/uploads/", null);
        var location = post.Headers.Location!.ToString();
        var first = new ByteArrayContent(content, 0, 120_000);
        first.Headers.TryAddWithoutValidation("Content-Range", "0-119999");
        using (var patch = await Http.PatchAsync(location, first))
        {
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        }

        // A chunk cut off by a crash leaves bytes past the recorded offset: the restarted server drops them.
        var session = Path.Combine(_r.Root, "uploads", post.Headers.GetValues("Docker-Upload-UUID").Single());
        await using (var data = new FileStream(Path.Combine(session, "data"), FileMode.Append))
        {
            data.Write(new byte[777]);
        }
        await _r.RestartAsync();

        using (var status = await _r.Client.GetAsync(location))
        {
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.Equal("0-119999", status.Headers.GetValues("Range").Single());
        }
        var rest = new ByteArrayContent(content, 120_000, content.Length - 120_000);
        rest.Headers.TryAddWithoutValidation("Content-Range", $"120000-{content.Length - 1}");
        using (var patch = await _r.Client.PatchAsync(location, rest))
        {
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
        }
        var digest = RegistryFixture.DigestOf(content);
        using (var put = await _r.Client.PutAsync($"{location}?digest={digest}", null))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using var get = await _r.Client.GetAsync($"/v2/h/app/blobs/{digest}");
        Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_body_cut_short_leaves_no_blob()
    {
        var digest = RegistryFixture.DigestOf(new byte[1000]);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_r.EndPoint);
        var s = tcp.GetStream();
        await s.WriteAsync(Encoding.ASCII.GetBytes($"POST /v2/h/app/blobs/uploads/?digest={digest} HTTP/1.1\r\nHost: r\r\nContent-Length: 1000\r\n\r\n"));
        await s.WriteAsync(new byte[400]);
        await s.FlushAsync();
        // The server is writing the body to its temp file before the connection drops, and has dealt with the drop
        // (the temp file gone, however slow the machine) before the tree is looked at.
        await UntilAsync("the upload's temp file", () => _r.StrayUploadFiles().Length == 1);
        tcp.Close();
        await UntilAsync("the temp file to be removed", () => _r.StrayUploadFiles().Length == 0);
        Assert.Empty(_r.BlobFiles());
        Assert.Empty(_r.StrayUploadFiles());
    }

    private static async Task UntilAsync(string what, Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"timed out waiting for {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Garbage_collection_removes_only_unreferenced_blobs()
    {
        var manifest = await _r.ImageManifestAsync("h/app", "kept layer");
        using (await _r.PutManifestAsync("h/app", "latest", manifest, OciManifest))
        {
        }
        var orphan = await _r.PushBlobAsync("h/app", "orphan"u8.ToArray());
        var store = new RegistryStore(_r.Root);
        var dry = store.CollectGarbage(dryRun: true);
        Assert.Equal([orphan], dry.Removed.Select(x => x.Digest.Value));
        Assert.Equal(4, _r.BlobFiles().Length);
        store.CollectGarbage(dryRun: false);
        Assert.Equal(3, _r.BlobFiles().Length);
        using (var gone = await Http.GetAsync($"/v2/h/app/blobs/{orphan}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        using var still = await Http.GetAsync("/v2/h/app/manifests/latest");
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }
}

public sealed class ReadOnlyTests
{
    [Fact]
    public async Task Writes_are_refused_with_405_and_reads_go_on()
    {
        var root = Path.Combine(Path.GetTempPath(), "berth-registry-" + Guid.NewGuid().ToString("N"));
        await using (var rw = RegistryFixture.Start(root))
        {
            await rw.PushBlobAsync("ro/app", "content"u8.ToArray());
        }
        try
        {
            await ReadOnlyAsync(root);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task ReadOnlyAsync(string root)
    {
        await using var r = RegistryFixture.Start(root, readOnly: true);
        var digest = RegistryFixture.DigestOf("content"u8.ToArray());
        using (var get = await r.Client.GetAsync($"/v2/ro/app/blobs/{digest}"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }
        var writes = new[]
        {
            new HttpRequestMessage(HttpMethod.Post, "/v2/ro/app/blobs/uploads/"),
            new HttpRequestMessage(HttpMethod.Delete, $"/v2/ro/app/blobs/{digest}"),
            new HttpRequestMessage(HttpMethod.Put, "/v2/ro/app/manifests/latest") { Content = new StringContent("{}", new MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json")) },
        };
        foreach (var w in writes)
        {
            using var resp = await r.Client.SendAsync(w);
            Assert.Equal(HttpStatusCode.MethodNotAllowed, resp.StatusCode);
            Assert.Contains("UNSUPPORTED", await resp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Empty(r.Sessions());
    }
}

public sealed class LimitsTests : IAsyncLifetime
{
    private RegistryFixture _r = null!;

    public Task InitializeAsync()
    {
        _r = RegistryFixture.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _r.DisposeAsync();

    [Fact]
    public async Task A_manifest_above_4_MiB_is_refused_with_413_and_the_connection_goes_on()
    {
        var huge = "{\"schemaVersion\":2,\"annotations\":{\"x\":\"" + new string('a', RegistryStore.MaxManifestBytes) + "\"}}";
        using (var r = await _r.PutManifestAsync("lim/app", "big", huge, "application/vnd.oci.image.manifest.v1+json"))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
            Assert.Contains("SIZE_INVALID", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var after = await _r.Client.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Empty(_r.BlobFiles());
    }

    [Fact]
    public async Task Concurrent_pushes_of_the_same_content_all_succeed()
    {
        var content = new byte[100_000];
        new Random(5).NextBytes(content);
        var digest = RegistryFixture.DigestOf(content);
        var pushes = Enumerable.Range(0, 8).Select(async i =>
        {
            using var r = await _r.Client.PostAsync($"/v2/lim/app{i % 2}/blobs/uploads/?digest={digest}", new ByteArrayContent(content));
            return r.StatusCode;
        });
        Assert.All(await Task.WhenAll(pushes), s => Assert.Equal(HttpStatusCode.Created, s));
        Assert.Single(_r.BlobFiles());
        Assert.Empty(_r.StrayUploadFiles());
    }
}

public sealed class IdleAndAbandonedTests
{
    [Fact]
    public async Task An_idle_connection_is_closed_and_an_abandoned_session_collected()
    {
        var root = Path.Combine(Path.GetTempPath(), "berth-registry-" + Guid.NewGuid().ToString("N"));
        var store = new RegistryStore(root);
        var server = new RegistryServer(store, new RegistryServerOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        try
        {
            var ep = server.ListenTcp(new IPEndPoint(IPAddress.Loopback, 0));
            server.Start();
            using var tcp = new System.Net.Sockets.TcpClient();
            await tcp.ConnectAsync(ep);
            var s = tcp.GetStream();
            await s.WriteAsync("GET /v2/ HTTP/1.1\r\nHost: r\r\n"u8.ToArray());
            var buf = new byte[256];
            // Half a head, then nothing: the server gives up and closes (read returns 0, or a reset).
            var read = await Task.Run(async () =>
            {
                try
                {
                    return await s.ReadAsync(buf).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (IOException)
                {
                    return 0;
                }
            });
            Assert.True(read == 0 || Encoding.ASCII.GetString(buf, 0, read).StartsWith("HTTP/1.1 400", StringComparison.Ordinal));

            var session = store.StartUpload("idle/app");
            Assert.Empty(store.CollectGarbage(dryRun: false).AbandonedUploads);
            var report = store.CollectGarbage(dryRun: false, uploadMaxAge: TimeSpan.FromMilliseconds(-1));
            Assert.Equal([session.Id], report.AbandonedUploads);
            Assert.Throws<RegistryException>(() => store.GetUpload("idle/app", session.Id));
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(root, recursive: true);
        }
    }
}

public sealed class KeepAliveTests
{
    [Fact]
    public async Task A_refused_request_with_an_unread_body_does_not_desynchronise_the_connection()
    {
        await using var r = RegistryFixture.Start();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(r.EndPoint);
        var s = tcp.GetStream();
        var unknown = Guid.NewGuid().ToString("D");
        // The body looks like a request: were it not drained, it would be served as one.
        var body = "GET /v2/_catalog HTTP/1.1\r\nHost: r\r\n\r\n";
        var requests =
            $"PATCH /v2/k/app/blobs/uploads/{unknown} HTTP/1.1\r\nHost: r\r\nContent-Length: {body.Length}\r\n\r\n{body}" +
            "GET /v2/ HTTP/1.1\r\nHost: r\r\nConnection: close\r\n\r\n";
        await s.WriteAsync(Encoding.ASCII.GetBytes(requests));
        using var reader = new StreamReader(s);
        var all = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var statuses = System.Text.RegularExpressions.Regex.Matches(all, @"HTTP/1\.1 \d{3} [A-Za-z ]+").Select(m => m.Value).ToArray();
        Assert.Equal(["HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"], statuses);
        Assert.EndsWith("Connection: close\r\n\r\n{}", all, StringComparison.Ordinal);
        Assert.Contains("BLOB_UPLOAD_UNKNOWN", all, StringComparison.Ordinal);
        Assert.DoesNotContain("repositories", all, StringComparison.Ordinal);
    }
}

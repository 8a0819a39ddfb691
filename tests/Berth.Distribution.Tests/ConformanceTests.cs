using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Berth.Distribution.Tests;

/// <summary>The four workflows of the OCI distribution-spec conformance tests (pull, push, content discovery,
/// content management), over real HTTP against a registry on 127.0.0.1.</summary>
public sealed class ConformanceTests : IAsyncLifetime
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

    private static async Task<string> ErrorCodeAsync(HttpResponseMessage r)
    {
        using var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("errors")[0].GetProperty("code").GetString()!;
    }

    [Fact]
    public async Task Base_endpoint_answers_with_the_api_version()
    {
        using var r = await Http.GetAsync("/v2/");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("registry/2.0", r.Headers.GetValues("Docker-Distribution-API-Version").Single());
        Assert.Equal("{}", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pull()
    {
        var manifest = await _r.ImageManifestAsync("pull/app", "layer-bytes");
        using (var put = await _r.PutManifestAsync("pull/app", "v1", manifest, OciManifest))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        var digest = RegistryFixture.DigestOf(Encoding.UTF8.GetBytes(manifest));

        foreach (var reference in new[] { "v1", digest })
        {
            using var get = await Http.GetAsync($"/v2/pull/app/manifests/{reference}");
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(OciManifest, get.Content.Headers.ContentType!.MediaType);
            Assert.Equal(digest, get.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal(manifest, await get.Content.ReadAsStringAsync());

            using var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/pull/app/manifests/{reference}"));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(manifest.Length, head.Content.Headers.ContentLength);
        }

        var layer = RegistryFixture.DigestOf("layer-bytes"u8.ToArray());
        using (var blob = await Http.GetAsync($"/v2/pull/app/blobs/{layer}"))
        {
            Assert.Equal(HttpStatusCode.OK, blob.StatusCode);
            Assert.Equal(layer, blob.Headers.GetValues("Docker-Content-Digest").Single());
            Assert.Equal("layer-bytes", await blob.Content.ReadAsStringAsync());
        }
        using (var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/pull/app/blobs/{layer}")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(11, head.Content.Headers.ContentLength);
        }
        var ranged = new HttpRequestMessage(HttpMethod.Get, $"/v2/pull/app/blobs/{layer}");
        ranged.Headers.Range = new RangeHeaderValue(6, 10);
        using (var part = await Http.SendAsync(ranged))
        {
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal("bytes", await part.Content.ReadAsStringAsync());
            Assert.Equal("bytes 6-10/11", part.Content.Headers.ContentRange!.ToString());
        }

        using (var missing = await Http.GetAsync("/v2/pull/app/manifests/nope"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("MANIFEST_UNKNOWN", await ErrorCodeAsync(missing));
        }
        using (var missing = await Http.GetAsync("/v2/pull/app/blobs/" + RegistryFixture.DigestOf("other"u8.ToArray())))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("BLOB_UNKNOWN", await ErrorCodeAsync(missing));
        }
        // A blob of one repository is not visible through another.
        using (var other = await Http.GetAsync($"/v2/pull/other/blobs/{layer}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }
    }

    [Fact]
    public async Task Push_post_then_put_and_chunked_with_ranges()
    {
        // POST then PUT with the whole content.
        var content = "whole-blob"u8.ToArray();
        using var post = await Http.PostAsync("/v2/push/app/blobs/uploads/", null);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var location = post.Headers.Location!.ToString();
        Assert.NotEmpty(post.Headers.GetValues("Docker-Upload-UUID").Single());
        using (var put = await Http.PutAsync($"{location}?digest={RegistryFixture.DigestOf(content)}", new ByteArrayContent(content)))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal($"/v2/push/app/blobs/{RegistryFixture.DigestOf(content)}", put.Headers.Location!.ToString());
        }

        // Chunked: two PATCHes with Content-Range, an out-of-order one refused with 416, then PUT without a body.
        var big = new byte[200_000];
        new Random(7).NextBytes(big);
        using var post2 = await Http.PostAsync("/v2/push/app/blobs/uploads/", null);
        var session = post2.Headers.Location!.ToString();
        using (var chunk = await PatchAsync(session, big, 0, 100_000))
        {
            Assert.Equal(HttpStatusCode.Accepted, chunk.StatusCode);
            Assert.Equal("0-99999", chunk.Headers.GetValues("Range").Single());
            session = chunk.Headers.Location!.ToString();
        }
        using (var outOfOrder = await PatchAsync(session, big, 150_000, 50_000))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outOfOrder.StatusCode);
            Assert.Equal("BLOB_UPLOAD_INVALID", await ErrorCodeAsync(outOfOrder));
            Assert.Equal("0-99999", outOfOrder.Headers.GetValues("Range").Single());
            Assert.Equal(session, outOfOrder.Headers.Location!.ToString());
        }
        var outOfOrderLast = new ByteArrayContent(big, 150_000, 50_000);
        outOfOrderLast.Headers.TryAddWithoutValidation("Content-Range", "150000-199999");
        using (var outOfOrderPut = await Http.PutAsync($"{session}?digest={RegistryFixture.DigestOf(big)}", outOfOrderLast))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outOfOrderPut.StatusCode);
        }
        using (var status = await Http.GetAsync(session))
        {
            Assert.Equal(HttpStatusCode.NoContent, status.StatusCode);
            Assert.Equal("0-99999", status.Headers.GetValues("Range").Single());
        }
        using (var chunk = await PatchAsync(session, big, 100_000, 100_000))
        {
            Assert.Equal(HttpStatusCode.Accepted, chunk.StatusCode);
            Assert.Equal("0-199999", chunk.Headers.GetValues("Range").Single());
        }
        using (var put = await Http.PutAsync($"{session}?digest={RegistryFixture.DigestOf(big)}", null))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var get = await Http.GetAsync($"/v2/push/app/blobs/{RegistryFixture.DigestOf(big)}"))
        {
            Assert.Equal(big, await get.Content.ReadAsByteArrayAsync());
        }
        Assert.Empty(_r.Sessions());
        Assert.Empty(_r.StrayUploadFiles());

        // The final chunk may come with the PUT.
        using var post3 = await Http.PostAsync("/v2/push/app/blobs/uploads/", null);
        var s3 = post3.Headers.Location!.ToString();
        using (await PatchAsync(s3, big, 0, 1000))
        {
        }
        var last = new ByteArrayContent(big, 1000, big.Length - 1000);
        last.Headers.TryAddWithoutValidation("Content-Range", $"1000-{big.Length - 1}");
        using (var put = await Http.PutAsync($"{s3}?digest={RegistryFixture.DigestOf(big)}", last))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        // DELETE of a session.
        using var post4 = await Http.PostAsync("/v2/push/app/blobs/uploads/", null);
        using (var del = await Http.DeleteAsync(post4.Headers.Location!))
        {
            Assert.Equal(HttpStatusCode.NoContent, del.StatusCode);
        }
        using (var gone = await Http.GetAsync(post4.Headers.Location!))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("BLOB_UPLOAD_UNKNOWN", await ErrorCodeAsync(gone));
        }
    }

    [Fact]
    public async Task Push_streamed_without_content_range()
    {
        // The conformance suite's "stream": one PATCH with a chunked body of unknown length, then PUT.
        var big = new byte[5 * 1024 * 1024 + 17];
        new Random(9).NextBytes(big);
        using var post = await Http.PostAsync("/v2/push/stream/blobs/uploads/", null);
        var body = new StreamContent(new NoLengthStream(big));
        using (var patch = await Http.PatchAsync(post.Headers.Location!, body))
        {
            Assert.Equal(HttpStatusCode.Accepted, patch.StatusCode);
            Assert.Equal($"0-{big.Length - 1}", patch.Headers.GetValues("Range").Single());
        }
        using (var put = await Http.PutAsync($"{post.Headers.Location}?digest={RegistryFixture.DigestOf(big)}", null))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using var get = await Http.GetAsync($"/v2/push/stream/blobs/{RegistryFixture.DigestOf(big)}");
        Assert.Equal(big, await get.Content.ReadAsByteArrayAsync());
    }

    /// <summary>A stream that hides its length, so HttpClient sends it chunked.</summary>
    private sealed class NoLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }

    private Task<HttpResponseMessage> PatchAsync(string location, byte[] all, int start, int length)
    {
        var body = new ByteArrayContent(all, start, length);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        body.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + length - 1}");
        return Http.PatchAsync(location, body);
    }

    [Fact]
    public async Task Push_cross_repository_mount()
    {
        var digest = await _r.PushBlobAsync("mount/source", "shared layer"u8.ToArray());
        using (var mounted = await Http.PostAsync($"/v2/mount/target/blobs/uploads/?mount={digest}&from=mount/source", null))
        {
            Assert.Equal(HttpStatusCode.Created, mounted.StatusCode);
            Assert.Equal($"/v2/mount/target/blobs/{digest}", mounted.Headers.Location!.ToString());
        }
        using (var head = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/v2/mount/target/blobs/{digest}")))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        }
        // Not in the source: an ordinary session.
        using var fallback = await Http.PostAsync($"/v2/mount/target/blobs/uploads/?mount={RegistryFixture.DigestOf("x"u8.ToArray())}&from=mount/source", null);
        Assert.Equal(HttpStatusCode.Accepted, fallback.StatusCode);
        Assert.Contains("/blobs/uploads/", fallback.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_manifests_tag_digest_index_and_subject()
    {
        var manifest = await _r.ImageManifestAsync("push/m", "layer");
        var digest = RegistryFixture.DigestOf(Encoding.UTF8.GetBytes(manifest));
        using (var byDigest = await _r.PutManifestAsync("push/m", digest, manifest, OciManifest))
        {
            Assert.Equal(HttpStatusCode.Created, byDigest.StatusCode);
            Assert.Equal($"/v2/push/m/manifests/{digest}", byDigest.Headers.Location!.ToString());
            Assert.Equal(digest, byDigest.Headers.GetValues("Docker-Content-Digest").Single());
        }
        var index = $"{{\"schemaVersion\":2,\"mediaType\":\"{OciIndex}\",\"manifests\":[{{\"mediaType\":\"{OciManifest}\",\"digest\":\"{digest}\",\"size\":{manifest.Length},\"platform\":{{\"architecture\":\"amd64\",\"os\":\"linux\"}}}}]}}";
        using (var putIndex = await _r.PutManifestAsync("push/m", "multi", index, OciIndex))
        {
            Assert.Equal(HttpStatusCode.Created, putIndex.StatusCode);
        }
        var docker = manifest.Replace(OciManifest, "application/vnd.docker.distribution.manifest.v2+json", StringComparison.Ordinal)
            .Replace("application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json", StringComparison.Ordinal);
        using (var putDocker = await _r.PutManifestAsync("push/m", "docker", docker, "application/vnd.docker.distribution.manifest.v2+json"))
        {
            Assert.Equal(HttpStatusCode.Created, putDocker.StatusCode);
        }
        using (var get = await Http.GetAsync("/v2/push/m/manifests/docker"))
        {
            Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", get.Content.Headers.ContentType!.MediaType);
        }
        // A push by digest may set tags with ?tag= (spec v1.1), each echoed in OCI-Tag.
        using (var tagged = await _r.Client.PutAsync($"/v2/push/m/manifests/{digest}?tag=1.0&tag=latest", new StringContent(manifest, new MediaTypeHeaderValue(OciManifest))))
        {
            Assert.Equal(HttpStatusCode.Created, tagged.StatusCode);
            Assert.Equal(["1.0", "latest"], tagged.Headers.GetValues("OCI-Tag"));
        }
        using (var tags = await Http.GetAsync("/v2/push/m/tags/list"))
        {
            Assert.Equal("{\"name\":\"push/m\",\"tags\":[\"1.0\",\"docker\",\"latest\",\"multi\"]}", await tags.Content.ReadAsStringAsync());
        }
        // A manifest whose subject is not (yet) in the registry is accepted, and the subject is echoed.
        var subject = RegistryFixture.DigestOf("not here"u8.ToArray());
        var referrer = await _r.ImageManifestAsync("push/m", "sig", subject: subject, artifactType: "application/vnd.example.sig");
        using var putReferrer = await _r.PutManifestAsync("push/m", RegistryFixture.DigestOf(Encoding.UTF8.GetBytes(referrer)), referrer, OciManifest);
        Assert.Equal(HttpStatusCode.Created, putReferrer.StatusCode);
        Assert.Equal(subject, putReferrer.Headers.GetValues("OCI-Subject").Single());
    }

    [Fact]
    public async Task Content_discovery_tags_catalog_and_referrers()
    {
        var manifest = await _r.ImageManifestAsync("disc/app", "layer");
        foreach (var tag in new[] { "c", "a", "e", "b", "d" })
        {
            using var put = await _r.PutManifestAsync("disc/app", tag, manifest, OciManifest);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var all = await Http.GetAsync("/v2/disc/app/tags/list"))
        {
            Assert.Equal("{\"name\":\"disc/app\",\"tags\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", await all.Content.ReadAsStringAsync());
        }
        using (var page = await Http.GetAsync("/v2/disc/app/tags/list?n=2"))
        {
            Assert.Equal("{\"name\":\"disc/app\",\"tags\":[\"a\",\"b\"]}", await page.Content.ReadAsStringAsync());
            Assert.Equal("</v2/disc/app/tags/list?n=2&last=b>; rel=\"next\"", page.Headers.GetValues("Link").Single());
        }
        using (var page = await Http.GetAsync("/v2/disc/app/tags/list?n=2&last=d"))
        {
            Assert.Equal("{\"name\":\"disc/app\",\"tags\":[\"e\"]}", await page.Content.ReadAsStringAsync());
            Assert.False(page.Headers.Contains("Link"));
        }
        using (var none = await Http.GetAsync("/v2/disc/app/tags/list?n=0"))
        {
            Assert.Equal("{\"name\":\"disc/app\",\"tags\":[]}", await none.Content.ReadAsStringAsync());
        }
        using (var unknown = await Http.GetAsync("/v2/disc/nothing/tags/list"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("NAME_UNKNOWN", await ErrorCodeAsync(unknown));
        }

        await _r.PushBlobAsync("disc/zzz", "x"u8.ToArray());
        using (var catalog = await Http.GetAsync("/v2/_catalog"))
        {
            Assert.Equal("{\"repositories\":[\"disc/app\",\"disc/zzz\"]}", await catalog.Content.ReadAsStringAsync());
        }
        using (var catalog = await Http.GetAsync("/v2/_catalog?n=1"))
        {
            Assert.Equal("{\"repositories\":[\"disc/app\"]}", await catalog.Content.ReadAsStringAsync());
            Assert.Equal("</v2/_catalog?n=1&last=disc%2Fapp>; rel=\"next\"", catalog.Headers.GetValues("Link").Single());
        }

        var subject = RegistryFixture.DigestOf(Encoding.UTF8.GetBytes(manifest));
        var sig = await _r.ImageManifestAsync("disc/app", "signature", subject: subject, artifactType: "application/vnd.example.sig");
        var sbom = await _r.ImageManifestAsync("disc/app", "sbom", subject: subject, artifactType: "application/vnd.example.sbom");
        foreach (var m in new[] { sig, sbom })
        {
            using var put = await _r.PutManifestAsync("disc/app", RegistryFixture.DigestOf(Encoding.UTF8.GetBytes(m)), m, OciManifest);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        using (var referrers = await Http.GetAsync($"/v2/disc/app/referrers/{subject}"))
        {
            Assert.Equal(HttpStatusCode.OK, referrers.StatusCode);
            Assert.Equal(OciIndex, referrers.Content.Headers.ContentType!.MediaType);
            using var doc = JsonDocument.Parse(await referrers.Content.ReadAsStringAsync());
            var types = doc.RootElement.GetProperty("manifests").EnumerateArray().Select(e => e.GetProperty("artifactType").GetString()!).Order().ToArray();
            Assert.Equal(["application/vnd.example.sbom", "application/vnd.example.sig"], types);
        }
        using (var filtered = await Http.GetAsync($"/v2/disc/app/referrers/{subject}?artifactType=application/vnd.example.sig"))
        {
            Assert.Equal("artifactType", filtered.Headers.GetValues("OCI-Filters-Applied").Single());
            using var doc = JsonDocument.Parse(await filtered.Content.ReadAsStringAsync());
            var only = Assert.Single(doc.RootElement.GetProperty("manifests").EnumerateArray());
            Assert.Equal(RegistryFixture.DigestOf(Encoding.UTF8.GetBytes(sig)), only.GetProperty("digest").GetString());
        }
        using (var empty = await Http.GetAsync($"/v2/disc/app/referrers/{RegistryFixture.DigestOf("none"u8.ToArray())}"))
        {
            Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
            Assert.Equal($"{{\"schemaVersion\":2,\"mediaType\":\"{OciIndex}\",\"manifests\":[]}}", await empty.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Content_management_deletes_tags_manifests_and_blobs()
    {
        var manifest = await _r.ImageManifestAsync("mgmt/app", "layer");
        var digest = RegistryFixture.DigestOf(Encoding.UTF8.GetBytes(manifest));
        foreach (var tag in new[] { "keep", "drop" })
        {
            using var put = await _r.PutManifestAsync("mgmt/app", tag, manifest, OciManifest);
        }
        using (var delTag = await Http.DeleteAsync("/v2/mgmt/app/manifests/drop"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delTag.StatusCode);
        }
        using (var tags = await Http.GetAsync("/v2/mgmt/app/tags/list"))
        {
            Assert.Equal("{\"name\":\"mgmt/app\",\"tags\":[\"keep\"]}", await tags.Content.ReadAsStringAsync());
        }
        using (var delManifest = await Http.DeleteAsync($"/v2/mgmt/app/manifests/{digest}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delManifest.StatusCode);
        }
        foreach (var reference in new[] { digest, "keep" })
        {
            using var gone = await Http.GetAsync($"/v2/mgmt/app/manifests/{reference}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        using (var again = await Http.DeleteAsync($"/v2/mgmt/app/manifests/{digest}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Equal("MANIFEST_UNKNOWN", await ErrorCodeAsync(again));
        }
        var layer = RegistryFixture.DigestOf("layer"u8.ToArray());
        using (var delBlob = await Http.DeleteAsync($"/v2/mgmt/app/blobs/{layer}"))
        {
            Assert.Equal(HttpStatusCode.Accepted, delBlob.StatusCode);
        }
        using (var gone = await Http.GetAsync($"/v2/mgmt/app/blobs/{layer}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("BLOB_UNKNOWN", await ErrorCodeAsync(gone));
        }
    }
}

/// <summary>The conformance suite's range requests, on a 4000-byte blob.</summary>
public sealed class RangeTests : IAsyncLifetime
{
    private RegistryFixture _r = null!;
    private byte[] _blob = [];
    private string _digest = "";

    public async Task InitializeAsync()
    {
        _r = RegistryFixture.Start();
        _blob = new byte[4000];
        new Random(11).NextBytes(_blob);
        _digest = await _r.PushBlobAsync("range/app", _blob);
    }

    public async Task DisposeAsync() => await _r.DisposeAsync();

    [Theory]
    [InlineData("bytes=500-1499", 206, "bytes 500-1499/4000", 500, 1000)]
    [InlineData("bytes=500-", 206, "bytes 500-3999/4000", 500, 3500)]
    [InlineData("bytes=-500", 206, "bytes 3500-3999/4000", 3500, 500)]
    [InlineData("bytes=2000-5000", 206, "bytes 2000-3999/4000", 2000, 2000)]
    [InlineData("bytes=500-0", 416, "bytes */4000", 0, 0)]
    [InlineData("bytes=5000-10000", 416, "bytes */4000", 0, 0)]
    [InlineData("bytes=0-1,5-6", 416, "bytes */4000", 0, 0)]
    public async Task Range_requests(string range, int status, string contentRange, int offset, int length)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, $"/v2/range/app/blobs/{_digest}");
        req.Headers.TryAddWithoutValidation("Range", range);
        using var r = await _r.Client.SendAsync(req);
        Assert.Equal(status, (int)r.StatusCode);
        Assert.Equal(contentRange, r.Content.Headers.GetValues("Content-Range").Single());
        if (status == 206)
        {
            Assert.Equal(_blob.AsSpan(offset, length).ToArray(), await r.Content.ReadAsByteArrayAsync());
        }
    }
}

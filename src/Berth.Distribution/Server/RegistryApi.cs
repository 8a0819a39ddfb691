using System.Globalization;
using Berth.Common;
using Berth.Http;

namespace Berth.Distribution.Server;

/// <summary>The endpoints of the OCI distribution spec v1.1 over a <see cref="RegistryStore"/>.</summary>
internal sealed class RegistryApi(RegistryStore store, RegistryServerOptions options)
{
    /// <summary>The largest page of tags or repositories: a bigger <c>n</c> is capped, never allocated (CVE-2023-2253).</summary>
    public const int MaxPage = 1000;

    /// <summary>Tags a push by digest may set through <c>?tag=</c> (the spec asks for at least 10).</summary>
    public const int MaxQueryTags = 100;

    private static readonly HashSet<string> ReadMethods = new(StringComparer.Ordinal) { "GET", "HEAD" };

    public async Task HandleAsync(RegistryExchange x, CancellationToken ct)
    {
        var route = RegistryRoute.Parse(x.Head.RawPath);
        if (route is null && options.Endpoints.FirstOrDefault(e => e.Path == x.Head.RawPath) is { } endpoint)
        {
            var answer = endpoint.Handle(x.Head, x.Query);
            foreach (var (k, v) in answer.Headers)
            {
                x.ResponseHeaders.Add(k, v);
            }
            await x.WriteAsync(answer.Status, answer.Body, answer.ContentType, ct).ConfigureAwait(false);
            return;
        }
        if (route is not { } r)
        {
            throw new RegistryException(RegistryErrorCode.NotFound, "page not found", x.Head.RawPath);
        }
        if (r.Name is { } name && !RepositoryName.IsValid(name))
        {
            throw new RegistryException(RegistryErrorCode.NameInvalid, "invalid repository name", name);
        }
        var access = new RegistryAccess(r.Name, r.Name is null ? RegistryActions.None : RegistryAccess.ActionsOf(x.Head.Method), r.Kind == RouteKind.Catalog, MountSource(x, r));
        var write = !ReadMethods.Contains(x.Head.Method);
        var denial = options.AccessControl.Check(x.Head, access);
        var mayMount = true;
        if (denial is not null && access.MountFrom is not null && options.AccessControl.Check(x.Head, access with { MountFrom = null }) is null)
        {
            // No pull on the source: no mount, but the push goes on with an ordinary session, as the spec allows.
            denial = null;
            mayMount = false;
        }
        if (denial is not null)
        {
            foreach (var (k, v) in denial.Headers)
            {
                x.ResponseHeaders.Add(k, v);
            }
            throw denial.Error;
        }
        if (write && options.ReadOnly)
        {
            x.ResponseHeaders["Allow"] = "GET, HEAD";
            throw new RegistryException(RegistryErrorCode.Unsupported, "the registry is in read-only mode", x.Head.Method + " " + x.Head.RawPath);
        }
        switch (r.Kind, x.Head.Method)
        {
            case (RouteKind.Base, "GET" or "HEAD"):
                await x.WriteAsync(200, "{}"u8.ToArray(), "application/json", ct).ConfigureAwait(false);
                return;
            case (RouteKind.Catalog, "GET"):
                await CatalogAsync(x, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Tags, "GET"):
                await TagsAsync(x, r.Name!, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Blob, "GET" or "HEAD"):
                await GetBlobAsync(x, r.Name!, ParseDigest(r.Argument!), ct).ConfigureAwait(false);
                return;
            case (RouteKind.Blob, "DELETE"):
                store.DeleteBlob(r.Name!, ParseDigest(r.Argument!));
                await x.WriteEmptyAsync(202, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Upload, "POST") when r.Argument!.Length == 0:
                await StartUploadAsync(x, r.Name!, mayMount, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Upload, "PATCH"):
                await PatchAsync(x, r.Name!, r.Argument!, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Upload, "PUT"):
                await CompleteUploadAsync(x, r.Name!, r.Argument!, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Upload, "GET" or "HEAD"):
                await WriteUploadStateAsync(x, store.GetUpload(r.Name!, r.Argument!), 204, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Upload, "DELETE"):
                await store.CancelUploadAsync(r.Name!, r.Argument!, ct).ConfigureAwait(false);
                await x.WriteEmptyAsync(204, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Manifest, "GET" or "HEAD"):
                await GetManifestAsync(x, r.Name!, r.Argument!, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Manifest, "PUT"):
                await PutManifestAsync(x, r.Name!, r.Argument!, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Manifest, "DELETE"):
                store.DeleteManifest(r.Name!, r.Argument!);
                await x.WriteEmptyAsync(202, ct).ConfigureAwait(false);
                return;
            case (RouteKind.Referrers, "GET"):
                await ReferrersAsync(x, r.Name!, ParseDigest(r.Argument!), ct).ConfigureAwait(false);
                return;
            default:
                throw new RegistryException(RegistryErrorCode.Unsupported, "the operation is unsupported", x.Head.Method + " " + x.Head.RawPath);
        }
    }

    /// <summary>compat(distribution): a cross-repository mount also asks to pull from the source repository.</summary>
    private static string? MountSource(RegistryExchange x, RegistryRoute r) =>
        r.Kind == RouteKind.Upload && x.Head.Method == "POST" && x.Query.Has("mount") && x.Query["from"] is { } from && RepositoryName.IsValid(from) ? from : null;

    private static Digest ParseDigest(string value) =>
        Digest.TryParse(value, out var d) ? d : throw new RegistryException(RegistryErrorCode.DigestInvalid, "invalid digest", value);

    private static int PageSize(RegistryExchange x)
    {
        if (x.Query["n"] is not { } n)
        {
            return int.MaxValue;
        }
        if (!long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw new RegistryException(RegistryErrorCode.PaginationNumberInvalid, "invalid number of results requested", "n=" + n);
        }
        return (int)Math.Min(value, MaxPage);
    }

    private static void AddNextLink(RegistryExchange x, string path, int n, string last) =>
        x.ResponseHeaders["Link"] = $"<{path}?n={n.ToString(CultureInfo.InvariantCulture)}&last={Uri.EscapeDataString(last)}>; rel=\"next\"";

    private async Task CatalogAsync(RegistryExchange x, CancellationToken ct)
    {
        var n = PageSize(x);
        var (repos, more) = store.Repositories(n, x.Query["last"]);
        if (more)
        {
            AddNextLink(x, "/v2/_catalog", n, repos[^1]);
        }
        await x.WriteJsonAsync(200, new Catalog { Repositories = repos }, RegistryJson.Wire.Catalog, ct).ConfigureAwait(false);
    }

    private async Task TagsAsync(RegistryExchange x, string name, CancellationToken ct)
    {
        var n = PageSize(x);
        var (tags, more) = store.Tags(name, n, x.Query["last"]);
        if (more)
        {
            AddNextLink(x, $"/v2/{name}/tags/list", n, tags[^1]);
        }
        await x.WriteJsonAsync(200, new TagList { Name = name, Tags = tags }, RegistryJson.Wire.TagList, ct).ConfigureAwait(false);
    }

    private async Task GetBlobAsync(RegistryExchange x, string name, Digest d, CancellationToken ct)
    {
        var size = store.StatBlob(name, d) ?? throw RegistryException.BlobUnknown(d.Value);
        FileStream f;
        try
        {
            f = store.OpenBlob(d);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw RegistryException.BlobUnknown(d.Value);
        }
        await using (f.ConfigureAwait(false))
        {
            x.ResponseHeaders["Docker-Content-Digest"] = d.Value;
            x.ResponseHeaders["Accept-Ranges"] = "bytes";
            x.ResponseHeaders["ETag"] = "\"" + d.Value + "\"";
            if (x.Head.Method == "GET" && x.Head.Headers["Range"] is { } range)
            {
                if (ParseRange(range, size) is not { } r)
                {
                    x.ResponseHeaders["Content-Range"] = $"bytes */{size.ToString(CultureInfo.InvariantCulture)}";
                    await x.WriteEmptyAsync(416, ct).ConfigureAwait(false);
                    return;
                }
                x.ResponseHeaders["Content-Range"] = string.Create(CultureInfo.InvariantCulture, $"bytes {r.Start}-{r.End}/{size}");
                f.Position = r.Start;
                await x.WriteStreamAsync(206, f, r.End - r.Start + 1, "application/octet-stream", ct).ConfigureAwait(false);
                return;
            }
            await x.WriteStreamAsync(200, f, size, "application/octet-stream", ct).ConfigureAwait(false);
        }
    }

    /// <summary>One range of RFC 9110 (<c>bytes=a-b</c>, <c>bytes=a-</c>, <c>bytes=-n</c>); several ranges are not served.</summary>
    internal static (long Start, long End)? ParseRange(string header, long size)
    {
        if (!header.StartsWith("bytes=", StringComparison.Ordinal) || header.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }
        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return null;
        }
        var a = spec[..dash];
        var b = spec[(dash + 1)..];
        if (a.Length == 0)
        {
            if (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) || suffix == 0 || size == 0)
            {
                return null;
            }
            return (Math.Max(0, size - suffix), size - 1);
        }
        if (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var start) || start >= size)
        {
            return null;
        }
        var end = size - 1;
        if (b.Length > 0)
        {
            if (!long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start)
            {
                return null;
            }
            end = Math.Min(end, size - 1);
        }
        return (start, end);
    }

    private async Task StartUploadAsync(RegistryExchange x, string name, bool mayMount, CancellationToken ct)
    {
        if (x.Query["mount"] is { } mount)
        {
            var d = ParseDigest(mount);
            if (mayMount && x.Query["from"] is { } from && RepositoryName.IsValid(from) && store.Mount(name, from, d))
            {
                await WriteBlobCreatedAsync(x, name, d, ct).ConfigureAwait(false);
                return;
            }
            // Not mountable: the spec asks for an ordinary upload session instead.
        }
        else if (x.Query["digest"] is { } digest)
        {
            var d = ParseDigest(digest);
            await x.ContinueAsync(ct).ConfigureAwait(false);
            await store.PutBlobAsync(name, x.Body, d, x.Head.Headers.ContentLength, ct).ConfigureAwait(false);
            await WriteBlobCreatedAsync(x, name, d, ct).ConfigureAwait(false);
            return;
        }
        await WriteUploadStateAsync(x, store.StartUpload(name), 202, ct).ConfigureAwait(false);
    }

    private static Task WriteBlobCreatedAsync(RegistryExchange x, string name, Digest d, CancellationToken ct)
    {
        x.ResponseHeaders["Location"] = $"/v2/{name}/blobs/{d.Value}";
        x.ResponseHeaders["Docker-Content-Digest"] = d.Value;
        return x.WriteEmptyAsync(201, ct);
    }

    private static Task WriteUploadStateAsync(RegistryExchange x, UploadState s, int status, CancellationToken ct)
    {
        AddSessionHeaders(x, s);
        return x.WriteEmptyAsync(status, ct);
    }

    /// <summary>The chunk's <c>Content-Range: start-end</c>, as a start and a length.</summary>
    private static (long? Start, long? Length) ContentRange(RegistryExchange x)
    {
        if (x.Head.Headers["Content-Range"] is not { } cr)
        {
            return (null, null);
        }
        var spec = cr.StartsWith("bytes ", StringComparison.Ordinal) ? cr[6..] : cr;
        var slash = spec.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            spec = spec[..slash];
        }
        var parts = spec.Split('-');
        if (parts.Length != 2 ||
            !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var end) || end < start)
        {
            throw new RegistryException(RegistryErrorCode.RangeInvalid, "invalid Content-Range", cr);
        }
        var length = end - start + 1;
        if (x.Head.Headers.ContentLength is { } cl && cl != length)
        {
            throw new RegistryException(RegistryErrorCode.RangeInvalid, "Content-Range and Content-Length disagree", $"{cr} is {length} bytes; Content-Length is {cl}");
        }
        return (start, length);
    }

    private async Task PatchAsync(RegistryExchange x, string name, string id, CancellationToken ct)
    {
        try
        {
            var (start, length) = ContentRange(x);
            await x.ContinueAsync(ct).ConfigureAwait(false);
            var state = await store.AppendAsync(name, id, x.Body, start, length, ct).ConfigureAwait(false);
            await WriteUploadStateAsync(x, state, 202, ct).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.Code == RegistryErrorCode.RangeInvalid)
        {
            AddSessionHeaders(x, store.GetUpload(name, id));
            throw;
        }
    }

    /// <summary>A refused chunk's answer says where the session stands, so the client can go on from there.</summary>
    private static void AddSessionHeaders(RegistryExchange x, UploadState s)
    {
        x.ResponseHeaders["Location"] = $"/v2/{s.Repository}/blobs/uploads/{s.Id}";
        // compat(distribution): an empty session reports "0-0", as Docker's registry does.
        x.ResponseHeaders["Range"] = "0-" + Math.Max(0, s.Offset - 1).ToString(CultureInfo.InvariantCulture);
        x.ResponseHeaders["Docker-Upload-UUID"] = s.Id;
    }

    private async Task CompleteUploadAsync(RegistryExchange x, string name, string id, CancellationToken ct)
    {
        var d = ParseDigest(x.Query["digest"] ?? "");
        Stream? last = null;
        long? start = null, length = null;
        try
        {
            if (x.HasBody)
            {
                (start, length) = ContentRange(x);
                await x.ContinueAsync(ct).ConfigureAwait(false);
                last = x.Body;
            }
            await store.CompleteAsync(name, id, last, start, length, d, ct).ConfigureAwait(false);
        }
        catch (RegistryException e) when (e.Code == RegistryErrorCode.RangeInvalid)
        {
            // An out-of-order last chunk leaves the session open (the spec's 416), unlike a digest mismatch.
            AddSessionHeaders(x, store.GetUpload(name, id));
            throw;
        }
        await WriteBlobCreatedAsync(x, name, d, ct).ConfigureAwait(false);
    }

    private async Task GetManifestAsync(RegistryExchange x, string name, string reference, CancellationToken ct)
    {
        var m = store.ResolveManifest(name, reference);
        FileStream f;
        try
        {
            f = store.OpenBlob(m.Digest);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw RegistryException.ManifestUnknown(reference);
        }
        await using (f.ConfigureAwait(false))
        {
            x.ResponseHeaders["Docker-Content-Digest"] = m.Digest.Value;
            x.ResponseHeaders["ETag"] = "\"" + m.Digest.Value + "\"";
            await x.WriteStreamAsync(200, f, m.Size, m.MediaType, ct).ConfigureAwait(false);
        }
    }

    private async Task PutManifestAsync(RegistryExchange x, string name, string reference, CancellationToken ct)
    {
        var body = await x.ReadBodyAsync(RegistryStore.MaxManifestBytes, ct).ConfigureAwait(false);
        var queryTags = x.Query.All("tag");
        if (queryTags.Count > MaxQueryTags)
        {
            throw new RegistryException(RegistryErrorCode.ManifestInvalid, "too many tags", $"{queryTags.Count} tag parameters; at most {MaxQueryTags}");
        }
        var result = store.PutManifest(name, reference, x.Head.Headers["Content-Type"], body, queryTags);
        foreach (var t in result.QueryTags)
        {
            x.ResponseHeaders.Add("OCI-Tag", t);
        }
        x.ResponseHeaders["Location"] = $"/v2/{name}/manifests/{result.Digest.Value}";
        x.ResponseHeaders["Docker-Content-Digest"] = result.Digest.Value;
        if (result.Subject is { } subject)
        {
            x.ResponseHeaders["OCI-Subject"] = subject.Value;
        }
        await x.WriteEmptyAsync(201, ct).ConfigureAwait(false);
    }

    private async Task ReferrersAsync(RegistryExchange x, string name, Digest subject, CancellationToken ct)
    {
        var artifactType = x.Query["artifactType"];
        var index = new ReferrersIndex { Manifests = store.Referrers(name, subject, artifactType) };
        if (artifactType is not null)
        {
            x.ResponseHeaders["OCI-Filters-Applied"] = "artifactType";
        }
        await x.WriteJsonAsync(200, index, RegistryJson.Wire.ReferrersIndex, Berth.Oci.MediaTypes.OciIndex, ct).ConfigureAwait(false);
    }
}

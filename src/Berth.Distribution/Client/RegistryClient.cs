using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Berth.Common;

namespace Berth.Distribution.Client;

/// <summary>
/// A client of one repository on one registry (the OCI distribution spec's API, with Docker's token
/// authentication): manifests, blobs, uploads, cross-repository mounts and tags. It finds the endpoint to speak to
/// (mirrors, HTTPS, then plain HTTP where allowed), answers the registry's challenges (basic, or a bearer token from
/// the realm the registry names, for the scopes the operation needs), and follows redirects without carrying the
/// credentials to another host.
/// </summary>
public sealed class RegistryClient
{
    /// <summary>The largest manifest or index accepted (as containerd's limit): a bigger one is hostile.</summary>
    public const int MaxManifestBytes = 4 << 20;

    private const int MaxRedirects = 10;

    private static readonly HttpClient Verified = NewHttpClient(skipVerify: false, tls: null);
    private static readonly HttpClient Unverified = NewHttpClient(skipVerify: true, tls: null);

    // The clients of registries with certs.d files, by the files' version: one connection pool each, for the daemon's
    // life (a changed file makes a new one).
    private static readonly ConcurrentDictionary<string, HttpClient> TlsClients = new();

    // Which endpoint answered last for a registry: a warm pull does not probe HTTPS again before HTTP.
    private static readonly ConcurrentDictionary<string, RegistryEndpoint> KnownEndpoints = new();

    private readonly RegistryHosts _hosts;
    private readonly RegistryCredentials? _credentials;
    private readonly ConcurrentDictionary<string, string> _tokens = new();
    private RegistryEndpoint? _endpoint;
    private IReadOnlyList<AuthChallenge> _challenges = [];
    private IReadOnlyList<RegistryEndpoint>? _remaining;
    private readonly ConcurrentDictionary<string, HttpClient> _clients = new();

    public RegistryClient(RegistryHosts hosts, string domain, string repository, RegistryCredentials? credentials)
    {
        _hosts = hosts;
        Domain = domain;
        Repository = repository;
        _credentials = credentials is { IsEmpty: false } ? credentials : null;
    }

    /// <summary>The registry's name in references (<c>docker.io</c>, <c>localhost:5000</c>).</summary>
    public string Domain { get; }

    /// <summary>The repository's path (<c>library/busybox</c>).</summary>
    public string Repository { get; }

    /// <summary>The endpoint in use once one answered.</summary>
    public RegistryEndpoint? Endpoint => _endpoint;

    private static HttpClient NewHttpClient(bool skipVerify, RegistryTlsFiles? tls)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
            UseProxy = true,
        };
        if (skipVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (tls is { Roots.Count: > 0 })
        {
            var roots = new X509Certificate2Collection();
            foreach (var file in tls.Roots)
            {
                roots.AddRange(Load(file, () =>
                {
                    var certificates = new X509Certificate2Collection();
                    certificates.ImportFromPemFile(file);
                    return certificates;
                }));
            }
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => TrustedBy(roots, certificate, chain, errors);
        }
        if (tls is { ClientCertificates.Count: > 0 })
        {
            handler.SslOptions.ClientCertificates = [.. tls.ClientCertificates.Select(p => Load(p.Certificate, () => X509Certificate2.CreateFromPemFile(p.Certificate, p.Key)))];
        }
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.UserAgent.ParseAdd("berth/1.0 (linux)");
        return client;
    }

    /// <summary>A certs.d file that does not load is the user's error, named: not an internal one.</summary>
    private static T Load<T>(string file, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw BerthException.Invalid($"loading {file}: {e.Message}");
        }
    }

    /// <summary>compat(docker): a registry's certs.d roots are trusted besides the system's, not instead of them.</summary>
    private static bool TrustedBy(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // The intermediates the server sent.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
            chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
        }
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    /// <summary>
    /// <c>docker login</c>: <c>GET /v2/</c> on the endpoints in turn until one answers, then answers its challenge
    /// with the credentials. Returns the endpoint's base address.
    /// </summary>
    public async Task<Uri> LoginAsync(CancellationToken ct)
    {
        await EnsureEndpointAsync(ct).ConfigureAwait(false);
        if (_challenges.Count > 0)
        {
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url("/v2/")), [], ct, probe: true).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new BerthException(ErrorKind.Unauthorized, $"login attempt to {Url("/v2/")} failed with status: 401 Unauthorized");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorAsync(response, "login to " + Domain).ConfigureAwait(false);
            }
        }
        return _endpoint!.BaseAddress;
    }

    /// <summary>A manifest or index by tag or digest, with its media type and digest (verified when asked by
    /// digest, and against the registry's <c>Docker-Content-Digest</c> otherwise).</summary>
    public async Task<FetchedManifest> GetManifestAsync(string reference, CancellationToken ct)
    {
        while (true)
        {
            await EnsureEndpointAsync(ct).ConfigureAwait(false);
            try
            {
                return await GetManifestFromEndpointAsync(reference, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (_endpoint!.Mirror && e is BerthException or HttpRequestException && !ct.IsCancellationRequested)
            {
                // compat(docker): a mirror that fails is skipped; the next mirror or the registry itself is asked.
                Log.Info("registry: mirror failed, trying the next endpoint", ("mirror", _endpoint.BaseAddress.ToString()), ("error", e.Message));
                NextEndpoint();
            }
        }
    }

    private async Task<FetchedManifest> GetManifestFromEndpointAsync(string reference, CancellationToken ct)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, Url($"/v2/{Repository}/manifests/{reference}"));
            foreach (var type in ManifestMediaTypes.Accepted)
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }
            return request;
        }, [PullScope], ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw await ErrorAsync(response, "").ConfigureAwait(false);
        }
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, $"{Domain}/{Repository}").ConfigureAwait(false);
        }
        var bytes = await ReadLimitedAsync(response, MaxManifestBytes, "manifest", ct).ConfigureAwait(false);
        var digest = Digest.Of(bytes);
        if (Digest.TryParse(reference, out var asked) && asked != digest)
        {
            throw BerthException.Invalid($"manifest verification failed for digest {asked}: the registry sent content whose digest is {digest}");
        }
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var header) && Digest.TryParse(header.FirstOrDefault(), out var claimed) && claimed != digest)
        {
            throw BerthException.Invalid($"manifest for {Domain}/{Repository}:{reference}: the registry says its digest is {claimed}, its content's is {digest}");
        }
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        return new FetchedManifest(bytes, ManifestMediaTypes.Check(bytes, mediaType), digest);
    }

    /// <summary>The tags of the repository (all pages).</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken ct)
    {
        await EnsureEndpointAsync(ct).ConfigureAwait(false);
        var tags = new List<string>();
        var next = $"/v2/{Repository}/tags/list";
        for (var page = 0; next is not null && page < 1000; page++)
        {
            var target = next;
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url(target)), [PullScope], ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await ErrorAsync(response, $"{Domain}/{Repository}").ConfigureAwait(false);
            }
            var bytes = await ReadLimitedAsync(response, 16 << 20, "tag list", ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                tags.AddRange(list.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
            }
            next = NextPage(response);
        }
        return tags;
    }

    private static string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }
        foreach (var link in links)
        {
            var start = link.IndexOf('<', StringComparison.Ordinal);
            var end = link.IndexOf('>', StringComparison.Ordinal);
            if (start >= 0 && end > start && link.Contains("rel=\"next\"", StringComparison.Ordinal))
            {
                var target = link[(start + 1)..end];
                // Only a path on this registry: a Link to another host is not followed.
                return target.StartsWith("/v2/", StringComparison.Ordinal) ? target : null;
            }
        }
        return null;
    }

    /// <summary>Opens a blob for reading; the caller verifies its digest and size as it reads.</summary>
    public async Task<(Stream Content, long? Length)> OpenBlobAsync(Digest digest, CancellationToken ct)
    {
        await EnsureEndpointAsync(ct).ConfigureAwait(false);
        var response = await SendFollowingRedirectsAsync(HttpMethod.Get, Url($"/v2/{Repository}/blobs/{digest}"), [PullScope], ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await ErrorAsync(response, $"{Domain}/{Repository}@{digest}").ConfigureAwait(false);
            }
        }
        var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        return (new OwningStream(stream, response), response.Content.Headers.ContentLength);
    }

    /// <summary>Reads a small blob (a config) whole, verified.</summary>
    public async Task<byte[]> ReadBlobAsync(Digest digest, long size, long limit, CancellationToken ct)
    {
        if (size > limit)
        {
            throw BerthException.Invalid($"blob {digest} is {size} bytes: more than the {limit} allowed");
        }
        var (content, _) = await OpenBlobAsync(digest, ct).ConfigureAwait(false);
        await using (content.ConfigureAwait(false))
        {
            var buffer = new byte[size];
            var read = 0;
            while (read < size)
            {
                var n = await content.ReadAsync(buffer.AsMemory(read), ct).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                read += n;
            }
            var extra = new byte[1];
            if (read != size || await content.ReadAsync(extra, ct).ConfigureAwait(false) != 0)
            {
                throw BerthException.Invalid($"blob {digest}: the registry sent a size other than the {size} bytes its descriptor says");
            }
            if (Digest.Of(buffer) != digest)
            {
                throw BerthException.Invalid($"blob {digest}: digest mismatch (the registry sent content whose digest is {Digest.Of(buffer)})");
            }
            return buffer;
        }
    }

    /// <summary><c>HEAD</c> of a blob in this repository: its size, or null when the registry does not have it here.</summary>
    public async Task<long?> StatBlobAsync(Digest digest, CancellationToken ct)
    {
        await EnsureEndpointAsync(ct).ConfigureAwait(false);
        using var response = await SendFollowingRedirectsAsync(HttpMethod.Head, Url($"/v2/{Repository}/blobs/{digest}"), [PushScope], ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, $"{Domain}/{Repository}@{digest}").ConfigureAwait(false);
        }
        return response.Content.Headers.ContentLength ?? 0;
    }

    /// <summary>Asks the registry to mount a blob of another repository here; false when it would not.</summary>
    public async Task<bool> MountBlobAsync(Digest digest, string fromRepository, CancellationToken ct)
    {
        await EnsureEndpointAsync(ct).ConfigureAwait(false);
        using var response = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Post, Url($"/v2/{Repository}/blobs/uploads/?mount={digest}&from={Uri.EscapeDataString(fromRepository)}")) { Content = new ByteArrayContent([]) },
            [PushScope, $"repository:{fromRepository}:pull"], ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return true;
        }
        if (response.StatusCode == HttpStatusCode.Accepted && response.Headers.Location is { } location)
        {
            // The registry opened an upload instead: cancel it, the caller uploads.
            var target = Resolve(location);
            try
            {
                using var _ = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, target), [PushScope], ct).ConfigureAwait(false);
            }
            catch (HttpRequestException)
            {
            }
        }
        return false;
    }

    /// <summary>
    /// Uploads a blob: <c>POST</c> opens the session, one streamed <c>PATCH</c> carries what <paramref name="write"/>
    /// writes (which returns the content's digest and size, known only at its end), and <c>PUT ?digest=</c> commits.
    /// </summary>
    public async Task<(Digest Digest, long Size)> UploadBlobAsync(Func<Stream, CancellationToken, Task<(Digest, long)>> write, CancellationToken ct)
    {
        var location = await StartUploadAsync(ct).ConfigureAwait(false);
        var content = new StreamingContent(write);
        using (var patch = await SendAsync(() => new HttpRequestMessage(HttpMethod.Patch, location) { Content = content }, [PushScope], ct, retryable: false).ConfigureAwait(false))
        {
            if (patch.StatusCode != HttpStatusCode.Accepted)
            {
                throw await ErrorAsync(patch, $"upload to {Domain}/{Repository}").ConfigureAwait(false);
            }
            location = patch.Headers.Location is { } l ? Resolve(l) : location;
        }
        var (digest, size) = content.Result ?? throw new InvalidOperationException("the upload's content was never written");
        await CommitUploadAsync(location, digest, null, ct).ConfigureAwait(false);
        return (digest, size);
    }

    /// <summary>Uploads a blob whose bytes are in memory (a config), in one <c>PUT</c>.</summary>
    public async Task UploadBlobAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        var location = await StartUploadAsync(ct).ConfigureAwait(false);
        await CommitUploadAsync(location, Digest.Of(bytes.Span), bytes, ct).ConfigureAwait(false);
    }

    private async Task<Uri> StartUploadAsync(CancellationToken ct)
    {
        await EnsureEndpointAsync(ct).ConfigureAwait(false);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, Url($"/v2/{Repository}/blobs/uploads/")) { Content = new ByteArrayContent([]) }, [PushScope], ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Accepted || response.Headers.Location is null)
        {
            throw await ErrorAsync(response, $"upload to {Domain}/{Repository}").ConfigureAwait(false);
        }
        return Resolve(response.Headers.Location);
    }

    private async Task CommitUploadAsync(Uri location, Digest digest, ReadOnlyMemory<byte>? bytes, CancellationToken ct)
    {
        var target = location + (location.Query.Length > 0 ? "&" : "?") + "digest=" + Uri.EscapeDataString(digest.Value);
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, target) { Content = new ReadOnlyMemoryContent(bytes ?? ReadOnlyMemory<byte>.Empty) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            return request;
        }, [PushScope], ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw await ErrorAsync(response, $"upload of {digest} to {Domain}/{Repository}").ConfigureAwait(false);
        }
    }

    /// <summary><c>PUT</c> of a manifest under a tag; returns its digest, checked against the registry's.</summary>
    public async Task<Digest> PutManifestAsync(string tag, byte[] manifest, string mediaType, CancellationToken ct)
    {
        await EnsureEndpointAsync(ct).ConfigureAwait(false);
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, Url($"/v2/{Repository}/manifests/{tag}")) { Content = new ByteArrayContent(manifest) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
            return request;
        }, [PushScope], ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw await ErrorAsync(response, $"{Domain}/{Repository}:{tag}").ConfigureAwait(false);
        }
        var digest = Digest.Of(manifest);
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var header) && Digest.TryParse(header.FirstOrDefault(), out var claimed) && claimed != digest)
        {
            throw BerthException.Invalid($"the registry says the manifest it stored has digest {claimed}, the one sent has {digest}");
        }
        return digest;
    }

    private string PullScope => $"repository:{Repository}:pull";

    private string PushScope => $"repository:{Repository}:pull,push";

    private Uri Url(string pathAndQuery) => new(_endpoint!.BaseAddress, pathAndQuery);

    private Uri Resolve(Uri location) => location.IsAbsoluteUri ? location : new Uri(_endpoint!.BaseAddress, location);

    private HttpClient Http(RegistryEndpoint endpoint) => HttpFor(endpoint.BaseAddress, endpoint.SkipTlsVerify);

    /// <summary>The client for HTTPS to <paramref name="address"/>'s host: with its certs.d roots and client
    /// certificates when it has some (presented even when verification is skipped, as dockerd does).</summary>
    private HttpClient HttpFor(Uri address, bool skipVerify) =>
        address.Scheme != "https" ? Verified : _clients.GetOrAdd((skipVerify ? "skip " : "verify ") + address.Authority, _ =>
            _hosts.Certificates.For(address.Authority) is { } tls
                ? TlsClients.GetOrAdd((skipVerify ? "skip\n" : "verify\n") + tls.Version, _ => NewHttpClient(skipVerify, tls))
                : skipVerify ? Unverified : Verified);

    private async Task EnsureEndpointAsync(CancellationToken ct)
    {
        if (_endpoint is not null)
        {
            return;
        }
        var candidates = _remaining ?? _hosts.Endpoints(Domain);
        if (_remaining is null && KnownEndpoints.TryGetValue(Domain, out var known) && candidates.Contains(known))
        {
            // The endpoint that answered last time goes first.
            candidates = [known, .. candidates.Where(c => c != known)];
        }
        Exception? last = null;
        for (var i = 0; i < candidates.Count; i++)
        {
            var endpoint = candidates[i];
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint.BaseAddress, "/v2/"));
                using var response = await Http(endpoint).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    _challenges = response.Headers.WwwAuthenticate.Select(h => h.ToString()).SelectMany(AuthChallenge.Parse).ToList();
                }
                else if (!response.IsSuccessStatusCode && endpoint.Mirror)
                {
                    last = new HttpRequestException($"mirror {endpoint.BaseAddress} answered {(int)response.StatusCode}");
                    continue;
                }
                _endpoint = endpoint;
                _remaining = candidates.Skip(i + 1).ToList();
                KnownEndpoints[Domain] = endpoint;
                return;
            }
            catch (HttpRequestException e) when (!ct.IsCancellationRequested)
            {
                last = e;
            }
        }
        var first = candidates.Count > 0 ? candidates[^1].BaseAddress : new Uri("https://" + Domain);
        throw new BerthException(ErrorKind.Unavailable, $"Get \"{new Uri(first, "/v2/")}\": {Describe(last)}");
    }

    private void NextEndpoint()
    {
        if (_remaining is not { Count: > 0 })
        {
            throw new BerthException(ErrorKind.Unavailable, $"no endpoint of {Domain} answered");
        }
        _endpoint = null;
        _challenges = [];
        _tokens.Clear();
    }

    private static string Describe(Exception? e)
    {
        var inner = e;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }
        return inner?.Message ?? "no endpoint answered";
    }

    /// <summary>Sends with the authorization the registry asked for; on a 401 with a new challenge (another scope),
    /// gets a token for it and sends once more (a streamed body cannot be sent twice: <paramref name="retryable"/>).</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, IReadOnlyList<string> scopes, CancellationToken ct, bool retryable = true, bool probe = false)
    {
        var http = Http(_endpoint!);
        var request = make();
        await AuthorizeAsync(request, scopes, ct).ConfigureAwait(false);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || !retryable)
        {
            return response;
        }
        var challenges = response.Headers.WwwAuthenticate.Select(h => h.ToString()).SelectMany(AuthChallenge.Parse).ToList();
        if (challenges.Count == 0)
        {
            return response;
        }
        response.Dispose();
        _challenges = challenges;
        _tokens.Clear();
        var retry = make();
        await AuthorizeAsync(retry, scopes, ct).ConfigureAwait(false);
        var second = await http.SendAsync(retry, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        if (second.StatusCode == HttpStatusCode.Unauthorized && !probe)
        {
            using (second)
            {
                throw await ErrorAsync(second, $"{Domain}/{Repository}").ConfigureAwait(false);
            }
        }
        return second;
    }

    private static string TokenKey(IReadOnlyList<string> scopes) => string.Join(' ', scopes);

    private async Task AuthorizeAsync(HttpRequestMessage request, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        if (_credentials?.RegistryToken is { } registryToken)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", registryToken);
            return;
        }
        var bearer = _challenges.FirstOrDefault(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
        if (bearer is not null)
        {
            var key = TokenKey(scopes);
            if (!_tokens.TryGetValue(key, out var token))
            {
                var extra = bearer["scope"] is { } s ? s.Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
                token = await FetchTokenAsync(bearer, [.. scopes, .. extra.Where(x => !scopes.Contains(x))], ct).ConfigureAwait(false);
                _tokens[key] = token;
            }
            if (token.Length > 0)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }
            return;
        }
        if (_challenges.Any(c => c.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase)) && _credentials is { Username: { } user })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + _credentials.Password)));
        }
    }

    /// <summary>Docker's token flow: <c>GET realm?service=…&amp;scope=…</c> with basic credentials (or, with an
    /// identity token, the OAuth2 refresh-token grant).</summary>
    private async Task<string> FetchTokenAsync(AuthChallenge bearer, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        if (!Uri.TryCreate(bearer["realm"], UriKind.Absolute, out var realm) || realm.Scheme is not ("http" or "https"))
        {
            throw new BerthException(ErrorKind.Unauthorized, $"{Domain}: the registry's token realm \"{bearer["realm"]}\" is not an http(s) address");
        }
        // Credentials never travel in clear text to a realm unless the registry itself is spoken to in clear text.
        var mayCarryCredentials = realm.Scheme == "https" || _endpoint!.BaseAddress.Scheme == "http";
        var service = bearer["service"];
        HttpRequestMessage request;
        if (_credentials?.IdentityToken is { } refresh && mayCarryCredentials)
        {
            var form = new List<KeyValuePair<string, string>>
            {
                new("grant_type", "refresh_token"), new("refresh_token", refresh), new("client_id", "berth"),
            };
            if (service is not null)
            {
                form.Add(new("service", service));
            }
            form.Add(new("scope", string.Join(' ', scopes)));
            request = new HttpRequestMessage(HttpMethod.Post, realm) { Content = new FormUrlEncodedContent(form) };
        }
        else
        {
            var query = new StringBuilder(realm.Query.Length > 0 ? realm.Query[1..] + "&" : "");
            if (service is not null)
            {
                query.Append("service=").Append(Uri.EscapeDataString(service)).Append('&');
            }
            foreach (var scope in scopes)
            {
                query.Append("scope=").Append(Uri.EscapeDataString(scope)).Append('&');
            }
            var builder = new UriBuilder(realm) { Query = query.ToString().TrimEnd('&') };
            request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
            if (_credentials is { Username: { } user } && mayCarryCredentials)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + _credentials.Password)));
            }
        }
        using (request)
        {
            var http = realm.Authority == _endpoint!.BaseAddress.Authority ? Http(_endpoint) : HttpFor(realm, skipVerify: false);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = await ErrorAsync(response, "").ConfigureAwait(false);
                throw new BerthException(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? ErrorKind.Unauthorized : ErrorKind.Unknown,
                    $"Get \"{realm.GetLeftPart(UriPartial.Path)}\": {(response.StatusCode == HttpStatusCode.Unauthorized ? "unauthorized: incorrect username or password" : error.Message)}");
            }
            var bytes = await ReadLimitedAsync(response, 1 << 20, "token", ct).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(bytes);
            foreach (var name in (string[])["token", "access_token"])
            {
                if (doc.RootElement.TryGetProperty(name, out var t) && t.ValueKind == JsonValueKind.String && t.GetString() is { Length: > 0 } token)
                {
                    return token;
                }
            }
            throw new BerthException(ErrorKind.Unauthorized, $"{Domain}: the token server's answer holds no token");
        }
    }

    /// <summary>Follows a registry's redirects (blob storage elsewhere) itself: the Authorization header goes only to
    /// the registry's own host, never to the host a redirect names.</summary>
    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(HttpMethod method, Uri url, IReadOnlyList<string> scopes, CancellationToken ct)
    {
        var response = await SendAsync(() => new HttpRequestMessage(method, url), scopes, ct).ConfigureAwait(false);
        var current = url;
        for (var hop = 0; hop < MaxRedirects && IsRedirect(response.StatusCode) && response.Headers.Location is { } location; hop++)
        {
            response.Dispose();
            current = location.IsAbsoluteUri ? location : new Uri(current, location);
            if (current.Scheme is not ("http" or "https"))
            {
                throw BerthException.Invalid($"the registry redirected to \"{current}\", which is not an http(s) address");
            }
            if (current.Authority == _endpoint!.BaseAddress.Authority && current.Scheme == _endpoint.BaseAddress.Scheme)
            {
                var target = current;
                response = await SendAsync(() => new HttpRequestMessage(method, target), scopes, ct).ConfigureAwait(false);
            }
            else
            {
                using var request = new HttpRequestMessage(method, current);
                response = await HttpFor(current, skipVerify: false).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            }
        }
        return response;
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static async Task<byte[]> ReadLimitedAsync(HttpResponseMessage response, int limit, string what, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > limit)
        {
            throw BerthException.Invalid($"{what} is {response.Content.Headers.ContentLength} bytes: more than the {limit} allowed");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + n > limit)
            {
                throw BerthException.Invalid($"{what} is more than the {limit} bytes allowed");
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    /// <summary>A registry's error answer as Docker words it: <c>manifest unknown: manifest unknown</c>.</summary>
    private static async Task<BerthException> ErrorAsync(HttpResponseMessage response, string what)
    {
        var kind = response.StatusCode switch
        {
            HttpStatusCode.NotFound => ErrorKind.NotFound,
            HttpStatusCode.Unauthorized => ErrorKind.Unauthorized,
            HttpStatusCode.Forbidden => ErrorKind.Forbidden,
            HttpStatusCode.BadRequest => ErrorKind.InvalidArgument,
            HttpStatusCode.MethodNotAllowed => ErrorKind.Forbidden,
            HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable => ErrorKind.Unavailable,
            _ => ErrorKind.Unknown,
        };
        string? text = null;
        try
        {
            var bytes = await ReadLimitedAsync(response, 64 << 10, "error", CancellationToken.None).ConfigureAwait(false);
            using var doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array)
            {
                text = string.Join("; ", errors.EnumerateArray().Select(e =>
                    (e.TryGetProperty("code", out var c) ? (c.GetString() ?? "").Replace('_', ' ').ToLowerInvariant() : "unknown") + ": " +
                    (e.TryGetProperty("message", out var m) ? m.GetString() : "")));
            }
        }
        catch (Exception e) when (e is JsonException or BerthException or HttpRequestException or IOException)
        {
        }
        text ??= response.StatusCode == HttpStatusCode.Unauthorized ? "unauthorized: authentication required"
            : $"unexpected status from {response.RequestMessage?.Method} request to {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase}";
        return new BerthException(kind, what.Length > 0 && kind != ErrorKind.NotFound ? $"{what}: {text}" : text);
    }

    /// <summary>A request body written by the caller as it is sent, whose digest and size are known at its end.</summary>
    private sealed class StreamingContent(Func<Stream, CancellationToken, Task<(Digest, long)>> write) : HttpContent
    {
        public (Digest, long)? Result { get; private set; }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
            Result = await write(stream, cancellationToken).ConfigureAwait(false);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>A response body that disposes its response with it.</summary>
    private sealed class OwningStream(Stream inner, HttpResponseMessage response) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

/// <summary>A manifest or index as the registry sent it.</summary>
public sealed record FetchedManifest(byte[] Bytes, string MediaType, Digest Digest);

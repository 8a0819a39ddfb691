using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Berth.Distribution.Server;

namespace Berth.Distribution.Tests;

/// <summary>A registry on 127.0.0.1 (a free port) over a throwaway root, and an HttpClient speaking to it.</summary>
public sealed class RegistryFixture : IAsyncDisposable
{
    private RegistryServer _server;
    private bool _ownsRoot;

    private readonly RegistryServerOptions _options;
    private readonly Func<HttpMessageHandler>? _handler;

    private RegistryFixture(string root, RegistryServer server, IPEndPoint endpoint, RegistryServerOptions options, Func<HttpMessageHandler>? handler)
    {
        Root = root;
        _server = server;
        EndPoint = endpoint;
        _options = options;
        _handler = handler;
        ReadOnly = options.ReadOnly;
        Client = NewClient();
    }

    /// <summary>http, or https when the server speaks TLS.</summary>
    public string Scheme => _options.ConnectionFilter is null ? "http" : "https";

    public Uri BaseAddress => new($"{Scheme}://{EndPoint}");

    private HttpClient NewClient() =>
        new(_handler?.Invoke() ?? new SocketsHttpHandler(), disposeHandler: true) { BaseAddress = BaseAddress };

    public string Root { get; }

    public IPEndPoint EndPoint { get; private set; }

    public bool ReadOnly { get; }

    public HttpClient Client { get; private set; }

    public static RegistryFixture Start(string? root = null, bool readOnly = false) =>
        Start(new RegistryServerOptions { ReadOnly = readOnly }, null, root);

    /// <summary>A registry with these options (TLS, authentication); <paramref name="handler"/> makes the
    /// client's handler (one trusting a test CA, presenting a client certificate).</summary>
    public static RegistryFixture Start(RegistryServerOptions options, Func<HttpMessageHandler>? handler, string? root = null)
    {
        var owned = root is null;
        root ??= Path.Combine(Path.GetTempPath(), "berth-registry-" + Guid.NewGuid().ToString("N"));
        var (server, ep) = Launch(root, options, 0);
        return new RegistryFixture(root, server, ep, options, handler) { _ownsRoot = owned };
    }

    private static (RegistryServer, IPEndPoint) Launch(string root, RegistryServerOptions options, int port)
    {
        var server = new RegistryServer(new RegistryStore(root), options);
        var ep = server.ListenTcp(new IPEndPoint(IPAddress.Loopback, port));
        server.Start();
        return (server, ep);
    }

    /// <summary>Stops the server and starts a new one over the same root (and port), as a restarted registry.</summary>
    public async Task RestartAsync()
    {
        await _server.DisposeAsync();
        Client.Dispose();
        (_server, EndPoint) = Launch(Root, _options, EndPoint.Port);
        Client = NewClient();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _server.DisposeAsync();
        if (_ownsRoot)
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    // ---- what the storage tree holds

    public string[] BlobFiles() =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, "blobs"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    /// <summary>Files under uploads/ that belong to no session: temp files of failed writes.</summary>
    public string[] StrayUploadFiles() =>
        [.. Directory.EnumerateFileSystemEntries(Path.Combine(Root, "uploads")).Select(Path.GetFileName).OfType<string>().Where(n => !Guid.TryParseExact(n, "D", out _))];

    public string[] Sessions() =>
        [.. Directory.EnumerateDirectories(Path.Combine(Root, "uploads")).Select(Path.GetFileName).OfType<string>().Where(n => Guid.TryParseExact(n, "D", out _))];

    // ---- client helpers

    public static string DigestOf(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    public async Task<string> PushBlobAsync(string repo, byte[] content)
    {
        var digest = DigestOf(content);
        using var r = await Client.PostAsync($"/v2/{repo}/blobs/uploads/?digest={digest}", new ByteArrayContent(content));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        return digest;
    }

    public async Task<HttpResponseMessage> PutManifestAsync(string repo, string reference, string body, string mediaType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return await Client.PutAsync($"/v2/{repo}/manifests/{reference}", content);
    }

    /// <summary>Pushes a config and one layer, and returns an OCI manifest referencing them.</summary>
    public async Task<string> ImageManifestAsync(string repo, string layerText, string? subject = null, string? artifactType = null)
    {
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        var layer = Encoding.UTF8.GetBytes(layerText);
        var cd = await PushBlobAsync(repo, config);
        var ld = await PushBlobAsync(repo, layer);
        return Manifest(cd, config.Length, ld, layer.Length, subject, artifactType);
    }

    public static string Manifest(string configDigest, long configSize, string layerDigest, long layerSize, string? subject = null, string? artifactType = null, string configType = "application/vnd.oci.image.config.v1+json")
    {
        var sb = new StringBuilder();
        sb.Append("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",");
        if (artifactType is not null)
        {
            sb.Append("\"artifactType\":\"").Append(artifactType).Append("\",");
        }
        sb.Append("\"config\":{\"mediaType\":\"").Append(configType).Append("\",\"digest\":\"").Append(configDigest).Append("\",\"size\":").Append(configSize).Append("},");
        sb.Append("\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"").Append(layerDigest).Append("\",\"size\":").Append(layerSize).Append("}]");
        if (subject is not null)
        {
            sb.Append(",\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"").Append(subject).Append("\",\"size\":1}");
        }
        return sb.Append('}').ToString();
    }

    /// <summary>Sends a request exactly as written (HttpClient would normalise <c>../</c>) and returns the status line and body.</summary>
    public async Task<(int Status, string Body)> RawAsync(string requestLine)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(EndPoint);
        var s = tcp.GetStream();
        await s.WriteAsync(Encoding.ASCII.GetBytes(requestLine + "\r\nHost: registry\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(s);
        var all = await reader.ReadToEndAsync();
        var status = int.Parse(all.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, all[(all.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
    }
}

using System.Globalization;
using Berth.Http;

namespace Berth.Cli.Api;

/// <summary>
/// The Docker Engine API client: one <c>HEAD /_ping</c> per process to learn the API version (fallback
/// <c>GET</c> on 405, 1.24 without header, capped at 1.50), then <c>/v{version}/...</c> requests. Sequential calls
/// share one keep-alive connection; streams and parallel work take their own.
/// </summary>
internal sealed class DockerClient : IDisposable
{
    /// <summary>The newest API version this client speaks (docker CLI 28.2's).</summary>
    public const string MaxApiVersion = "1.50";

    public const string UserAgent = "Berth-Client/" + BerthInfo.Version + " (linux)";

    private readonly string _path;
    private ApiConnection? _primary;
    private string? _version;
    private bool _contextDigests;

    public DockerClient(string host)
    {
        Host = host;
        _path = host["unix://".Length..];
    }

    /// <summary>The daemon address as the user gave it, <c>unix:///run/berth/berth.sock</c>.</summary>
    public string Host { get; }

    /// <summary>The negotiated API version; pings the daemon the first time.</summary>
    public string Version => _version ??= Negotiate();

    /// <summary>Whether the daemon's ping said it takes a build context sent by digest (berthd's
    /// <c>Berth-Context-Digests</c> header; dockerd has none).</summary>
    public bool TakesContextDigests
    {
        get
        {
            _ = Version;
            return _contextDigests;
        }
    }

    public ApiConnection Connect() => ApiConnection.Open(_path, Host);

    private ApiConnection Primary()
    {
        if (_primary is { Reusable: false })
        {
            _primary.Dispose();
            _primary = null;
        }
        return _primary ??= Connect();
    }

    private static HttpHeaders BaseHeaders()
    {
        var h = new HttpHeaders();
        h["Host"] = "api.moby.localhost";
        h["User-Agent"] = UserAgent;
        return h;
    }

    private string Negotiate()
    {
        var conn = Primary();
        var head = conn.Send("HEAD", "/_ping", BaseHeaders());
        conn.ReadBody(head, "HEAD");
        if (head.Status == 405)
        {
            head = conn.Send("GET", "/_ping", BaseHeaders());
            conn.ReadBody(head, "GET");
        }
        _contextDigests = head.Headers[Common.ContextByDigest.PingHeader] == "1";
        return PickVersion(head.Headers["Api-Version"]);
    }

    /// <summary>compat(docker): the version the CLI uses for a ping answer.</summary>
    internal static string PickVersion(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return "1.24";
        }
        return CompareVersions(header, MaxApiVersion) > 0 ? MaxApiVersion : header;
    }

    internal static int CompareVersions(string a, string b)
    {
        var pa = a.Split('.');
        var pb = b.Split('.');
        for (var i = 0; i < Math.Max(pa.Length, pb.Length); i++)
        {
            var x = i < pa.Length && int.TryParse(pa[i], NumberStyles.None, CultureInfo.InvariantCulture, out var xa) ? xa : 0;
            var y = i < pb.Length && int.TryParse(pb[i], NumberStyles.None, CultureInfo.InvariantCulture, out var yb) ? yb : 0;
            if (x != y)
            {
                return x.CompareTo(y);
            }
        }
        return 0;
    }

    public bool VersionAtLeast(string v) => CompareVersions(Version, v) >= 0;

    public string Target(string path, GoQuery? query)
    {
        var target = "/v" + Version + path;
        return query is null || query.IsEmpty ? target : target + "?" + query.Encode();
    }

    /// <summary>A request whose whole answer is read; throws <see cref="DaemonException"/> for 4xx/5xx.</summary>
    public (int Status, byte[] Body, HttpHeaders Headers) Call(string method, string path, GoQuery? query = null, byte[]? json = null)
    {
        var conn = Primary();
        var target = Target(path, query);
        var headers = BaseHeaders();
        HttpResponseHead head;
        if (json is not null)
        {
            headers["Content-Type"] = "application/json";
            head = conn.Send(method, target, headers, new MemoryStream(json), json.Length);
        }
        else
        {
            head = conn.Send(method, target, headers);
        }
        var body = conn.ReadBody(head, method);
        if (head.Status >= 400)
        {
            throw ApiConnection.ToError(head, body, target);
        }
        return (head.Status, body, head.Headers);
    }

    /// <summary>
    /// A request whose answer is read as a stream, on <paramref name="conn"/> or a fresh connection; the caller
    /// owns the returned connection.
    /// </summary>
    public (ApiConnection Conn, HttpResponseHead Head, Stream Body) Stream(string method, string path, GoQuery? query = null,
        Stream? upload = null, string? contentType = null, byte[]? json = null, ApiConnection? conn = null, HttpHeaders? extraHeaders = null)
    {
        _ = Version;
        conn ??= Connect();
        var target = Target(path, query);
        var headers = BaseHeaders();
        if (extraHeaders is not null)
        {
            foreach (var (k, v) in extraHeaders)
            {
                headers[k] = v;
            }
        }
        HttpResponseHead head;
        if (json is not null)
        {
            headers["Content-Type"] = "application/json";
            head = conn.Send(method, target, headers, new MemoryStream(json), json.Length);
        }
        else if (upload is not null)
        {
            headers["Content-Type"] = contentType ?? "text/plain";
            head = conn.Send(method, target, headers, upload);
        }
        else
        {
            head = conn.Send(method, target, headers);
        }
        if (head.Status >= 400)
        {
            var body = conn.ReadBody(head, method);
            conn.Dispose();
            throw ApiConnection.ToError(head, body, target);
        }
        return (conn, head, conn.OpenBody(head, method));
    }

    /// <summary>A hijacked <c>POST .../attach</c>: <c>101 UPGRADED</c>, then a raw two-way stream on the returned connection.</summary>
    public ApiConnection Hijack(string path, GoQuery query, byte[]? json = null)
    {
        _ = Version;
        var conn = Connect();
        var target = Target(path, query);
        var headers = BaseHeaders();
        headers["Connection"] = "Upgrade";
        headers["Upgrade"] = "tcp";
        HttpResponseHead head;
        if (json is not null)
        {
            // exec start: a JSON body and the upgrade in one request, as the docker CLI sends it
            headers["Content-Type"] = "application/json";
            head = conn.Send("POST", target, headers, new MemoryStream(json), json.Length);
        }
        else
        {
            headers["Content-Length"] = "0";
            headers["Content-Type"] = "text/plain";
            head = conn.Send("POST", target, headers);
        }
        if (head.Status >= 400)
        {
            var body = conn.ReadBody(head, "POST");
            conn.Dispose();
            throw ApiConnection.ToError(head, body, target);
        }
        conn.Upgraded();
        return conn;
    }

    public void Dispose() => _primary?.Dispose();
}

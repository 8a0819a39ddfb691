using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Berth.Cli.Tests;

/// <summary>A request as it reached <see cref="FakeDaemon"/>: the API version of its path, the target without that prefix, the body bytes.</summary>
internal sealed record RecordedRequest(string Method, string Version, string Target, string? ContentType, byte[] Body)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    public override string ToString() => Method + " " + Target;
}

/// <summary>
/// A stand-in for the daemon on a unix socket, for the request shapes and the output of whole commands: canned
/// answers per "METHOD /path" (version prefix and query left out of the match), every request recorded as sent.
/// Only ordering and wire shapes are checked here; the real daemon is the end-to-end suite's business.
/// </summary>
internal sealed class FakeDaemon : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-cli-test-").FullName;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Dictionary<string, (int Status, string? Json)> _routes = new(StringComparer.Ordinal);
    private readonly List<RecordedRequest> _requests = [];
    private readonly string _apiVersion;

    public FakeDaemon(string apiVersion = "1.41")
    {
        _apiVersion = apiVersion;
        var path = Path.Combine(_dir, "d.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(8);
        Host = "unix://" + path;
        new Thread(AcceptLoop) { IsBackground = true }.Start();
    }

    public string Host { get; }

    /// <summary>Every request but the version ping, in arrival order.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests.Where(r => r.Target != "/_ping")];
            }
        }
    }

    /// <summary>Answers <paramref name="methodAndPath"/> (<c>"GET /networks/x"</c>) with <paramref name="status"/> and a JSON body (compact, plus newline).</summary>
    public FakeDaemon On(string methodAndPath, int status, string? json = null)
    {
        _routes[methodAndPath] = (status, json);
        return this;
    }

    private void AcceptLoop()
    {
        while (true)
        {
            Socket conn;
            try
            {
                conn = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            new Thread(() => Serve(conn)) { IsBackground = true }.Start();
        }
    }

    private void Serve(Socket conn)
    {
        using var stream = new NetworkStream(conn, ownsSocket: true);
        var buffer = new List<byte>();
        var one = new byte[4096];
        try
        {
            while (true)
            {
                int headEnd;
                while ((headEnd = IndexOfHeadEnd(buffer)) < 0)
                {
                    var n = stream.Read(one);
                    if (n == 0)
                    {
                        return;
                    }
                    buffer.AddRange(one.AsSpan(0, n));
                }
                var head = Encoding.ASCII.GetString([.. buffer.Take(headEnd)]).Split("\r\n");
                buffer.RemoveRange(0, headEnd + 4);
                var requestLine = head[0].Split(' ');
                var headers = head.Skip(1).Select(h => h.Split(':', 2)).ToDictionary(h => h[0].Trim(), h => h[1].Trim(), StringComparer.OrdinalIgnoreCase);
                byte[] body;
                if (headers.TryGetValue("Transfer-Encoding", out var te) && te == "chunked")
                {
                    body = ReadChunked(stream, buffer, one);
                }
                else
                {
                    var length = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl, CultureInfo.InvariantCulture) : 0;
                    if (!Fill(stream, buffer, one, length))
                    {
                        return;
                    }
                    body = buffer.Take(length).ToArray();
                    buffer.RemoveRange(0, length);
                }
                var target = requestLine[1];
                var version = "";
                if (target.StartsWith("/v1.", StringComparison.Ordinal))
                {
                    version = target[2..target.IndexOf('/', 1)];
                    target = target[target.IndexOf('/', 1)..];
                }
                lock (_requests)
                {
                    _requests.Add(new RecordedRequest(requestLine[0], version, target, headers.GetValueOrDefault("Content-Type"), body)
                    {
                        Headers = headers,
                    });
                }
                stream.Write(Answer(requestLine[0], target));
            }
        }
        catch (IOException)
        {
        }
    }

    private static bool Fill(NetworkStream stream, List<byte> buffer, byte[] one, int count)
    {
        while (buffer.Count < count)
        {
            var n = stream.Read(one);
            if (n == 0)
            {
                return false;
            }
            buffer.AddRange(one.AsSpan(0, n));
        }
        return true;
    }

    /// <summary>A chunked request body (build and load uploads), decoded.</summary>
    private static byte[] ReadChunked(NetworkStream stream, List<byte> buffer, byte[] one)
    {
        var body = new List<byte>();
        while (true)
        {
            int lineEnd;
            while ((lineEnd = IndexOfCrLf(buffer)) < 0)
            {
                if (!Fill(stream, buffer, one, buffer.Count + 1))
                {
                    throw new IOException("eof in chunk size");
                }
            }
            var size = int.Parse(Encoding.ASCII.GetString([.. buffer.Take(lineEnd)]).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            buffer.RemoveRange(0, lineEnd + 2);
            if (!Fill(stream, buffer, one, size + 2))
            {
                throw new IOException("eof in chunk");
            }
            body.AddRange(buffer.Take(size));
            buffer.RemoveRange(0, size + 2);
            if (size == 0)
            {
                return [.. body];
            }
        }
    }

    private static int IndexOfCrLf(List<byte> b)
    {
        for (var i = 0; i + 1 < b.Count; i++)
        {
            if (b[i] == '\r' && b[i + 1] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    private byte[] Answer(string method, string target)
    {
        var (status, json) = target == "/_ping" ? (200, null)
            : _routes.TryGetValue(method + " " + target.Split('?')[0], out var route) ? route
            : (404, "{\"message\":\"page not found\"}");
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {Reason(status)}\r\nApi-Version: {_apiVersion}\r\n");
        var body = json is null ? [] : Encoding.UTF8.GetBytes(json + "\n");
        if (json is not null)
        {
            sb.Append("Content-Type: application/json\r\n");
        }
        if (status != 204)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
        }
        sb.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(sb.ToString()), .. body];
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Error",
    };

    private static int IndexOfHeadEnd(List<byte> b)
    {
        for (var i = 0; i + 3 < b.Count; i++)
        {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

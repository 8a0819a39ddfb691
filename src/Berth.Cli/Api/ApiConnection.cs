using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Berth.Http;

namespace Berth.Cli.Api;

/// <summary>One HTTP/1.1 connection to the daemon's socket, used for one request at a time.</summary>
internal sealed class ApiConnection : IDisposable
{
    private readonly SocketStream _stream;
    private readonly HttpClientConnection _http;

    private ApiConnection(SocketStream stream)
    {
        _stream = stream;
        _http = HttpClientConnection.Over(stream);
    }

    /// <summary>False once a body was read to end-of-connection or a connection was upgraded.</summary>
    public bool Reusable { get; private set; } = true;

    public HttpReader Reader => _http.Reader;

    public static ApiConnection Open(string path, string host)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            if (e.SocketErrorCode == SocketError.AccessDenied)
            {
                throw new DaemonException(0, $"permission denied while trying to connect to the Docker daemon socket at {host}: dial unix {path}: connect: permission denied");
            }
            // compat(docker): the docker CLI's words, so scripts that look for them still work.
            throw new DaemonException(0, $"Cannot connect to the Docker daemon at {host}. Is the docker daemon running?");
        }
        return new ApiConnection(new SocketStream(socket));
    }

    public HttpResponseHead Send(string method, string target, HttpHeaders headers, Stream? body = null, long? length = null)
    {
        try
        {
            return _http.SendAsync(method, target, headers, body, length).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is Berth.Http.HttpProtocolException or SocketException or IOException)
        {
            Reusable = false;
            throw new DaemonException(0, $"error during connect: {method} {target}: {e.Message}");
        }
    }

    /// <summary>The response body as a stream ending where the body ends.</summary>
    public Stream OpenBody(HttpResponseHead head, string method)
    {
        if (method == "HEAD")
        {
            return new MemoryStream([]);
        }
        if (!head.Headers.IsChunked && head.Headers.ContentLength is null && head.Status is not (204 or 304 or 101))
        {
            Reusable = false;
        }
        return _http.OpenBody(head);
    }

    public byte[] ReadBody(HttpResponseHead head, string method)
    {
        using var body = OpenBody(head, method);
        var ms = new MemoryStream();
        try
        {
            body.CopyTo(ms);
        }
        catch (Exception e) when (e is Berth.Http.HttpProtocolException or SocketException or IOException)
        {
            Reusable = false;
            throw new DaemonException(0, "error reading response: " + e.Message);
        }
        return ms.ToArray();
    }

    /// <summary>Turns an error status into docker's message (the client's checkResponseErr).</summary>
    public static DaemonException ToError(HttpResponseHead head, byte[] body, string target)
    {
        if (body.Length == 0)
        {
            return new DaemonException(head.Status,
                $"Error response from daemon: request returned {HttpResponseHead.ReasonPhrase(head.Status)} for API route and version {target}, check if the server supports the requested API version");
        }
        var text = Encoding.UTF8.GetString(body).Trim();
        var message = text;
        if (head.Headers["Content-Type"]?.StartsWith("application/json", StringComparison.Ordinal) == true)
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) && m.GetString() is { Length: > 0 } s)
                {
                    message = s.Trim();
                }
            }
            catch (JsonException)
            {
                return new DaemonException(head.Status, "Error reading JSON: " + text);
            }
        }
        return new DaemonException(head.Status, "Error response from daemon: " + message);
    }

    /// <summary>After a <c>101</c>: the raw stream to write to (reads go through <see cref="Reader"/>).</summary>
    public Stream Upgraded()
    {
        Reusable = false;
        return _stream;
    }

    /// <summary>Half-close: the daemon reads end-of-stdin, output keeps flowing.</summary>
    public void ShutdownWrite()
    {
        try
        {
            _stream.Socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Wakes a reader blocked on this connection (used to stop streaming).</summary>
    public void Abort()
    {
        try
        {
            _stream.Socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose() => _http.Dispose();
}

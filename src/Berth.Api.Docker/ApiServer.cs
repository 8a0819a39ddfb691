using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Http;
using HttpProtocolException = Berth.Http.HttpProtocolException;

namespace Berth.Api.Docker;

/// <summary>
/// The Engine API's HTTP/1.1 server on unix sockets and TCP (with TLS): keep-alive, chunked bodies both ways, version prefixes,
/// and connections handed over to handlers for Docker's hijacked streams.
/// </summary>
public sealed partial class ApiServer : IAsyncDisposable
{
    private readonly Router _router;
    private readonly List<(Socket Socket, string? Path, SslServerAuthenticationOptions? Tls)> _listeners = [];
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private int _connections;

    public ApiServer(Router router) => _router = router;

    public int ActiveConnections => _connections;

    private long _requests;

    /// <summary>Requests begun since start: the daemon watches it to know when it has gone idle.</summary>
    public long RequestsServed => Interlocked.Read(ref _requests);

    [GeneratedRegex(@"^/v(\d+\.\d+)(/.*)$")]
    private static partial Regex VersionPrefix();

    /// <summary>Binds a unix socket (replacing a stale one), owned by root and group <paramref name="gid"/> with mode
    /// 0660, as dockerd does: only root and the members of that group may connect.</summary>
    public void ListenUnix(string path, uint gid = 0)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path))
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new BerthException(ErrorKind.AlreadyExists, $"{path} is in use by another daemon");
            }
            catch (SocketException)
            {
                File.Delete(path);
            }
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            // Before listen: no connection is accepted until the mode and owner are these.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            Berth.Linux.Fs.Lchown(path, 0, gid);
            socket.Listen(512);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        _listeners.Add((socket, path, null));
    }

    /// <summary>Binds a TCP port; with <paramref name="tls"/>, every connection begins with a TLS handshake, and one
    /// that fails it (no client certificate, or one from another CA, under <c>--tlsverify</c>) is closed before any
    /// HTTP. Returns the bound address (port 0 asks for a free one).</summary>
    public IPEndPoint ListenTcp(IPEndPoint endpoint, SslServerAuthenticationOptions? tls)
    {
        var socket = ListeningSocket.Tcp(endpoint);
        _listeners.Add((socket, null, tls));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    public void Start()
    {
        foreach (var (socket, _, tls) in _listeners)
        {
            _loops.Add(AcceptLoop.RunAsync(socket, tls is null ? ServeConnectionAsync : c => ServeTlsConnectionAsync(c, tls), _stop.Token));
        }
    }

    /// <summary>Completes the TLS handshake, then serves HTTP over it as over any connection.</summary>
    private async Task ServeTlsConnectionAsync(Socket socket, SslServerAuthenticationOptions tls)
    {
        socket.NoDelay = true;
        var remote = socket.RemoteEndPoint?.ToString() ?? "?";
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            deadline.CancelAfter(HandshakeTimeout);
            if (await LooksLikePlainHttpAsync(socket, deadline.Token).ConfigureAwait(false))
            {
                // compat(go): net/http's answer to plain HTTP on a TLS port, which the docker CLI shows.
                Log.Info($"http: TLS handshake error from {remote}: client sent an HTTP request to an HTTPS server");
                await socket.SendAsync("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"u8.ToArray(), deadline.Token).ConfigureAwait(false);
                await ssl.DisposeAsync().ConfigureAwait(false);
                return;
            }
            await ssl.AuthenticateAsServerAsync(tls, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // compat(go): net/http logs a failed handshake and closes the connection.
            Log.Info($"http: TLS handshake error from {remote}: {ServerTls.RefusalOf(ssl) ?? e.Message}");
            await ssl.DisposeAsync().ConfigureAwait(false);
            return;
        }
        await ServeStreamAsync(socket, ssl).ConfigureAwait(false);
    }

    /// <summary>Whether a connection to a TLS port begins with an HTTP request instead of a TLS record (Go's
    /// test: the first five bytes).</summary>
    private static async Task<bool> LooksLikePlainHttpAsync(Socket socket, CancellationToken ct)
    {
        var head = new byte[5];
        var n = await socket.ReceiveAsync(head, SocketFlags.Peek, ct).ConfigureAwait(false);
        var text = Encoding.ASCII.GetString(head, 0, n);
        return n == head.Length && text is "GET /" or "HEAD " or "POST " or "PUT /" or "OPTIO";
    }

    private Task ServeConnectionAsync(Socket socket)
    {
        if (socket.AddressFamily != AddressFamily.Unix)
        {
            socket.NoDelay = true;
        }
        return ServeStreamAsync(socket, new NetworkStream(socket, ownsSocket: true));
    }

    private async Task ServeStreamAsync(Socket socket, Stream stream)
    {
        Interlocked.Increment(ref _connections);
        var reader = new HttpReader(stream);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpRequestHead? head;
                try
                {
                    head = await HttpRequestHead.ReadAsync(reader, _stop.Token).ConfigureAwait(false);
                }
                catch (HttpProtocolException e)
                {
                    await WriteRawErrorAsync(stream, 400, e.Message).ConfigureAwait(false);
                    return;
                }
                if (head is null)
                {
                    return;
                }
                Interlocked.Increment(ref _requests);
                if (!await ServeRequestAsync(head, reader, stream, socket).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or HttpProtocolException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _connections);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Serves one request; false when the connection must end after it.</summary>
    private async Task<bool> ServeRequestAsync(HttpRequestHead head, HttpReader reader, Stream stream, Socket socket)
    {
        var path = head.Path;
        var version = ApiVersion.Max;
        var m = VersionPrefix().Match(path);
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        if (m.Success)
        {
            path = m.Groups[2].Value;
            if (!ApiVersion.TryParse(m.Groups[1].Value, out version))
            {
                version = ApiVersion.Max;
            }
        }
        var context = new ApiContext(head, reader, stream, socket, version, path, aborted);
        try
        {
            if (version > ApiVersion.Max)
            {
                throw BerthException.Invalid($"client version {version} is too new. Maximum supported API version is {ApiVersion.Max}");
            }
            if (version < ApiVersion.Min)
            {
                // compat(docker): this one error is plain text.
                await context.WriteBytesAsync(400, Encoding.UTF8.GetBytes($"client version {version} is too old. Minimum supported API version is {ApiVersion.Min}, please upgrade your client to a newer version\n"), "text/plain; charset=utf-8").ConfigureAwait(false);
                return await DrainAsync(context).ConfigureAwait(false);
            }
            var handler = _router.Match(head.Method, path, context.RouteValues, out _);
            if (handler is null)
            {
                throw BerthException.NotFound("page not found");
            }
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await handler(context).ConfigureAwait(false);
            if (Log.Enabled(LogLevel.Debug))
            {
                Log.Debug("API call", ("method", head.Method), ("path", head.Target), ("ms", System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        catch (BerthException e) when (!context.ResponseStarted)
        {
            var status = StatusOf(e.Kind);
            if (status >= 500)
            {
                Log.Error("Handler for " + head.Method + " " + path + " returned error: " + e.Message);
            }
            else if (Log.Enabled(LogLevel.Debug))
            {
                Log.Debug("Handler for " + head.Method + " " + path + " returned error: " + e.Message);
            }
            if (status == 304)
            {
                await context.WriteEmptyAsync(304).ConfigureAwait(false);
            }
            else
            {
                await context.WriteErrorAsync(status, e.Message).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or InvalidDataException or FormatException or OverflowException or ArgumentException && !context.ResponseStarted)
        {
            Log.Error("Handler for " + head.Method + " " + path + " failed: " + e.Message);
            await context.WriteErrorAsync(500, e.Message).ConfigureAwait(false);
        }
        return await DrainAsync(context).ConfigureAwait(false);
    }

    /// <summary>Consumes what is left of the request body, so the next request starts where it should.</summary>
    private static async Task<bool> DrainAsync(ApiContext context)
    {
        if (context.CloseConnection || !context.Head.KeepAlive)
        {
            return false;
        }
        var buf = new byte[16 * 1024];
        while (await context.Body.ReadAsync(buf).ConfigureAwait(false) > 0)
        {
        }
        return true;
    }

    public static int StatusOf(ErrorKind kind) => kind switch
    {
        ErrorKind.InvalidArgument => 400,
        ErrorKind.Unauthorized => 401,
        ErrorKind.Forbidden => 403,
        ErrorKind.NotFound => 404,
        ErrorKind.AlreadyExists or ErrorKind.Conflict or ErrorKind.FailedPrecondition => 409,
        ErrorKind.NotModified => 304,
        ErrorKind.NotImplemented => 501,
        ErrorKind.Unavailable => 503,
        _ => 500,
    };

    private static async Task WriteRawErrorAsync(Stream stream, int status, string message)
    {
        var body = Encoding.UTF8.GetBytes("{\"message\":" + System.Text.Json.JsonSerializer.Serialize(message, ApiJson.Default.String) + "}\n");
        var head = $"HTTP/1.1 {status} {HttpResponseHead.ReasonPhrase(status)}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head)).ConfigureAwait(false);
            await stream.WriteAsync(body).ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var (socket, path, _) in _listeners)
        {
            socket.Dispose();
            if (path is not null)
            {
                File.Delete(path);
            }
        }
        await Task.WhenAll(_loops).ConfigureAwait(false);
    }
}

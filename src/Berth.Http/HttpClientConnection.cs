using System.Net.Sockets;

namespace Berth.Http;

/// <summary>
/// One HTTP/1.1 client connection over a unix socket (or any stream): requests go out one at a time, and a
/// <c>101</c> answer leaves the raw connection to the caller (Docker's attach and exec).
/// </summary>
public sealed class HttpClientConnection : IAsyncDisposable, IDisposable
{
    private readonly Stream _stream;
    private readonly Socket? _socket;

    private HttpClientConnection(Stream stream, Socket? socket)
    {
        _stream = stream;
        _socket = socket;
        Reader = new HttpReader(stream);
    }

    public HttpReader Reader { get; }

    /// <summary>The connection's write side (raw after an upgrade).</summary>
    public Stream Stream => _stream;

    public static HttpClientConnection ConnectUnix(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new HttpClientConnection(new NetworkStream(socket, ownsSocket: true), socket);
    }

    public static HttpClientConnection Over(Stream stream) => new(stream, null);

    /// <summary>Sends a request; <paramref name="body"/> of unknown length goes chunked.</summary>
    public async Task<HttpResponseHead> SendAsync(string method, string target, HttpHeaders headers, Stream? body = null, long? bodyLength = null, CancellationToken ct = default)
    {
        headers["Host"] ??= "api.moby.localhost";
        if (body is not null)
        {
            if (bodyLength is { } n)
            {
                headers["Content-Length"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                headers["Transfer-Encoding"] = "chunked";
            }
        }
        else if (method is "POST" or "PUT")
        {
            headers["Content-Length"] ??= "0";
        }
        var head = new HttpRequestHead { Method = method, Target = target, Version = "HTTP/1.1", Headers = headers };
        await _stream.WriteAsync(head.Serialize(), ct).ConfigureAwait(false);
        if (body is not null)
        {
            if (bodyLength is not null)
            {
                await body.CopyToAsync(_stream, ct).ConfigureAwait(false);
            }
            else
            {
                var chunked = new ChunkedWriteStream(_stream);
                var buf = new byte[64 * 1024];
                int r;
                while ((r = await body.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
                {
                    await chunked.WriteAsync(buf.AsMemory(0, r), ct).ConfigureAwait(false);
                    await chunked.FlushAsync(ct).ConfigureAwait(false);
                }
                await chunked.CompleteAsync(ct).ConfigureAwait(false);
            }
        }
        await _stream.FlushAsync(ct).ConfigureAwait(false);
        return await HttpResponseHead.ReadAsync(Reader, ct).ConfigureAwait(false);
    }

    public Stream OpenBody(HttpResponseHead response) =>
        response.Status is 204 or 304 or 101 ? new LengthReadStream(Reader, 0) : HttpBody.Open(Reader, response.Headers, untilClose: true);

    /// <summary>Half-closes the connection: the peer reads end-of-file, and we can still read.</summary>
    public void ShutdownWrite() => _socket?.Shutdown(SocketShutdown.Send);

    public ValueTask DisposeAsync() => _stream.DisposeAsync();

    public void Dispose() => _stream.Dispose();
}

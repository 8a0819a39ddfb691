using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Berth.Common;
using Berth.Http;

namespace Berth.Api.Docker;

/// <summary>One request on a connection, and the means to answer it: plain, streamed, or by taking over the
/// connection (hijack).</summary>
public sealed class ApiContext
{
    private readonly Stream _stream;
    private readonly Socket? _socket;
    private ChunkedWriteStream? _chunked;

    private readonly CancellationTokenSource _aborted;

    internal ApiContext(HttpRequestHead head, HttpReader reader, Stream stream, Socket? socket, ApiVersion version, string path, CancellationTokenSource aborted)
    {
        _aborted = aborted;
        Head = head;
        Reader = reader;
        _stream = stream;
        _socket = socket;
        Version = version;
        Path = path;
        Query = QueryString.Parse(head.QueryString);
        Aborted = aborted.Token;
        Body = head.WantsUpgrade && head.Headers.ContentLength is null && !head.Headers.IsChunked
            ? new LengthReadStream(reader, 0)
            : HttpBody.Open(reader, head.Headers, untilClose: false);
        if (string.Equals(head.Headers["Expect"], "100-continue", StringComparison.OrdinalIgnoreCase))
        {
            // compat(go): net/http answers "100 Continue" when the handler first reads the body (curl -T waits a
            // second for it otherwise).
            Body = new ContinueOnRead(Body, stream);
        }
    }

    /// <summary>A request body that sends <c>100 Continue</c> before its first read.</summary>
    private sealed class ContinueOnRead(Stream inner, Stream connection) : ReadOnlyStream
    {
        private bool _sent;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_sent)
            {
                _sent = true;
                await connection.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                await connection.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    public HttpRequestHead Head { get; }

    /// <summary>The body of a response begun with <see cref="StartStreamAsync"/>, for writers that want a Stream.</summary>
    internal Stream ResponseBody => _chunked ?? throw new InvalidOperationException("the response is not streaming");
    public HttpReader Reader { get; }
    public ApiVersion Version { get; }
    /// <summary>The path without the <c>/vX.Y</c> prefix.</summary>
    public string Path { get; }
    public QueryString Query { get; }
    public Stream Body { get; }
    public CancellationToken Aborted { get; }
    public Dictionary<string, string> RouteValues { get; } = [];

    public bool ResponseStarted { get; private set; }
    /// <summary>The connection was taken over (hijacked) or must close after this response.</summary>
    public bool CloseConnection { get; set; }

    public string Route(string name) => RouteValues[name];

    /// <summary>
    /// For long responses (logs -f, events, wait): reads the connection in the background and cancels
    /// <see cref="Aborted"/> when the client goes away. The connection closes after this response.
    /// </summary>
    public void WatchForDisconnect()
    {
        CloseConnection = true;
        _ = Task.Run(async () =>
        {
            var buf = new byte[512];
            try
            {
                while (await Reader.ReadAsync(buf, Aborted).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
            await _aborted.CancelAsync().ConfigureAwait(false);
        });
    }

    /// <summary>Reads the JSON body into <typeparamref name="T"/>; 400 for malformed JSON; bodies are capped.</summary>
    public async Task<T?> ReadJsonAsync<T>(JsonTypeInfo<T> type, long maxBytes = 8 << 20)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await Body.ReadAsync(chunk, Aborted).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > maxBytes)
            {
                throw new BerthException(ErrorKind.InvalidArgument, "request body is too large");
            }
        }
        if (buffer.Length == 0)
        {
            return default;
        }
        try
        {
            return JsonSerializer.Deserialize(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), type);
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid(e.Message);
        }
    }

    private HttpHeaders StandardHeaders()
    {
        var h = new HttpHeaders();
        h.Add("Api-Version", ApiVersion.Max.ToString());
        h.Add("Docker-Experimental", "false");
        h.Add("Ostype", "linux");
        h.Add("Server", "Berth/" + BerthVersion.Version + " (linux)");
        h.Add("Date", DateTime.UtcNow.ToString("r", CultureInfo.InvariantCulture));
        return h;
    }

    public async Task WriteHeadAsync(int status, HttpHeaders? extra = null, long? contentLength = null, string? contentType = null)
    {
        ResponseStarted = true;
        var h = StandardHeaders();
        if (contentType is not null)
        {
            h["Content-Type"] = contentType;
        }
        foreach (var (k, v) in extra ?? new HttpHeaders())
        {
            h[k] = v;
        }
        if (contentLength is { } n)
        {
            h["Content-Length"] = n.ToString(CultureInfo.InvariantCulture);
        }
        else if (status is not (204 or 304))
        {
            h["Transfer-Encoding"] = "chunked";
            _chunked = new ChunkedWriteStream(_stream);
        }
        if (CloseConnection)
        {
            h["Connection"] = "close";
        }
        await _stream.WriteAsync(new HttpResponseHead { Status = status, Headers = h }.Serialize(), Aborted).ConfigureAwait(false);
        await _stream.FlushAsync(Aborted).ConfigureAwait(false);
    }

    public async Task WriteBytesAsync(int status, byte[] body, string? contentType)
    {
        await WriteHeadAsync(status, null, body.Length, contentType).ConfigureAwait(false);
        if (Head.Method != "HEAD" && body.Length > 0)
        {
            await _stream.WriteAsync(body, Aborted).ConfigureAwait(false);
        }
        await _stream.FlushAsync(Aborted).ConfigureAwait(false);
    }

    public async Task WriteRawAsync(ReadOnlyMemory<byte> data)
    {
        await _stream.WriteAsync(data, Aborted).ConfigureAwait(false);
        await _stream.FlushAsync(Aborted).ConfigureAwait(false);
    }

    public Task WriteJsonAsync<T>(int status, T value, JsonTypeInfo<T> type)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var body = new byte[bytes.Length + 1];
        bytes.CopyTo(body, 0);
        body[^1] = (byte)'\n';
        return WriteBytesAsync(status, body, "application/json");
    }

    public Task WriteEmptyAsync(int status) => WriteHeadAsync(status, null, status is 204 or 304 ? null : 0);

    public Task WriteErrorAsync(int status, string message)
    {
        var json = new Utf8JsonBuffer();
        json.Writer.WriteStartObject();
        json.Writer.WriteString("message", message);
        json.Writer.WriteEndObject();
        return WriteBytesAsync(status, json.ToBytesWithNewline(), "application/json");
    }

    /// <summary>Starts a chunked response (streams: logs, progress, events, wait).</summary>
    public Task StartStreamAsync(int status = 200, string? contentType = null) => WriteHeadAsync(status, null, null, contentType);

    public async Task WriteChunkAsync(ReadOnlyMemory<byte> data, bool flush = true)
    {
        await _chunked!.WriteAsync(data, Aborted).ConfigureAwait(false);
        if (flush)
        {
            await _chunked.FlushAsync(Aborted).ConfigureAwait(false);
        }
    }

    public async Task EndStreamAsync()
    {
        if (_chunked is not null)
        {
            await _chunked.CompleteAsync(Aborted).ConfigureAwait(false);
        }
    }

    /// <summary>Takes over the connection (Docker's <c>101 UPGRADED</c>), for attach and exec: raw bytes both ways.</summary>
    public async Task<(HttpReader Input, Stream Output, Socket? Socket)> HijackAsync()
    {
        ResponseStarted = true;
        CloseConnection = true;
        var head = Head.WantsUpgrade
            ? "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n";
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(head), Aborted).ConfigureAwait(false);
        await _stream.FlushAsync(Aborted).ConfigureAwait(false);
        return (Reader, _stream, _socket);
    }
}

/// <summary>A small JSON writer over a growable buffer.</summary>
internal sealed class Utf8JsonBuffer
{
    private readonly MemoryStream _buffer = new();

    public Utf8JsonBuffer() => Writer = new Utf8JsonWriter(_buffer);

    public Utf8JsonWriter Writer { get; }

    public byte[] ToBytesWithNewline()
    {
        Writer.Flush();
        _buffer.WriteByte((byte)'\n');
        return _buffer.ToArray();
    }
}

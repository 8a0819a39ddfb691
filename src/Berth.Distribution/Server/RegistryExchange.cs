using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Http;

namespace Berth.Distribution.Server;

/// <summary>One request and its response on a keep-alive connection.</summary>
internal sealed class RegistryExchange(HttpRequestHead head, HttpReader reader, Stream stream)
{
    private Stream? _body;

    public HttpRequestHead Head { get; } = head;

    public QueryString Query { get; } = QueryString.Parse(head.QueryString);

    public bool IsHead => Head.Method == "HEAD";

    public bool ResponseStarted { get; private set; }

    public int Status { get; private set; }

    /// <summary>True when the connection must close after this response (a body left unread, a broken request).</summary>
    public bool CloseConnection { get; set; }

    public HttpHeaders ResponseHeaders { get; } = new();

    public bool HasBody => Head.Headers.IsChunked || Head.Headers.ContentLength is > 0;

    public Stream Body
    {
        get
        {
            if (_body is null)
            {
                _body = HttpBody.Open(reader, Head.Headers, untilClose: false);
            }
            return _body;
        }
    }

    /// <summary>Sends <c>100 Continue</c> if the client waits for it before sending the body.</summary>
    public async ValueTask ContinueAsync(CancellationToken ct)
    {
        if (Head.Headers.Has("Expect", "100-continue"))
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the whole body, refusing more than <paramref name="limit"/> bytes.</summary>
    public async Task<byte[]> ReadBodyAsync(int limit, CancellationToken ct)
    {
        // What is left of a refused body is drained by the server loop (up to its bound) before the next request.
        if (Head.Headers.ContentLength is { } declared && declared > limit)
        {
            throw new RegistryException(RegistryErrorCode.ManifestTooLarge, "manifest too large", $"{declared} bytes; the limit is {limit}");
        }
        await ContinueAsync(ct).ConfigureAwait(false);
        using var ms = new MemoryStream();
        var buf = new byte[1 << 16];
        int n;
        while ((n = await Body.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
        {
            if (ms.Length + n > limit)
            {
                throw new RegistryException(RegistryErrorCode.ManifestTooLarge, "manifest too large", $"the limit is {limit} bytes");
            }
            ms.Write(buf, 0, n);
        }
        return ms.ToArray();
    }

    public Task WriteAsync(int status, ReadOnlyMemory<byte> body, string? contentType, CancellationToken ct)
    {
        if (contentType is not null)
        {
            ResponseHeaders["Content-Type"] = contentType;
        }
        ResponseHeaders["Content-Length"] = body.Length.ToString(CultureInfo.InvariantCulture);
        return SendAsync(status, IsHead ? ReadOnlyMemory<byte>.Empty : body, ct);
    }

    public Task WriteEmptyAsync(int status, CancellationToken ct) => WriteAsync(status, ReadOnlyMemory<byte>.Empty, null, ct);

    public Task WriteJsonAsync<T>(int status, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, CancellationToken ct) =>
        WriteJsonAsync(status, value, info, "application/json", ct);

    public Task WriteJsonAsync<T>(int status, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, string contentType, CancellationToken ct) =>
        WriteAsync(status, JsonSerializer.SerializeToUtf8Bytes(value, info), contentType, ct);

    /// <summary>Sends <paramref name="length"/> bytes of <paramref name="content"/> from where it stands.</summary>
    public async Task WriteStreamAsync(int status, Stream content, long length, string contentType, CancellationToken ct)
    {
        ResponseHeaders["Content-Type"] = contentType;
        ResponseHeaders["Content-Length"] = length.ToString(CultureInfo.InvariantCulture);
        await SendAsync(status, ReadOnlyMemory<byte>.Empty, ct).ConfigureAwait(false);
        if (IsHead)
        {
            return;
        }
        var buf = new byte[1 << 16];
        var left = length;
        while (left > 0)
        {
            var n = await content.ReadAsync(buf.AsMemory(0, (int)Math.Min(buf.Length, left)), ct).ConfigureAwait(false);
            if (n == 0)
            {
                // The client has been promised more bytes than there are: only closing tells it.
                CloseConnection = true;
                return;
            }
            await stream.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
            left -= n;
        }
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    public Task WriteErrorAsync(int status, RegistryException e, CancellationToken ct)
    {
        var body = new ErrorsBody { Errors = [new ErrorEntry { Code = RegistryHttp.CodeOf(e.Code), Message = e.Message, Detail = e.Detail }] };
        return WriteJsonAsync(status, body, RegistryJson.Wire.ErrorsBody, ct);
    }

    private async Task SendAsync(int status, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        ResponseStarted = true;
        Status = status;
        ResponseHeaders["Docker-Distribution-API-Version"] = "registry/2.0";
        if (CloseConnection)
        {
            ResponseHeaders["Connection"] = "close";
        }
        var sb = new StringBuilder(256);
        sb.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(RegistryHttp.Reason(status)).Append("\r\n");
        foreach (var (k, v) in ResponseHeaders)
        {
            sb.Append(k).Append(": ").Append(v).Append("\r\n");
        }
        sb.Append("\r\n");
        var headBytes = Encoding.Latin1.GetBytes(sb.ToString());
        if (body.Length > 0 && body.Length < 64 * 1024)
        {
            var all = new byte[headBytes.Length + body.Length];
            headBytes.CopyTo(all, 0);
            body.CopyTo(all.AsMemory(headBytes.Length));
            await stream.WriteAsync(all, ct).ConfigureAwait(false);
        }
        else
        {
            await stream.WriteAsync(headBytes, ct).ConfigureAwait(false);
            if (body.Length > 0)
            {
                await stream.WriteAsync(body, ct).ConfigureAwait(false);
            }
        }
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }
}

using System.Globalization;
using System.Text;

namespace Berth.Http;

/// <summary>The request line and header of an HTTP/1.1 request.</summary>
public sealed class HttpRequestHead
{
    public required string Method { get; init; }
    /// <summary>The request target as sent, e.g. <c>/v1.41/containers/json?all=1</c>.</summary>
    public required string Target { get; init; }
    public required string Version { get; init; }
    public required HttpHeaders Headers { get; init; }

    public string Path => Uri.UnescapeDataString(RawPath);

    public string RawPath
    {
        get
        {
            var q = Target.IndexOf('?', StringComparison.Ordinal);
            return q < 0 ? Target : Target[..q];
        }
    }

    public string QueryString
    {
        get
        {
            var q = Target.IndexOf('?', StringComparison.Ordinal);
            return q < 0 ? "" : Target[(q + 1)..];
        }
    }

    public bool KeepAlive => Version == "HTTP/1.1" ? !Headers.Has("Connection", "close") : Headers.Has("Connection", "keep-alive");

    public bool WantsUpgrade => Headers.Has("Connection", "upgrade") && Headers["Upgrade"] is not null;

    /// <summary>Reads the next request head; null when the client closed the connection between requests.</summary>
    public static async ValueTask<HttpRequestHead?> ReadAsync(HttpReader reader, CancellationToken ct = default)
    {
        string? line;
        do
        {
            line = await reader.ReadLineAsync(16 * 1024, ct).ConfigureAwait(false);
            if (line is null)
            {
                return null;
            }
        }
        while (line.Length == 0);
        var parts = line.Split(' ');
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || parts[1].Length == 0)
        {
            throw new HttpProtocolException("malformed request line");
        }
        var headers = await HttpHeaders.ReadAsync(reader, ct).ConfigureAwait(false);
        return new HttpRequestHead { Method = parts[0], Target = parts[1], Version = parts[2], Headers = headers };
    }

    public byte[] Serialize()
    {
        var sb = new StringBuilder();
        sb.Append(Method).Append(' ').Append(Target).Append(' ').Append(Version).Append("\r\n");
        foreach (var (k, v) in Headers)
        {
            sb.Append(k).Append(": ").Append(v).Append("\r\n");
        }
        sb.Append("\r\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }
}

/// <summary>The status line and header of an HTTP/1.1 response.</summary>
public sealed class HttpResponseHead
{
    public required int Status { get; init; }
    public string Reason { get; init; } = "";
    public required HttpHeaders Headers { get; init; }

    public static async ValueTask<HttpResponseHead> ReadAsync(HttpReader reader, CancellationToken ct = default)
    {
        var line = await reader.ReadLineAsync(16 * 1024, ct).ConfigureAwait(false)
            ?? throw new HttpProtocolException("connection closed before the response");
        var parts = line.Split(' ', 3);
        if (parts.Length < 2 || !parts[0].StartsWith("HTTP/1.", StringComparison.Ordinal) ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
        {
            throw new HttpProtocolException("malformed status line");
        }
        var headers = await HttpHeaders.ReadAsync(reader, ct).ConfigureAwait(false);
        return new HttpResponseHead { Status = status, Reason = parts.Length > 2 ? parts[2] : "", Headers = headers };
    }

    public byte[] Serialize()
    {
        var sb = new StringBuilder();
        sb.Append("HTTP/1.1 ").Append(Status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Reason.Length > 0 ? Reason : ReasonPhrase(Status)).Append("\r\n");
        foreach (var (k, v) in Headers)
        {
            sb.Append(k).Append(": ").Append(v).Append("\r\n");
        }
        sb.Append("\r\n");
        return Encoding.Latin1.GetBytes(sb.ToString());
    }

    public static string ReasonPhrase(int status) => status switch
    {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        304 => "Not Modified",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Request Entity Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Status",
    };
}

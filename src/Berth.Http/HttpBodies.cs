using System.Globalization;
using System.Text;
using Berth.Common;

namespace Berth.Http;

/// <summary>Opens the body of a message as a stream that ends where the body ends.</summary>
public static class HttpBody
{
    /// <param name="untilClose">For responses without length: read until the peer closes.</param>
    public static Stream Open(HttpReader reader, HttpHeaders headers, bool untilClose)
    {
        if (headers.IsChunked)
        {
            return new ChunkedReadStream(reader);
        }
        if (headers.ContentLength is { } n)
        {
            return new LengthReadStream(reader, n);
        }
        return untilClose ? new RawReadStream(reader) : new LengthReadStream(reader, 0);
    }
}

public sealed class LengthReadStream(HttpReader reader, long length) : ReadOnlyStream
{
    private long _left = length;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_left == 0 || buffer.Length == 0)
        {
            return 0;
        }
        var n = await reader.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            throw new HttpProtocolException("connection closed inside the body");
        }
        _left -= n;
        return n;
    }
}

public sealed class RawReadStream(HttpReader reader) : ReadOnlyStream
{
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        reader.ReadAsync(buffer, cancellationToken);
}

/// <summary>Decodes <c>Transfer-Encoding: chunked</c>.</summary>
public sealed class ChunkedReadStream(HttpReader reader) : ReadOnlyStream
{
    private long _chunkLeft;
    private bool _done;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done || buffer.Length == 0)
        {
            return 0;
        }
        if (_chunkLeft == 0)
        {
            var line = await reader.ReadLineAsync(1024, cancellationToken).ConfigureAwait(false)
                ?? throw new HttpProtocolException("connection closed inside a chunked body");
            var semi = line.IndexOf(';', StringComparison.Ordinal);
            var size = semi >= 0 ? line[..semi] : line;
            if (!long.TryParse(size.Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _chunkLeft) || _chunkLeft < 0)
            {
                throw new HttpProtocolException("malformed chunk size");
            }
            if (_chunkLeft == 0)
            {
                // Trailers, then the empty line.
                while ((await reader.ReadLineAsync(16 * 1024, cancellationToken).ConfigureAwait(false))?.Length > 0)
                {
                }
                _done = true;
                return 0;
            }
        }
        var n = await reader.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _chunkLeft)], cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            throw new HttpProtocolException("connection closed inside a chunk");
        }
        _chunkLeft -= n;
        if (_chunkLeft == 0)
        {
            await reader.ReadLineAsync(16, cancellationToken).ConfigureAwait(false);
        }
        return n;
    }
}

/// <summary>Writes a body as <c>Transfer-Encoding: chunked</c>; each flush sends what was written as one chunk.</summary>
public sealed class ChunkedWriteStream(Stream inner) : WriteOnlyStream
{
    private readonly MemoryStream _pending = new();
    private bool _completed;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pending.Write(buffer);
        if (_pending.Length >= 32 * 1024)
        {
            Flush();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _pending.Write(buffer, offset, count);
        return _pending.Length >= 32 * 1024 ? FlushAsync(cancellationToken) : Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _pending.Write(buffer.Span);
        return _pending.Length >= 32 * 1024 ? new ValueTask(FlushAsync(cancellationToken)) : ValueTask.CompletedTask;
    }

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0)
        {
            return;
        }
        var header = Encoding.ASCII.GetBytes(_pending.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n");
        var frame = new byte[header.Length + _pending.Length + 2];
        header.CopyTo(frame, 0);
        _pending.GetBuffer().AsSpan(0, (int)_pending.Length).CopyTo(frame.AsSpan(header.Length));
        frame[^2] = (byte)'\r';
        frame[^1] = (byte)'\n';
        _pending.SetLength(0);
        await inner.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await inner.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends what is pending and the last, empty chunk.</summary>
    public async Task CompleteAsync(CancellationToken ct = default)
    {
        if (_completed)
        {
            return;
        }
        _completed = true;
        await FlushAsync(ct).ConfigureAwait(false);
        await inner.WriteAsync("0\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        await inner.FlushAsync(ct).ConfigureAwait(false);
    }
}

/// <summary>Query-string parameters, several values a name allowed (<c>changes=…&amp;changes=…</c>).</summary>
public sealed class QueryString
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public static QueryString Parse(string query)
    {
        var q = new QueryString();
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var name = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            if (!q._values.TryGetValue(name, out var list))
            {
                q._values[name] = list = [];
            }
            list.Add(value);
        }
        return q;
    }

    private static string Decode(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));

    /// <summary>The first value of <paramref name="name"/>, as Go's <c>Request.FormValue</c> gives dockerd.</summary>
    public string? this[string name] => _values.TryGetValue(name, out var v) ? v[0] : null;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>Docker's booleans (httputils.BoolValue): empty, 0, no, false and none are false, whatever their case
    /// and surrounding spaces; any other value is true.</summary>
    public bool Bool(string name, bool fallback = false) => this[name]?.Trim().ToLowerInvariant() switch
    {
        null => fallback,
        "" or "0" or "no" or "false" or "none" => false,
        _ => true,
    };

    public static string Encode(IEnumerable<KeyValuePair<string, string>> pairs) =>
        string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
}

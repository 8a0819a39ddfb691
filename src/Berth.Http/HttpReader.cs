using System.Text;

namespace Berth.Http;

/// <summary>Buffered reading of an HTTP/1.1 connection: header lines, then body bytes. Bytes buffered beyond the
/// head stay here, so a body or an upgraded stream starts exactly where the head ended.</summary>
public sealed class HttpReader(Stream stream, int bufferSize = 16 * 1024)
{
    private readonly byte[] _buffer = new byte[bufferSize];
    private int _start;
    private int _end;

    public Stream Inner { get; } = stream;

    public int Buffered => _end - _start;

    /// <summary>Reads one line without its CRLF; null at end of stream before any byte.</summary>
    public async ValueTask<string?> ReadLineAsync(int maxLength, CancellationToken ct = default)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                if (!await FillAsync(ct).ConfigureAwait(false))
                {
                    return line.Count == 0 ? null : throw new HttpProtocolException("connection closed inside a header line");
                }
            }
            var span = _buffer.AsSpan(_start, _end - _start);
            var nl = span.IndexOf((byte)'\n');
            if (nl >= 0)
            {
                line.AddRange(span[..nl]);
                _start += nl + 1;
                if (line.Count > 0 && line[^1] == '\r')
                {
                    line.RemoveAt(line.Count - 1);
                }
                if (line.Count > maxLength)
                {
                    throw new HttpProtocolException("header line too long");
                }
                return Encoding.Latin1.GetString(line.ToArray());
            }
            line.AddRange(span);
            _start = _end;
            if (line.Count > maxLength)
            {
                throw new HttpProtocolException("header line too long");
            }
        }
    }

    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
    {
        if (_start < _end)
        {
            var n = Math.Min(destination.Length, _end - _start);
            _buffer.AsMemory(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }
        // Large reads skip the buffer.
        if (destination.Length >= _buffer.Length)
        {
            return await Inner.ReadAsync(destination, ct).ConfigureAwait(false);
        }
        if (!await FillAsync(ct).ConfigureAwait(false))
        {
            return 0;
        }
        return await ReadAsync(destination, ct).ConfigureAwait(false);
    }

    public int Read(Span<byte> destination)
    {
        if (_start < _end)
        {
            var n = Math.Min(destination.Length, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(destination);
            _start += n;
            return n;
        }
        return Inner.Read(destination);
    }

    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        _start = 0;
        _end = await Inner.ReadAsync(_buffer, ct).ConfigureAwait(false);
        return _end > 0;
    }
}

public sealed class HttpProtocolException(string message) : Exception(message);

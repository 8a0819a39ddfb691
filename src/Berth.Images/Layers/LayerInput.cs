namespace Berth.Images.Layers;

/// <summary>The caller's layer stream, read ahead in large blocks: the compression magic can be peeked without
/// consuming it, and the 8 KiB reads of <see cref="System.IO.Compression.GZipStream"/> do not become one system call
/// each. Leaves the caller's stream open.</summary>
internal sealed class LayerInput : Stream
{
    private readonly Stream _inner;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    public LayerInput(Stream inner, int bufferSize)
    {
        _inner = inner;
        _buffer = GC.AllocateUninitializedArray<byte>(bufferSize);
    }

    /// <summary>The first bytes of the stream, fewer only when the stream is shorter.</summary>
    public ReadOnlySpan<byte> Peek(int count)
    {
        while (_end - _start < count)
        {
            var n = _inner.Read(_buffer, _end, _buffer.Length - _end);
            if (n == 0)
            {
                break;
            }
            _end += n;
        }
        return _buffer.AsSpan(_start, Math.Min(count, _end - _start));
    }

    public override int Read(Span<byte> buffer)
    {
        if (_start == _end)
        {
            // Large reads go straight to the caller's buffer: copying through ours would only cost.
            if (buffer.Length >= _buffer.Length)
            {
                return _inner.Read(buffer);
            }
            _start = 0;
            _end = _inner.Read(_buffer, 0, _buffer.Length);
            if (_end == 0)
            {
                return 0;
            }
        }
        var n = Math.Min(buffer.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(buffer);
        _start += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

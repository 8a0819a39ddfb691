namespace Berth.Build;

/// <summary>
/// compat(docker): the docker CLI's context tar for <c>-f -</c> ends right after the last file's bytes, without
/// the block padding and the two zero blocks that close a tar (Go's reader does not mind). This stream adds them
/// after the end of an uncompressed tar, so the strict reader accepts it; a file cut short still fails, since its
/// header's size runs past the padding.
/// </summary>
internal sealed class PaddedTarStream(Stream inner) : Stream
{
    private long _position;
    private long _padding = -1;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_padding < 0)
        {
            var n = inner.Read(buffer);
            if (n > 0)
            {
                _position += n;
                return n;
            }
            _padding = (512 - _position % 512) % 512 + 1024;
        }
        var z = (int)Math.Min(_padding, buffer.Length);
        buffer[..z].Clear();
        _padding -= z;
        return z;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>Bytes already read from a stream, then the rest of it.</summary>
internal sealed class PrefixStream(byte[] prefix, Stream rest) : Stream
{
    private int _used;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_used < prefix.Length)
        {
            var n = Math.Min(prefix.Length - _used, buffer.Length);
            prefix.AsSpan(_used, n).CopyTo(buffer);
            _used += n;
            return n;
        }
        return rest.Read(buffer);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

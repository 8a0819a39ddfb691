namespace Berth.Images.Tests.Layers;

/// <summary>A read-only stream over bytes that hands out at most a few bytes per read, as a slow network does, and
/// can fail after a given offset. Counts what was read, to show how far a reader went.</summary>
internal sealed class TrickleStream(byte[] data, int maxChunk, long failAt = long.MaxValue) : Stream
{
    private long _position;

    public long Consumed => Interlocked.Read(ref _position);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position >= failAt)
        {
            throw new IOException("connection reset by peer");
        }
        var n = (int)Math.Min(Math.Min(buffer.Length, maxChunk), data.Length - _position);
        data.AsSpan((int)_position, n).CopyTo(buffer);
        Interlocked.Add(ref _position, n);
        return n;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => data.Length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

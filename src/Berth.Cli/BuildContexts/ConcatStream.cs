namespace Berth.Cli.BuildContexts;

/// <summary>Reads <paramref name="first"/> then <paramref name="second"/>: the bytes peeked from stdin put back in front of the rest.</summary>
internal sealed class ConcatStream(Stream first, Stream second) : Stream
{
    private bool _firstDone;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_firstDone)
        {
            var n = first.Read(buffer);
            if (n > 0 || buffer.Length == 0)
            {
                return n;
            }
            _firstDone = true;
        }
        return second.Read(buffer);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

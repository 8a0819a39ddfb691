using Berth.Common;

namespace Berth.Build;

/// <summary>
/// compat(docker): the docker CLI's context tar for <c>-f -</c> ends right after the last file's bytes, without
/// the block padding and the two zero blocks that close a tar (Go's reader does not mind). This stream adds them
/// after the end of an uncompressed tar, so the strict reader accepts it; a file cut short still fails, since its
/// header's size runs past the padding.
/// </summary>
internal sealed class PaddedTarStream(Stream inner) : ReadOnlyStream
{
    private long _position;
    private long _padding = -1;

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

}

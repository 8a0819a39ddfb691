namespace Berth.Common;

/// <summary>Reads <paramref name="first"/> then <paramref name="second"/>: bytes already peeked put back in front of
/// the rest of their stream.</summary>
public sealed class ConcatStream(Stream first, Stream second) : ReadOnlyStream
{
    private bool _firstDone;


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

}

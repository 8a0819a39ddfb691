namespace Berth.Runtime.Logging;

/// <summary>Cuts a stream of output into log lines as Docker's log copier does: at each newline, and at 16 KiB
/// for a line that never ends.</summary>
public sealed class LineSplitter
{
    public const int MaxLine = 16 * 1024;

    private readonly byte[] _buffer = new byte[MaxLine];
    private int _length;

    public void Push(ReadOnlySpan<byte> data, Action<ReadOnlyMemory<byte>> emit)
    {
        while (data.Length > 0)
        {
            var nl = data.IndexOf((byte)'\n');
            var take = nl >= 0 ? nl + 1 : data.Length;
            take = Math.Min(take, MaxLine - _length);
            data[..take].CopyTo(_buffer.AsSpan(_length));
            _length += take;
            data = data[take..];
            if (_buffer[_length - 1] == (byte)'\n' || _length == MaxLine)
            {
                emit(_buffer.AsMemory(0, _length).ToArray());
                _length = 0;
            }
        }
    }

    public void Flush(Action<ReadOnlyMemory<byte>> emit)
    {
        if (_length > 0)
        {
            emit(_buffer.AsMemory(0, _length).ToArray());
            _length = 0;
        }
    }
}

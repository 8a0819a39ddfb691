using System.Threading.Channels;
using Berth.Common;

namespace Berth.Build;

/// <summary>
/// Reads a build context from the request ahead of the unpacker, on a task of its own, so receiving the next bytes
/// overlaps with hashing and holding the last ones (a third of a cached build's time). The reads are asynchronous
/// and cancellable: disposing stops them at once, so a context refused at its first entry is answered without
/// waiting for the client to finish sending.
/// </summary>
internal sealed class PrefetchStream : ReadOnlyStream
{
    private const int SegmentSize = 1 << 20;
    private const int Depth = 4;

    private readonly Channel<(byte[] Buffer, int Length)> _full = Channel.CreateBounded<(byte[], int)>(Depth);
    private readonly Channel<byte[]> _free = Channel.CreateUnbounded<byte[]>();
    private readonly CancellationTokenSource _stop;
    private readonly Task _producer;
    private byte[]? _current;
    private int _offset;
    private int _length;
    private bool _ended;

    public PrefetchStream(Stream source, CancellationToken ct)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        for (var i = 0; i < Depth + 2; i++)
        {
            _free.Writer.TryWrite(GC.AllocateUninitializedArray<byte>(SegmentSize));
        }
        _producer = Task.Run(() => ProduceAsync(source, _stop.Token));
    }

    private async Task ProduceAsync(Stream source, CancellationToken ct)
    {
        try
        {
            while (true)
            {
                var buffer = await _free.Reader.ReadAsync(ct).ConfigureAwait(false);
                // Whole segments: one hand-over per megabyte, not one per socket read.
                var n = 0;
                int got;
                while (n < buffer.Length && (got = await source.ReadAsync(buffer.AsMemory(n), ct).ConfigureAwait(false)) > 0)
                {
                    n += got;
                }
                if (n > 0)
                {
                    await _full.Writer.WriteAsync((buffer, n), ct).ConfigureAwait(false);
                }
                if (n < buffer.Length)
                {
                    _full.Writer.TryComplete();
                    return;
                }
            }
        }
#pragma warning disable CA1031 // Every failure goes to the reader, which rethrows it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _full.Writer.TryComplete(ex);
        }
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _ended)
        {
            return 0;
        }
        if (_current is null)
        {
            try
            {
                (_current, _length) = _full.Reader.ReadAsync().AsTask().GetAwaiter().GetResult();
                _offset = 0;
            }
            catch (ChannelClosedException e) when (e.InnerException is null)
            {
                _ended = true;
                return 0;
            }
            catch (ChannelClosedException e)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException!);
            }
        }
        var n = Math.Min(buffer.Length, _length - _offset);
        _current.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        if (_offset == _length)
        {
            _free.Writer.TryWrite(_current);
            _current = null;
        }
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // The producer is inside a read of the request or waiting for room: both end on the token.
            _stop.Cancel();
            try
            {
                _producer.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
            _stop.Dispose();
        }
        base.Dispose(disposing);
    }
}

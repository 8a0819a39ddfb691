using System.Diagnostics;

namespace Berth.Cli.BuildContexts;

/// <summary>
/// Counts what the upload reads, as moby's progress.Reader does: <paramref name="report"/> gets the running total at
/// most every 100 ms when <paramref name="everyUpdate"/> (a terminal), and once more with <c>last</c> at the end.
/// </summary>
internal sealed class ProgressReadStream(Stream inner, bool everyUpdate, Action<long, bool> report) : Stream
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _total;
    private bool _done;
    private TimeSpan _lastReport = TimeSpan.FromMilliseconds(-100);

    public long Total => _total;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _total; set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        if (n > 0)
        {
            _total += n;
            if (everyUpdate && _clock.Elapsed - _lastReport >= TimeSpan.FromMilliseconds(100))
            {
                _lastReport = _clock.Elapsed;
                report(_total, false);
            }
        }
        else if (!_done && buffer.Length > 0)
        {
            _done = true;
            report(_total, true);
        }
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

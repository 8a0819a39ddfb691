using System.Diagnostics;
using Berth.Common;

namespace Berth.Cli.BuildContexts;

/// <summary>
/// Counts what the upload reads, as moby's progress.Reader does: <paramref name="report"/> gets the running total at
/// most every 100 ms when <paramref name="everyUpdate"/> (a terminal), and once more with <c>last</c> at the end.
/// </summary>
internal sealed class ProgressReadStream(Stream inner, bool everyUpdate, Action<long, bool> report) : ReadOnlyStream
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _total;
    private bool _done;
    private TimeSpan _lastReport = TimeSpan.FromMilliseconds(-100);

    public long Total => _total;


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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

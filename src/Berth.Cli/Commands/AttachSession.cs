using Berth.Cli.Api;

namespace Berth.Cli.Commands;

/// <summary>
/// A hijacked attach connection: output copied (demultiplexed unless TTY) on one thread, stdin copied on another
/// and half-closed at its end (at once when stdin is not attached), as the docker CLI's hijackedIOStreamer does.
/// Ctrl-P Ctrl-Q on a TTY detaches.
/// </summary>
internal sealed class AttachSession : IDisposable
{
    /// <summary>Docker's default detach sequence, Ctrl-P Ctrl-Q.</summary>
    private static readonly byte[] DefaultDetachKeys = [16, 17];

    private readonly byte[] _detachKeys;

    private readonly ApiConnection _conn;
    private readonly Thread? _output;
    private readonly Thread? _input;
    private readonly ManualResetEventSlim _done = new();

    public Exception? OutputError { get; private set; }

    public bool Detached { get; private set; }

    private AttachSession(ApiConnection conn, CommandContext ctx, bool stdin, bool stdout, bool stderr, bool tty, bool stderrToOut, byte[] detachKeys)
    {
        _conn = conn;
        _detachKeys = detachKeys;
        var write = conn.Upgraded();
        if (!stdin)
        {
            conn.ShutdownWrite();
        }
        if (stdout || stderr)
        {
            var errTarget = stderrToOut ? ctx.Io.Out : ctx.Io.Err;
            _output = new Thread(() =>
            {
                try
                {
                    if (tty)
                    {
                        var buf = new byte[32 * 1024];
                        int n;
                        while ((n = conn.Reader.Read(buf)) > 0)
                        {
                            ctx.Io.Out.Write(buf, 0, n);
                            ctx.Io.Out.Flush();
                        }
                    }
                    else
                    {
                        StreamDemuxer.Copy(m => conn.Reader.Read(m.Span), stdout ? ctx.Io.Out : Stream.Null, stderr ? errTarget : Stream.Null);
                    }
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
                {
                    OutputError = e;
                }
                _done.Set();
            })
            { IsBackground = true, Name = "attach-output" };
            _output.Start();
        }
        if (stdin)
        {
            _input = new Thread(() =>
            {
                var buf = new byte[32 * 1024];
                var matched = 0;
                try
                {
                    int n;
                    while ((n = ctx.Io.In.Read(buf, 0, buf.Length)) > 0)
                    {
                        if (tty)
                        {
                            // compat(docker): the detach sequence is handled client-side and never reaches the daemon.
                            for (var i = 0; i < n; i++)
                            {
                                matched = buf[i] == _detachKeys[matched] ? matched + 1 : buf[i] == _detachKeys[0] ? 1 : 0;
                                if (matched == _detachKeys.Length)
                                {
                                    Detached = true;
                                    conn.ShutdownWrite();
                                    _done.Set();
                                    return;
                                }
                            }
                        }
                        write.Write(buf, 0, n);
                    }
                }
                catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
                {
                }
                conn.ShutdownWrite();
                if (!stdout && !stderr)
                {
                    _done.Set();
                }
            })
            { IsBackground = true, Name = "attach-input" };
            _input.Start();
        }
        else if (!stdout && !stderr)
        {
            _done.Set();
        }
    }

    public static AttachSession Open(CommandContext ctx, string id, bool stdin, bool stdout, bool stderr, bool tty, bool stderrToOut, string? detachKeys = null)
    {
        var keys = ParseDetachKeys(detachKeys);
        var query = new GoQuery();
        if (stderr)
        {
            query.Add("stderr", "1");
        }
        if (stdin)
        {
            query.Add("stdin", "1");
        }
        if (stdout)
        {
            query.Add("stdout", "1");
        }
        query.Add("stream", "1");
        var conn = ctx.Client.Hijack(Requests.ContainerPath(id, "/attach"), query);
        return new AttachSession(conn, ctx, stdin, stdout, stderr, tty, stderrToOut, keys);
    }

    /// <summary>Streams of an exec, on the connection its hijacked start returned.</summary>
    public static AttachSession ForExec(CommandContext ctx, ApiConnection conn, bool stdin, bool tty, byte[] detachKeys) =>
        new(conn, ctx, stdin, true, true, tty, stderrToOut: false, detachKeys);

    /// <summary>
    /// compat(docker): <c>--detach-keys</c> as the docker CLI reads it (term.ToBytes): comma-separated keys, each a
    /// single character or <c>ctrl-X</c> with X one of a–z, @, [, \, ], ^, _. Empty means Ctrl-P Ctrl-Q.
    /// </summary>
    public static byte[] ParseDetachKeys(string? spec)
    {
        if (string.IsNullOrEmpty(spec))
        {
            return DefaultDetachKeys;
        }
        var keys = new List<byte>();
        foreach (var key in spec.Split(','))
        {
            var k = key.Trim().ToLowerInvariant();
            if (k.Length == 1)
            {
                keys.Add((byte)k[0]);
            }
            else if (k.Length == 6 && k.StartsWith("ctrl-", StringComparison.Ordinal) && k[5] is (>= 'a' and <= 'z') or '@' or '[' or '\\' or ']' or '^' or '_')
            {
                keys.Add(k[5] is >= 'a' and <= 'z' ? (byte)(k[5] - 'a' + 1) : (byte)(k[5] - '@'));
            }
            else
            {
                throw new StatusException($"Invalid detach keys ({spec}) provided", 1);
            }
        }
        return [.. keys];
    }

    /// <summary>Blocks until the output ends (the container's streams closed), stdin ends with nothing to show, or a detach.</summary>
    public void Wait() => _done.Wait();

    /// <summary>Stops streaming: wakes the output thread and lets it finish.</summary>
    public void Cancel()
    {
        _conn.Abort();
        _done.Wait(TimeSpan.FromSeconds(2));
    }

    public void Dispose()
    {
        _conn.Dispose();
        _done.Dispose();
    }
}

using System.Threading.Channels;
using Berth.Runtime.Logging;

namespace Berth.Engine;

/// <summary>One chunk of a container's output, as it was written.</summary>
public readonly record struct OutputChunk(LogStream Stream, ReadOnlyMemory<byte> Data);

/// <summary>
/// The live output of a container, fanned out to attached clients, and the way to its stdin. It exists from the
/// first attach or start, so a client that attaches before start (as <c>docker run</c> does) misses nothing.
/// </summary>
public sealed class ContainerStreams
{
    private readonly Lock _lock = new();
    private readonly List<Channel<OutputChunk>> _subscribers = [];
    private Func<ReadOnlyMemory<byte>, Task>? _stdin;
    private Func<Task>? _closeStdin;
    private readonly List<ReadOnlyMemory<byte>> _pendingStdin = [];
    private bool _stdinClosedEarly;

    public ChannelReader<OutputChunk> Subscribe(out IDisposable subscription)
    {
        var channel = Channel.CreateUnbounded<OutputChunk>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            _subscribers.Add(channel);
        }
        subscription = new Unsubscribe(this, channel);
        return channel.Reader;
    }

    public void Publish(OutputChunk chunk)
    {
        lock (_lock)
        {
            foreach (var s in _subscribers)
            {
                s.Writer.TryWrite(chunk);
            }
        }
    }

    /// <summary>The container stopped: every attached stream ends.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            foreach (var s in _subscribers)
            {
                s.Writer.TryComplete();
            }
            _subscribers.Clear();
        }
    }

    /// <summary>Connects the container's stdin; what clients sent before (they attach before start) goes first.</summary>
    internal Task ConnectStdin(Func<ReadOnlyMemory<byte>, Task>? write, Func<Task>? close)
    {
        List<ReadOnlyMemory<byte>> pending;
        bool closePending;
        lock (_lock)
        {
            _stdin = write;
            _closeStdin = close;
            pending = [.. _pendingStdin];
            _pendingStdin.Clear();
            closePending = _stdinClosedEarly;
            _stdinClosedEarly = false;
        }
        return FlushEarlyStdinAsync(pending, closePending);
    }

    /// <summary>The process ended: stdin written from now on waits for the next start.</summary>
    internal void DisconnectStdin()
    {
        lock (_lock)
        {
            _stdin = null;
            _closeStdin = null;
        }
    }

    private async Task FlushEarlyStdinAsync(List<ReadOnlyMemory<byte>> pending, bool close)
    {
        foreach (var data in pending)
        {
            await WriteStdinAsync(data).ConfigureAwait(false);
        }
        if (close)
        {
            await CloseStdinAsync().ConfigureAwait(false);
        }
    }

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data)
    {
        lock (_lock)
        {
            if (_stdin is null)
            {
                _pendingStdin.Add(data);
                return Task.CompletedTask;
            }
        }
        return _stdin(data);
    }

    public Task CloseStdinAsync()
    {
        lock (_lock)
        {
            if (_closeStdin is null)
            {
                _stdinClosedEarly = true;
                return Task.CompletedTask;
            }
        }
        return _closeStdin();
    }

    private sealed class Unsubscribe(ContainerStreams owner, Channel<OutputChunk> channel) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._subscribers.Remove(channel);
            }
            channel.Writer.TryComplete();
        }
    }
}

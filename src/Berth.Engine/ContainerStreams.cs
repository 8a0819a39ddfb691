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

    internal void ConnectStdin(Func<ReadOnlyMemory<byte>, Task>? write, Func<Task>? close)
    {
        _stdin = write;
        _closeStdin = close;
    }

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data) => _stdin?.Invoke(data) ?? Task.CompletedTask;

    public Task CloseStdinAsync() => _closeStdin?.Invoke() ?? Task.CompletedTask;

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

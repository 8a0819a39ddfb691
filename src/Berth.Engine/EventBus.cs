using System.Threading.Channels;

namespace Berth.Engine;

/// <summary>An engine event, Docker's shape: type, action, actor id and attributes, time.</summary>
public sealed record EngineEvent(string Type, string Action, string ActorId, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset Time, string? From = null);

/// <summary>Recent events kept in a ring (for <c>--since</c>) and fanned out to live subscribers.</summary>
public sealed class EventBus
{
    private const int Keep = 1024;
    private readonly Lock _lock = new();
    private readonly LinkedList<EngineEvent> _recent = new();
    private readonly List<Channel<EngineEvent>> _subscribers = [];

    public void Publish(EngineEvent e)
    {
        lock (_lock)
        {
            _recent.AddLast(e);
            if (_recent.Count > Keep)
            {
                _recent.RemoveFirst();
            }
            foreach (var s in _subscribers)
            {
                s.Writer.TryWrite(e);
            }
        }
    }

    /// <summary>Events since a time, then live ones, until the token is cancelled.</summary>
    public (IReadOnlyList<EngineEvent> Past, ChannelReader<EngineEvent> Live, IDisposable Subscription) Subscribe(DateTimeOffset? since)
    {
        var channel = Channel.CreateUnbounded<EngineEvent>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            var past = since is { } s ? _recent.Where(e => e.Time >= s).ToList() : [];
            _subscribers.Add(channel);
            return (past, channel.Reader, new Unsubscribe(this, channel));
        }
    }

    public int Listeners
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    private sealed class Unsubscribe(EventBus bus, Channel<EngineEvent> channel) : IDisposable
    {
        public void Dispose()
        {
            lock (bus._lock)
            {
                bus._subscribers.Remove(channel);
            }
            channel.Writer.TryComplete();
        }
    }
}

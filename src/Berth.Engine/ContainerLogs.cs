using System.Runtime.CompilerServices;
using Berth.Runtime.Logging;

namespace Berth.Engine;

/// <summary>What <c>docker logs</c> asks for.</summary>
public sealed record LogOptions(bool Stdout, bool Stderr, DateTimeOffset? Since, DateTimeOffset? Until, int? Tail, bool Follow);

public sealed partial class ContainerService
{
    /// <summary>The container's log entries, oldest first; with <c>Follow</c>, then new ones until it stops.</summary>
    public async IAsyncEnumerable<LogEntry> ReadLogsAsync(string idOrName, LogOptions options, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var c = entry.Container;
        bool Wanted(LogEntry e) =>
            (e.Stream == LogStream.Stdout ? options.Stdout : options.Stderr) &&
            (options.Since is not { } s || e.Time >= s) &&
            (options.Until is not { } u || e.Time <= u);

        var stopped = entry.Stopped.Task;
        var follow = options.Follow && c.State.Running && options.Until is null;
        if (!File.Exists(c.LogPath))
        {
            if (!follow)
            {
                yield break;
            }
            // The shim creates the log when it starts the container.
            while (!File.Exists(c.LogPath) && !stopped.IsCompleted)
            {
                await Task.WhenAny(stopped, Task.Delay(50, ct)).ConfigureAwait(false);
            }
            if (!File.Exists(c.LogPath))
            {
                yield break;
            }
        }
        await using var file = new FileStream(c.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        var existing = JsonFileLog.ReadFrom(file).Where(Wanted);
        if (options.Tail is { } tail and >= 0)
        {
            var queue = new Queue<LogEntry>();
            foreach (var e in existing)
            {
                queue.Enqueue(e);
                if (queue.Count > tail)
                {
                    queue.Dequeue();
                }
            }
            existing = queue;
        }
        foreach (var e in existing)
        {
            yield return e;
        }
        if (!follow)
        {
            yield break;
        }
        while (!ct.IsCancellationRequested)
        {
            var done = stopped.IsCompleted;
            foreach (var e in JsonFileLog.ReadFrom(file))
            {
                if (Wanted(e))
                {
                    yield return e;
                }
            }
            if (done)
            {
                yield break;
            }
            // The shim appends as the container writes; a short poll keeps -f close to live.
            await Task.WhenAny(stopped, Task.Delay(100, ct)).ConfigureAwait(false);
        }
    }
}

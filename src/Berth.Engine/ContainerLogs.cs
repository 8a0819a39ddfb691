using System.Runtime.CompilerServices;
using Berth.Common;
using Berth.Runtime.Logging;

namespace Berth.Engine;

/// <summary>What <c>docker logs</c> asks for.</summary>
public sealed record LogOptions(bool Stdout, bool Stderr, DateTimeOffset? Since, DateTimeOffset? Until, int? Tail, bool Follow);

public sealed partial class ContainerService
{
    /// <summary>The container's log entries, oldest first; with <c>Follow</c>, then new ones until it stops.</summary>
    public IAsyncEnumerable<LogEntry> ReadLogsAsync(string idOrName, LogOptions options, CancellationToken ct = default)
    {
        // Checked before the first entry is asked for, so the API can still answer with an error status.
        var entry = Entry(idOrName);
        if (!LogDrivers.Readable(entry.Container.HostConfig.LogConfig))
        {
            throw new BerthException(ErrorKind.NotImplemented, "configured logging driver does not support reading");
        }
        return ReadLogsAsync(entry, options, ct);
    }

    /// <summary>Whether the container's logging driver keeps a log that can be read back (not <c>none</c>).</summary>
    public bool HasReadableLog(string idOrName) => LogDrivers.Readable(Entry(idOrName).Container.HostConfig.LogConfig);

    private async IAsyncEnumerable<LogEntry> ReadLogsAsync(ContainerEntry entry, LogOptions options, [EnumeratorCancellation] CancellationToken ct)
    {
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
        // The log and the files rotated from it (--log-opt max-size/max-file), oldest first.
        using var cursor = new JsonLogCursor(c.LogPath);
        var existing = cursor.ReadExisting().Where(Wanted);
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
            foreach (var e in cursor.ReadNew())
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

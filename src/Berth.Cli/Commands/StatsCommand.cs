using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth stats</c>: one <c>GET /containers/{id}/stats?stream=0|1</c> per container, read on a thread of its own
/// (docker's collect); without names, every running container (all with <c>-a</c>), followed through the event
/// stream as containers start and die. <c>--no-stream</c> prints one table once every container has reported;
/// otherwise the table is redrawn twice a second with the docker CLI's cursor sequences.
/// </summary>
internal sealed class StatsCommand : Command
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(500);

    /// <summary>compat(docker): a container that sent nothing for this long shows "--" (and counts as reported).</summary>
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(2);

    public override string Name => "stats";

    public override string Usage => "[OPTIONS] [CONTAINER...]";

    public override string Summary => "Display a live stream of container(s) resource usage statistics";

    public override ArgRule Args => ArgRule.AtLeast(0);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all", 'a', "Show all containers (default shows just running)");
        flags.String("format", '\0', "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates");
        flags.Bool("no-stream", '\0', "Disable streaming stats and only pull the first result");
        flags.Bool("no-trunc", '\0', "Do not truncate output");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var stream = !f.GetBool("no-stream");
        var all = f.GetBool("all");
        var trunc = !f.GetBool("no-trunc");
        var format = f.GetString("format") is { Length: > 0 } given ? given : "table";
        if (format == "table")
        {
            format = StatsRow.DefaultTable;
        }
        _ = ctx.Client.Version;
        var set = new CollectorSet(ctx.Client, stream);
        if (inv.Args.Count == 0)
        {
            if (stream)
            {
                FollowEvents(ctx.Client, set, all);
            }
            var query = new GoQuery();
            if (all)
            {
                query.Add("all", "1");
            }
            var (_, body, _) = ctx.Client.Call("GET", "/containers/json", query);
            using var doc = JsonDocument.Parse(body);
            foreach (var c in doc.RootElement.EnumerateArray())
            {
                set.Add(c.GetProperty("Id").GetString()![..12]);
            }
            set.WaitFirst();
        }
        else
        {
            foreach (var name in inv.Args)
            {
                set.Add(name);
            }
            set.WaitFirst();
            var errors = set.Snapshot().Where(c => c.Error is not null).Select(c => c.Error!).ToList();
            if (errors.Count > 0)
            {
                throw new StatusException(string.Join('\n', errors), 1);
            }
        }

        while (true)
        {
            var rows = set.Snapshot().Select(c => (IFieldSource)new StatsRow(c.Container, c.Entry, trunc)).ToList();
            var text = TableFormatter.Render(format, rows, new HeaderRow(StatsRow.Titles));
            if (!stream)
            {
                ctx.Io.Write(text);
                return 0;
            }
            // compat(docker): "\e[H" and the table, then the same again a line at a time, each line ending in
            // " \e[K" (erase to its end), then "\e[J" (erase below): what CLI 28.2 writes, twice over as it does.
            var screen = new StringBuilder("\u001b[H").Append(text);
            var lines = screen.ToString().Split('\n');
            foreach (var line in lines)
            {
                screen.Append(line).Append(" \u001b[K\n");
            }
            screen.Append("\u001b[J");
            ctx.Io.Write(screen.ToString());
            if (inv.Args.Count > 0 && set.Count == 0)
            {
                return 0;
            }
            Thread.Sleep(Refresh);
        }
    }

    /// <summary>Adds containers as they start (or are created, with -a) and drops them as they die (without -a).</summary>
    private static void FollowEvents(DockerClient client, CollectorSet set, bool all)
    {
        var query = new GoQuery().Add("filters", "{\"type\":{\"container\":true}}");
        var (_, _, body) = client.Stream("GET", "/events", query);
        var thread = new Thread(() =>
        {
            try
            {
                using var reader = new StreamReader(body);
                while (reader.ReadLine() is { } line)
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }
                    using var doc = JsonDocument.Parse(line);
                    var action = doc.RootElement.TryGetProperty("Action", out var a) ? a.GetString() : null;
                    var id = doc.RootElement.TryGetProperty("id", out var i) ? i.GetString() : null;
                    if (id is not { Length: >= 12 })
                    {
                        continue;
                    }
                    switch (action)
                    {
                        case "create" when all:
                        case "start":
                            set.Add(id[..12]);
                            break;
                        case "die" when !all:
                            set.Remove(id[..12]);
                            break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
            }
        })
        { IsBackground = true };
        thread.Start();
    }

    /// <summary>The containers being watched, in the order they were added.</summary>
    private sealed class CollectorSet(DockerClient client, bool stream)
    {
        private readonly Lock _lock = new();
        private readonly List<Collector> _collectors = [];

        public int Count
        {
            get
            {
                lock (_lock)
                {
                    return _collectors.Count;
                }
            }
        }

        public void Add(string container)
        {
            Collector c;
            lock (_lock)
            {
                if (_collectors.Any(x => x.Container == container))
                {
                    return;
                }
                c = new Collector(container);
                _collectors.Add(c);
            }
            c.Start(client, stream);
        }

        public void Remove(string container)
        {
            lock (_lock)
            {
                _collectors.RemoveAll(c => c.Container == container);
            }
        }

        public List<Collector> Snapshot()
        {
            lock (_lock)
            {
                return [.. _collectors];
            }
        }

        public void WaitFirst()
        {
            foreach (var c in Snapshot())
            {
                c.First.Wait();
            }
        }
    }

    /// <summary>One container's stats stream, read on its own thread.</summary>
    private sealed class Collector(string container)
    {
        private readonly Lock _lock = new();
        private StatsEntry? _entry;
        private string? _error;
        private DateTime _last = DateTime.UtcNow;

        public string Container { get; } = container;

        public ManualResetEventSlim First { get; } = new();

        /// <summary>The last reading, or null while there is none (or the stream went silent).</summary>
        public StatsEntry? Entry
        {
            get
            {
                lock (_lock)
                {
                    return DateTime.UtcNow - _last > Silence + Refresh ? null : _entry;
                }
            }
        }

        public string? Error
        {
            get
            {
                lock (_lock)
                {
                    return _error;
                }
            }
        }

        public void Start(DockerClient client, bool stream)
        {
            new Thread(() => Read(client, stream)) { IsBackground = true }.Start();
            new Thread(() =>
            {
                // compat(docker): nothing within 2 s counts as a (failed) first answer.
                if (!First.Wait(Silence))
                {
                    lock (_lock)
                    {
                        _error ??= "timeout waiting for stats";
                        _entry = null;
                    }
                    First.Set();
                }
            })
            { IsBackground = true }.Start();
        }

        private void Read(DockerClient client, bool stream)
        {
            try
            {
                var query = new GoQuery().Add("stream", stream ? "1" : "0");
                var (conn, _, body) = client.Stream("GET", Requests.ContainerPath(Container, "/stats"), query);
                using (conn)
                using (var reader = new StreamReader(body))
                {
                    while (reader.ReadLine() is { } line)
                    {
                        if (line.Length == 0)
                        {
                            continue;
                        }
                        using var doc = JsonDocument.Parse(line);
                        var entry = StatsCalculator.Entry(doc.RootElement);
                        lock (_lock)
                        {
                            _entry = entry;
                            _error = null;
                            _last = DateTime.UtcNow;
                        }
                        First.Set();
                        if (!stream)
                        {
                            return;
                        }
                    }
                }
            }
            catch (DaemonException e)
            {
                lock (_lock)
                {
                    _error = e.Message;
                }
            }
            catch (Exception e) when (e is IOException or JsonException or System.Net.Sockets.SocketException)
            {
                lock (_lock)
                {
                    _error = e.Message;
                }
            }
            First.Set();
        }
    }
}

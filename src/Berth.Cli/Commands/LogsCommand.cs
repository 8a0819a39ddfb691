using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth logs</c>: inspect for <c>Config.Tty</c>, then <c>GET /containers/{id}/logs</c>, demultiplexed unless TTY.</summary>
internal sealed class LogsCommand : Command
{
    public override string Name => "logs";

    public override string Usage => "[OPTIONS] CONTAINER";

    public override string Summary => "Fetch the logs of a container";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("details", '\0', "Show extra details provided to logs");
        flags.Bool("follow", 'f', "Follow log output");
        flags.String("since", '\0', "Show logs since timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)");
        flags.String("tail", 'n', "Number of lines to show from the end of the logs", null, "all");
        flags.Bool("timestamps", 't', "Show timestamps");
        flags.String("until", '\0', "Show logs before a timestamp (e.g. \"2013-01-02T13:23:37Z\") or relative (e.g. \"42m\" for 42 minutes)");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        string id;
        bool tty;
        using (var doc = Requests.InspectContainer(ctx.Client, inv.Args[0]))
        {
            id = doc.RootElement.GetProperty("Id").GetString()!;
            tty = doc.RootElement.TryGetProperty("Config", out var config) && config.TryGetProperty("Tty", out var t) && t.ValueKind == JsonValueKind.True;
        }
        var query = new GoQuery().Add("stdout", "1").Add("stderr", "1");
        var now = ctx.Now();
        foreach (var name in new[] { "since", "until" })
        {
            if (f.GetString(name) is { Length: > 0 } value)
            {
                var ts = GoTime.GetTimestamp(value, now, out var error)
                    ?? throw new StatusException($"invalid value for \"{name}\": {error}", 1);
                query.Add(name, ts);
            }
        }
        if (f.GetBool("timestamps"))
        {
            query.Add("timestamps", "1");
        }
        if (f.GetBool("details"))
        {
            query.Add("details", "1");
        }
        if (f.GetBool("follow"))
        {
            query.Add("follow", "1");
        }
        query.Add("tail", f.GetString("tail") ?? "all");
        var (conn, _, body) = ctx.Client.Stream("GET", Requests.ContainerPath(id, "/logs"), query);
        using (conn)
        {
            try
            {
                if (tty)
                {
                    body.CopyTo(ctx.Io.Out);
                }
                else
                {
                    StreamDemuxer.Copy(body, ctx.Io.Out, ctx.Io.Err);
                }
            }
            catch (IOException e)
            {
                throw new StatusException(e.Message, 1);
            }
            catch (Berth.Http.HttpProtocolException e)
            {
                throw new StatusException(e.Message, 1);
            }
        }
        return 0;
    }
}

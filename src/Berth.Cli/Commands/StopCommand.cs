using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth stop</c>: <c>POST /containers/{id}/stop[?t=N][&amp;signal=S]</c>, in parallel, names echoed.</summary>
internal sealed class StopCommand : Command
{
    public override string Name => "stop";

    public override string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public override string Summary => "Stop one or more running containers";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("signal", 's', "Signal to send to the container");
        flags.Int("timeout", 't', "Seconds to wait before killing the container");
        flags.Int("time", '\0', "Seconds to wait before killing the container (deprecated: use --timeout)");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var query = new GoQuery();
        var f = inv.Flags;
        if (f.Changed("timeout") || f.Changed("time"))
        {
            query.Add("t", f.GetString(f.Changed("timeout") ? "timeout" : "time")!);
        }
        // compat(docker): the signal is only sent to daemons speaking API 1.42 or later.
        if (f.GetString("signal") is { Length: > 0 } signal && ctx.Client.VersionAtLeast("1.42"))
        {
            query.Add("signal", signal);
        }
        _ = ctx.Client.Version;
        var results = Requests.Parallel(inv.Args, name =>
        {
            using var conn = ctx.Client.Connect();
            var (_, _, body) = ctx.Client.Stream("POST", Requests.ContainerPath(name, "/stop"), query, conn: conn);
            body.CopyTo(Stream.Null);
        });
        return Report(ctx, inv.Args, results);
    }

    /// <summary>Prints the names that succeeded, then fails with the joined errors.</summary>
    internal static int Report(CommandContext ctx, IReadOnlyList<string> names, List<Exception?> results)
    {
        var errors = new List<Exception>();
        for (var i = 0; i < names.Count; i++)
        {
            if (results[i] is { } e)
            {
                errors.Add(e);
                continue;
            }
            ctx.Io.WriteLine(names[i]);
        }
        if (errors.Count > 0)
        {
            throw new StatusException(Requests.JoinErrors(errors), 1);
        }
        return 0;
    }
}

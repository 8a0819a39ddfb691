using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth kill</c>: <c>POST /containers/{id}/kill[?signal=S]</c>, in parallel, names echoed.</summary>
internal sealed class KillCommand : Command
{
    public override string Name => "kill";

    public override string Usage => "[OPTIONS] CONTAINER [CONTAINER...]";

    public override string Summary => "Kill one or more running containers";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags) => flags.String("signal", 's', "Signal to send to the container");

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var query = new GoQuery();
        if (inv.Flags.GetString("signal") is { Length: > 0 } signal)
        {
            query.Add("signal", signal);
        }
        _ = ctx.Client.Version;
        var results = Requests.Parallel(inv.Args, name =>
        {
            using var conn = ctx.Client.Connect();
            var (_, _, body) = ctx.Client.Stream("POST", Requests.ContainerPath(name, "/kill"), query, conn: conn);
            body.CopyTo(Stream.Null);
        });
        return StopCommand.Report(ctx, inv.Args, results);
    }
}

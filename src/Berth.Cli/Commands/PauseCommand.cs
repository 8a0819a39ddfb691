using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth pause</c> / <c>berth unpause</c>: <c>POST /containers/{id}/pause|unpause</c>, in parallel, names echoed.</summary>
internal sealed class PauseCommand(bool pause) : Command
{
    public override string Name => pause ? "pause" : "unpause";

    public override string Usage => "CONTAINER [CONTAINER...]";

    public override string Summary => pause ? "Pause all processes within one or more containers" : "Unpause all processes within one or more containers";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        _ = ctx.Client.Version;
        var results = Requests.Parallel(inv.Args, name =>
        {
            using var conn = ctx.Client.Connect();
            var (_, _, body) = ctx.Client.Stream("POST", Requests.ContainerPath(name, "/" + Name), conn: conn);
            body.CopyTo(Stream.Null);
        });
        return StopCommand.Report(ctx, inv.Args, results);
    }
}

using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth container prune</c>: asks unless -f, then <c>POST /containers/prune</c>.</summary>
internal sealed class ContainerPruneCommand : Command
{
    private const string Warning = "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?";

    public override string Name => "prune";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Remove all stopped containers";

    public override void DefineFlags(FlagSet flags)
    {
        flags.List("filter", '\0', "Provide filter values (e.g. \"until=<timestamp>\")", Requests.CheckFilter, "filter");
        flags.Bool("force", 'f', "Do not prompt for confirmation");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        // compat(docker): a "no" cancels: nothing more is printed and the exit status is 0.
        if (!inv.Flags.GetBool("force") && !Prompt.Confirm(ctx.Io, Warning))
        {
            return 0;
        }
        PruneReport.Print(ctx, PruneReport.Containers(ctx, inv.Flags.GetList("filter")));
        return 0;
    }
}

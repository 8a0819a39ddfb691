using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth image prune [-a]</c>: asks unless -f, then <c>POST /images/prune</c> (dangling only, or every
/// image no container uses with -a).</summary>
internal sealed class ImagePruneCommand : Command
{
    private const string DanglingWarning = "WARNING! This will remove all dangling images.\nAre you sure you want to continue?";
    private const string AllWarning = "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?";

    public override string Name => "prune";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Remove unused images";

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all", 'a', "Remove all unused images, not just dangling ones");
        flags.List("filter", '\0', "Provide filter values (e.g. \"until=<timestamp>\")", Requests.CheckFilter, "filter");
        flags.Bool("force", 'f', "Do not prompt for confirmation");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var all = inv.Flags.GetBool("all");
        if (!inv.Flags.GetBool("force") && !Prompt.Confirm(ctx.Io, all ? AllWarning : DanglingWarning))
        {
            return 0;
        }
        PruneReport.Print(ctx, PruneReport.Images(ctx, inv.Flags.GetList("filter"), all));
        return 0;
    }
}

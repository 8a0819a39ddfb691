using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth builder prune</c>: <c>POST /build/prune</c>. There is no build cache yet, so it reclaims 0B.</summary>
internal sealed class BuilderPruneCommand : Command
{
    private const string DanglingWarning = "WARNING! This will remove all dangling build cache. Are you sure you want to continue?";
    private const string AllWarning = "WARNING! This will remove all build cache. Are you sure you want to continue?";

    public override string Name => "prune";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Remove build cache";

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all", 'a', "Remove all unused build cache, not just dangling ones");
        flags.List("filter", '\0', "Provide filter values (e.g. \"until=24h\")", Requests.CheckFilter, "filter");
        flags.Bool("force", 'f', "Do not prompt for confirmation");
        flags.String("keep-storage", '\0', "Amount of disk space to keep for cache", v => HumanUnits.TryParseRam(v, out _, out var error) ? null : error);
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        long keep = 0;
        if (inv.Flags.GetString("keep-storage") is { Length: > 0 } value)
        {
            HumanUnits.TryParseRam(value, out keep, out _);
        }
        var all = inv.Flags.GetBool("all");
        if (!inv.Flags.GetBool("force") && !Prompt.Confirm(ctx.Io, all ? AllWarning : DanglingWarning))
        {
            return 0;
        }
        PruneReport.Print(ctx, PruneReport.BuildCache(ctx, inv.Flags.GetList("filter"), all, keep));
        return 0;
    }
}

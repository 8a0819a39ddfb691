using System.Text;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth system prune [-a] [--volumes]</c>: as the docker CLI, one confirmation, then the prune endpoints one by
/// one (containers, networks, volumes when asked, images, build cache), each reporting what went, then the total.
/// </summary>
internal sealed class SystemPruneCommand : Command
{
    public override string Name => "prune";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Remove unused data";

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all", 'a', "Remove all unused images not just dangling ones");
        flags.List("filter", '\0', "Provide filter values (e.g. \"label=<key>=<value>\")", Requests.CheckFilter, "filter");
        flags.Bool("force", 'f', "Do not prompt for confirmation");
        flags.Bool("volumes", '\0', "Prune anonymous volumes");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var all = inv.Flags.GetBool("all");
        var volumes = inv.Flags.GetBool("volumes");
        var filters = inv.Flags.GetList("filter");
        if (volumes && filters.Any(f => Key(f) == "until"))
        {
            throw new StatusException("ERROR: The \"until\" filter is not supported with \"--volumes\"", 1);
        }
        if (!inv.Flags.GetBool("force") && !Prompt.Confirm(ctx.Io, Confirmation(all, volumes, filters)))
        {
            return 0;
        }
        var results = new List<(long Reclaimed, string Output)>
        {
            PruneReport.Containers(ctx, filters),
            PruneReport.Networks(ctx, filters),
        };
        if (volumes)
        {
            results.Add(PruneReport.Volumes(ctx, filters));
        }
        results.Add(PruneReport.Images(ctx, filters, all));
        results.Add(PruneReport.BuildCache(ctx, filters, all));
        foreach (var (_, output) in results.Where(r => r.Output.Length > 0))
        {
            ctx.Io.Write(output + "\n");
        }
        ctx.Io.Write(PruneReport.Total(results.Sum(r => r.Reclaimed)));
        return 0;
    }

    private static string Key(string filter) => filter.Trim().Split('=', 2)[0].Trim().ToLowerInvariant();

    /// <summary>docker's confirmation template: what goes, then the label and until filters, naturally sorted.</summary>
    internal static string Confirmation(bool all, bool volumes, IReadOnlyList<string> filters)
    {
        var sb = new StringBuilder("WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n");
        if (volumes)
        {
            sb.Append("  - all anonymous volumes not used by at least one container\n");
        }
        sb.Append(all ? "  - all images without at least one container associated to them\n" : "  - all dangling images\n");
        sb.Append(all ? "  - all build cache\n" : "  - unused build cache\n");
        var shown = filters
            .Select(f => (Key: Key(f), Value: f.Trim().Split('=', 2)[1].Trim()))
            .Where(f => f.Key is "label" or "label!" or "until")
            .Select(f => f.Key + "=" + f.Value)
            .Distinct(StringComparer.Ordinal)
            .Order(NaturalOrder.Instance)
            .ToList();
        if (shown.Count > 0)
        {
            sb.Append("\n  Items to be pruned will be filtered with:\n");
            foreach (var f in shown)
            {
                sb.Append("  - ").Append(f).Append('\n');
            }
        }
        return sb.Append("\nAre you sure you want to continue?").ToString();
    }
}

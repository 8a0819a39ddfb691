using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth volume prune</c>: asks unless -f, then <c>POST /volumes/prune[?filters=...]</c>, lists what
/// went and the space it freed.</summary>
internal sealed class VolumePruneCommand : Command
{
    private const string AnonymousWarning = "WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?";
    private const string AllWarning = "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?";

    public override string Name => "prune";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Remove unused local volumes";

    public override ArgRule Args => ArgRule.None;

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all", 'a', "Remove all unused volumes, not just anonymous ones");
        flags.List("filter", '\0', "Provide filter values (e.g. \"label=<label>\")", Requests.CheckFilter, "filter");
        flags.Bool("force", 'f', "Do not prompt for confirmation");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var filters = inv.Flags.GetList("filter");
        var extra = new List<(string, string)>();
        var warning = AnonymousWarning;
        if (ctx.Client.VersionAtLeast("1.42"))
        {
            if (inv.Flags.GetBool("all"))
            {
                if (filters.Any(f => f.Split('=', 2)[0].Trim() == "all"))
                {
                    throw new StatusException("conflicting options: cannot specify both --all and --filter all=1", 1);
                }
                extra.Add(("all", "true"));
                warning = AllWarning;
            }
        }
        else
        {
            // compat(docker): before API 1.42 the daemon prunes named volumes as well (and --all changes nothing).
            warning = AllWarning;
        }
        // compat(docker): a "no" is a cancelled operation: nothing more is printed and the exit status is 0.
        if (!inv.Flags.GetBool("force") && !Prompt.Confirm(ctx.Io, warning))
        {
            return 0;
        }
        var query = new GoQuery();
        if (Requests.FiltersJson(filters, extra) is { } json)
        {
            query.Add("filters", json);
        }
        var (_, body, _) = ctx.Client.Call("POST", "/volumes/prune", query);
        ctx.Io.Write(Report(body));
        return 0;
    }

    /// <summary>"Deleted Volumes:" and one name a line, an empty line, then "Total reclaimed space: …" (always).</summary>
    internal static string Report(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var sb = new StringBuilder();
        double reclaimed = 0;
        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("VolumesDeleted", out var deleted) &&
            deleted.ValueKind == JsonValueKind.Array && deleted.GetArrayLength() > 0)
        {
            sb.Append("Deleted Volumes:\n");
            foreach (var n in deleted.EnumerateArray())
            {
                sb.Append(n.GetString()).Append('\n');
            }
            sb.Append('\n');
            if (doc.RootElement.TryGetProperty("SpaceReclaimed", out var space) && space.TryGetDouble(out var bytes))
            {
                reclaimed = bytes;
            }
        }
        sb.Append("Total reclaimed space: ").Append(HumanUnits.Size(reclaimed, 4)).Append('\n');
        return sb.ToString();
    }
}

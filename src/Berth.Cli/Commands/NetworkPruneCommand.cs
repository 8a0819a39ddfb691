using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth network prune</c>: asks unless -f, then <c>POST /networks/prune[?filters=...]</c> and lists what went.</summary>
internal sealed class NetworkPruneCommand : Command
{
    private const string Warning = "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?";

    public override string Name => "prune";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Remove all unused networks";

    public override void DefineFlags(FlagSet flags)
    {
        flags.List("filter", '\0', "Provide filter values (e.g. \"until=<timestamp>\")", Requests.CheckFilter, "filter");
        flags.Bool("force", 'f', "Do not prompt for confirmation");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        // compat(docker): a "no" is a cancelled operation: nothing more is printed and the exit status is 0.
        if (!inv.Flags.GetBool("force") && !Prompt.Confirm(ctx.Io, Warning))
        {
            return 0;
        }
        var query = new GoQuery();
        if (Requests.FiltersJson(inv.Flags.GetList("filter")) is { } filters)
        {
            query.Add("filters", filters);
        }
        var (_, body, _) = ctx.Client.Call("POST", "/networks/prune", query);
        ctx.Io.Write(Report(body));
        return 0;
    }

    /// <summary>"Deleted Networks:" and one name a line, then the empty line of docker's Fprintln; nothing when none went.</summary>
    internal static string Report(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var sb = new StringBuilder();
        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("NetworksDeleted", out var deleted) &&
            deleted.ValueKind == JsonValueKind.Array && deleted.GetArrayLength() > 0)
        {
            sb.Append("Deleted Networks:\n");
            foreach (var n in deleted.EnumerateArray())
            {
                sb.Append(n.GetString()).Append('\n');
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}

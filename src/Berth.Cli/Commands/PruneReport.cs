using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>
/// The prune endpoints as the docker CLI's pruners call and report them: each returns the bytes reclaimed and
/// its "Deleted …:" lines (empty when nothing went); the command prints those, then the total.
/// </summary>
internal static class PruneReport
{
    public static (long Reclaimed, string Output) Containers(CommandContext ctx, IReadOnlyList<string> filters) =>
        Of(Call(ctx, "/containers/prune", filters), "ContainersDeleted", "Deleted Containers:");

    public static (long Reclaimed, string Output) Networks(CommandContext ctx, IReadOnlyList<string> filters) =>
        Of(Call(ctx, "/networks/prune", filters), "NetworksDeleted", "Deleted Networks:");

    public static (long Reclaimed, string Output) Volumes(CommandContext ctx, IReadOnlyList<string> filters) =>
        Of(Call(ctx, "/volumes/prune", filters), "VolumesDeleted", "Deleted Volumes:");

    /// <summary>compat(docker): image prune always sends <c>dangling</c>: true, or false for -a.</summary>
    public static (long Reclaimed, string Output) Images(CommandContext ctx, IReadOnlyList<string> filters, bool all)
    {
        var body = Call(ctx, "/images/prune", filters, [("dangling", all ? "false" : "true")]);
        using var doc = JsonDocument.Parse(body);
        var sb = new StringBuilder();
        if (doc.RootElement.TryGetProperty("ImagesDeleted", out var deleted) && deleted.ValueKind == JsonValueKind.Array && deleted.GetArrayLength() > 0)
        {
            sb.Append("Deleted Images:\n");
            foreach (var item in deleted.EnumerateArray())
            {
                if (item.TryGetProperty("Untagged", out var u) && u.GetString() is { Length: > 0 } untagged)
                {
                    sb.Append("untagged: ").Append(untagged).Append('\n');
                }
                else if (item.TryGetProperty("Deleted", out var d))
                {
                    sb.Append("deleted: ").Append(d.GetString()).Append('\n');
                }
            }
        }
        return (Reclaimed(doc.RootElement), sb.ToString());
    }

    public static (long Reclaimed, string Output) BuildCache(CommandContext ctx, IReadOnlyList<string> filters, bool all, long keepStorage = 0)
    {
        var query = Query(filters, []);
        if (all)
        {
            query.Add("all", "1");
        }
        if (keepStorage != 0)
        {
            query.Add("keep-storage", keepStorage.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var (_, body, _) = ctx.Client.Call("POST", "/build/prune", query);
        return Of(body, "CachesDeleted", "Deleted build cache objects:");
    }

    /// <summary>docker's <c>Total reclaimed space: 1.234MB</c> line.</summary>
    public static string Total(long bytes) => "Total reclaimed space: " + HumanUnits.Size(bytes, 4) + "\n";

    /// <summary>Writes a pruner's output as docker's Fprintln does (an empty line after a list), then the total.</summary>
    public static void Print(CommandContext ctx, (long Reclaimed, string Output) result)
    {
        if (result.Output.Length > 0)
        {
            ctx.Io.Write(result.Output + "\n");
        }
        ctx.Io.Write(Total(result.Reclaimed));
    }

    private static byte[] Call(CommandContext ctx, string path, IReadOnlyList<string> filters, (string, string)[]? extra = null)
    {
        var (_, body, _) = ctx.Client.Call("POST", path, Query(filters, extra ?? []));
        return body;
    }

    private static GoQuery Query(IReadOnlyList<string> filters, (string, string)[] extra)
    {
        var query = new GoQuery();
        if (Requests.FiltersJson(filters, extra) is { } json)
        {
            query.Add("filters", json);
        }
        return query;
    }

    private static long Reclaimed(JsonElement root) =>
        root.TryGetProperty("SpaceReclaimed", out var r) && r.ValueKind == JsonValueKind.Number ? r.GetInt64() : 0;

    private static (long, string) Of(byte[] body, string listField, string title)
    {
        using var doc = JsonDocument.Parse(body);
        var sb = new StringBuilder();
        if (doc.RootElement.TryGetProperty(listField, out var list) && list.ValueKind == JsonValueKind.Array && list.GetArrayLength() > 0)
        {
            sb.Append(title).Append('\n');
            foreach (var item in list.EnumerateArray())
            {
                sb.Append(item.GetString()).Append('\n');
            }
        }
        return (Reclaimed(doc.RootElement), sb.ToString());
    }
}

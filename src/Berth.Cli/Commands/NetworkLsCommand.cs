using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary><c>berth network ls</c>: <c>GET /networks</c>, sorted by name, through docker's network formatter.</summary>
internal sealed class NetworkLsCommand : Command
{
    private const string DefaultTable = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";

    public override string Name => "ls";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "List networks";

    public override void DefineFlags(FlagSet flags)
    {
        flags.List("filter", 'f', "Provide filter values (e.g. \"driver=bridge\")", Requests.CheckFilter, "filter");
        flags.String("format", '\0', "Format output using a custom template");
        flags.Bool("no-trunc", '\0', "Do not truncate the output");
        flags.Bool("quiet", 'q', "Only display network IDs");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var query = new GoQuery();
        if (Requests.FiltersJson(f.GetList("filter")) is { } filters)
        {
            query.Add("filters", filters);
        }
        var (_, body, _) = ctx.Client.Call("GET", "/networks", query);
        using var doc = JsonDocument.Parse(body);
        var format = Format(f.GetString("format") is { Length: > 0 } given ? given : "table", f.GetBool("quiet"));
        ctx.Io.Write(Render(doc.RootElement, format, trunc: !f.GetBool("no-trunc")));
        return 0;
    }

    /// <summary>The listing in docker's order (natural sort by name) and <paramref name="format"/>.</summary>
    internal static string Render(JsonElement networks, string format, bool trunc)
    {
        var rows = new List<NetworkRow>();
        if (networks.ValueKind == JsonValueKind.Array)
        {
            foreach (var n in networks.EnumerateArray())
            {
                rows.Add(new NetworkRow(n, trunc));
            }
        }
        var sorted = rows.OrderBy(r => r.Name, NaturalOrder.Instance).Cast<IFieldSource>();
        return TableFormatter.Render(format, sorted, new HeaderRow(HeaderRow.Networks));
    }

    /// <summary>docker's network NewFormat: -q only changes the table and raw formats.</summary>
    internal static string Format(string source, bool quiet) => source switch
    {
        "table" => quiet ? "{{.ID}}" : DefaultTable,
        "raw" => quiet ? "network_id: {{.ID}}" : "network_id: {{.ID}}\\nname: {{.Name}}\\ndriver: {{.Driver}}\\nscope: {{.Scope}}\\n",
        _ => source,
    };
}

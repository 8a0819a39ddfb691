using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary><c>berth volume ls</c>: <c>GET /volumes</c>, sorted by name, through docker's volume formatter.</summary>
internal sealed class VolumeLsCommand : Command
{
    private const string DefaultTable = "table {{.Driver}}\t{{.Name}}";

    public override string Name => "ls";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "List volumes";

    public override ArgRule Args => ArgRule.None;

    public override void DefineFlags(FlagSet flags)
    {
        flags.List("filter", 'f', "Provide filter values (e.g. \"dangling=true\")", Requests.CheckFilter, "filter");
        flags.String("format", '\0', "Format output using a custom template");
        flags.Bool("quiet", 'q', "Only display volume names");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var query = new GoQuery();
        if (Requests.FiltersJson(f.GetList("filter")) is { } filters)
        {
            query.Add("filters", filters);
        }
        var (_, body, _) = ctx.Client.Call("GET", "/volumes", query);
        using var doc = JsonDocument.Parse(body);
        var volumes = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("Volumes", out var v) ? v : default;
        var format = Format(f.GetString("format") is { Length: > 0 } given ? given : "table", f.GetBool("quiet"));
        ctx.Io.Write(Render(volumes, format));
        return 0;
    }

    /// <summary>The listing in docker's order (natural sort by name) and <paramref name="format"/>.</summary>
    internal static string Render(JsonElement volumes, string format)
    {
        var rows = new List<VolumeRow>();
        if (volumes.ValueKind == JsonValueKind.Array)
        {
            foreach (var v in volumes.EnumerateArray())
            {
                rows.Add(new VolumeRow(v));
            }
        }
        var sorted = rows.OrderBy(r => r.Name, NaturalOrder.Instance).Cast<IFieldSource>();
        return TableFormatter.Render(format, sorted, new HeaderRow(HeaderRow.Volumes));
    }

    /// <summary>docker's NewVolumeFormat: -q only changes the table and raw formats.</summary>
    internal static string Format(string source, bool quiet) => source switch
    {
        "table" => quiet ? "{{.Name}}" : DefaultTable,
        "raw" => quiet ? "name: {{.Name}}" : "name: {{.Name}}\\ndriver: {{.Driver}}\\n",
        _ => source,
    };
}

using System.Globalization;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary><c>berth ps</c> / <c>berth container ls</c>: <c>GET /containers/json</c> through docker's container formatter.</summary>
internal sealed class PsCommand(string name) : Command
{
    private const string DefaultTable = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

    public override string Name => name;

    public override string Usage => "[OPTIONS]";

    public override string Summary => "List containers";

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all", 'a', "Show all containers (default shows just running)");
        flags.List("filter", 'f', "Filter output based on conditions provided", Requests.CheckFilter);
        flags.String("format", '\0', "Format output using a custom template");
        flags.Int("last", 'n', "Show n last created containers (includes all states)", "-1");
        flags.Bool("latest", 'l', "Show the latest created container (includes all states)");
        flags.Bool("no-trunc", '\0', "Don't truncate output");
        flags.Bool("quiet", 'q', "Only display container IDs");
        flags.Bool("size", 's', "Display total file sizes");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var format = f.GetString("format") ?? "";
        var quiet = f.GetBool("quiet");
        if (format.Length > 0 && quiet)
        {
            ctx.Io.Err.Write("WARNING: Ignoring custom format, because both --format and --quiet are set.\n"u8);
        }
        var size = f.GetBool("size");
        var last = f.GetLong("last", -1);
        if (f.GetBool("latest") && last == -1)
        {
            last = 1;
        }
        if (format.Length > 0)
        {
            // compat(docker): run the template once on an empty row to see whether it reads .Size.
            GoTemplate probe;
            try
            {
                probe = GoTemplate.Parse(format);
            }
            catch (TemplateException e)
            {
                throw new StatusException("failed to parse template: " + e.Message, 1);
            }
            var empty = new ContainerRow(default, true, ctx.Now());
            try
            {
                probe.Execute(empty);
            }
            catch (TemplateException)
            {
            }
            if (!quiet && !size && !f.Changed("size") && empty.SizeUsed)
            {
                size = true;
            }
        }
        var query = new GoQuery();
        if (f.GetBool("all"))
        {
            query.Add("all", "1");
        }
        if (last > 0)
        {
            query.Add("limit", last.ToString(CultureInfo.InvariantCulture));
        }
        if (size)
        {
            query.Add("size", "1");
        }
        if (Requests.FiltersJson(f.GetList("filter")) is { } filters)
        {
            query.Add("filters", filters);
        }
        var (_, body, _) = ctx.Client.Call("GET", "/containers/json", query);
        using var doc = JsonDocument.Parse(body);
        var rows = new List<IFieldSource>();
        var now = ctx.Now();
        var trunc = !f.GetBool("no-trunc");
        if (doc.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in doc.RootElement.EnumerateArray())
            {
                rows.Add(new ContainerRow(c, trunc, now));
            }
        }
        ctx.Io.Write(TableFormatter.Render(Format(format, quiet, size), rows, new HeaderRow(HeaderRow.Containers)));
        return 0;
    }

    /// <summary>docker's NewContainerFormat.</summary>
    internal static string Format(string source, bool quiet, bool size)
    {
        switch (source)
        {
            case "" or "table":
                return quiet ? "{{.ID}}" : size ? DefaultTable + "\t{{.Size}}" : DefaultTable;
            case "raw":
                if (quiet)
                {
                    return "container_id: {{.ID}}";
                }
                var raw = "container_id: {{.ID}}\nimage: {{.Image}}\ncommand: {{.Command}}\ncreated_at: {{.CreatedAt}}\nstate: {{- pad .State 1 0}}\nstatus: {{- pad .Status 1 0}}\nnames: {{.Names}}\nlabels: {{- pad .Labels 1 0}}\nports: {{- pad .Ports 1 0}}\n";
                return size ? raw + "size: {{.Size}}\\n" : raw;
            default:
                return quiet ? "{{.ID}}" : source;
        }
    }
}

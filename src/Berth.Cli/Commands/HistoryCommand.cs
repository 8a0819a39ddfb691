using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary><c>berth history</c> / <c>berth image history</c>: <c>GET /images/NAME/history</c> through docker's history formatter.</summary>
internal sealed class HistoryCommand : Command
{
    private const string DefaultTable = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    private const string NonHumanTable = "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";

    public override string Name => "history";

    public override string Usage => "[OPTIONS] IMAGE";

    public override string Summary => "Show the history of an image";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("format", '\0', "Format output using a custom template");
        flags.Bool("human", 'H', "Print sizes and dates in human readable format", dflt: true);
        flags.Bool("no-trunc", '\0', "Don't truncate output");
        flags.String("platform", '\0', "Show history for the given platform. Formatted as \"os[/arch[/variant]]\" (e.g., \"linux/amd64\")");
        flags.Bool("quiet", 'q', "Only show image IDs");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var query = new GoQuery();
        if (f.GetString("platform") is { Length: > 0 } platform)
        {
            if (!ctx.Client.VersionAtLeast("1.48"))
            {
                throw new StatusException($"\"platform\" requires API version 1.48, but the Docker daemon API version is {ctx.Client.Version}", 1);
            }
            query.Add("platform", SaveCommand.PlatformJson(platform));
        }
        var (_, body, _) = ctx.Client.Call("GET", Requests.ImagePath(inv.Args[0], "/history"), query);
        using var doc = JsonDocument.Parse(body);
        var human = f.GetBool("human");
        ctx.Io.Write(Render(doc.RootElement, Format(f.GetString("format") is { Length: > 0 } given ? given : "table", f.GetBool("quiet"), human),
            trunc: !f.GetBool("no-trunc"), human, ctx.Now()));
        return 0;
    }

    /// <summary>docker's NewHistoryFormat.</summary>
    internal static string Format(string source, bool quiet, bool human) =>
        source != "table" ? source : quiet ? "{{.ID}}" : human ? DefaultTable : NonHumanTable;

    internal static string Render(JsonElement history, string format, bool trunc, bool human, DateTimeOffset now)
    {
        var rows = new List<IFieldSource>();
        if (history.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in history.EnumerateArray())
            {
                rows.Add(new HistoryRow(item, trunc, human, now));
            }
        }
        return TableFormatter.Render(format, rows, new HeaderRow(HeaderRow.History));
    }
}

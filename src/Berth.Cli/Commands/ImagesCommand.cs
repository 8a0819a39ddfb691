using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary><c>berth images</c> / <c>berth image ls</c>: <c>GET /images/json</c> through docker's image formatter.</summary>
internal sealed class ImagesCommand(string name) : Command
{
    private const string DefaultTable = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
    private const string DigestTable = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";

    public override string Name => name;

    public override string Usage => "[OPTIONS] [REPOSITORY[:TAG]]";

    public override string Summary => "List images";

    public override ArgRule Args => ArgRule.Between(0, 1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("all", 'a', "Show all images (default hides intermediate images)");
        flags.Bool("digests", '\0', "Show digests");
        flags.List("filter", 'f', "Filter output based on conditions provided", Requests.CheckFilter);
        flags.String("format", '\0', "Format output using a custom template");
        flags.Bool("no-trunc", '\0', "Don't truncate output");
        flags.Bool("quiet", 'q', "Only show image IDs");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        var query = new GoQuery();
        if (f.GetBool("all"))
        {
            query.Add("all", "1");
        }
        var extra = inv.Args.Count == 1 ? new[] { ("reference", inv.Args[0]) } : null;
        if (Requests.FiltersJson(f.GetList("filter"), extra) is { } filters)
        {
            query.Add("filters", filters);
        }
        var (_, body, _) = ctx.Client.Call("GET", "/images/json", query);
        using var doc = JsonDocument.Parse(body);
        var quiet = f.GetBool("quiet");
        var digests = f.GetBool("digests");
        var format = Format(f.GetString("format") is { Length: > 0 } given ? given : "table", quiet, digests);
        var needDigest = digests || format.Contains("{{.Digest}}", StringComparison.Ordinal);
        var rows = new List<IFieldSource>();
        var now = ctx.Now();
        var trunc = !f.GetBool("no-trunc");
        if (doc.RootElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var image in doc.RootElement.EnumerateArray())
            {
                rows.AddRange(ImageRow.Expand(image, trunc, digests, needDigest, now));
            }
        }
        ctx.Io.Write(TableFormatter.Render(format, rows, new HeaderRow(HeaderRow.Images)));
        return 0;
    }

    /// <summary>docker's NewImageFormat.</summary>
    internal static string Format(string source, bool quiet, bool digest)
    {
        switch (source)
        {
            case "table":
                return quiet ? "{{.ID}}" : digest ? DigestTable : DefaultTable;
            case "raw":
                if (quiet)
                {
                    return "image_id: {{.ID}}";
                }
                return digest
                    ? "repository: {{ .Repository }}\ntag: {{.Tag}}\ndigest: {{.Digest}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n"
                    : "repository: {{ .Repository }}\ntag: {{.Tag}}\nimage_id: {{.ID}}\ncreated_at: {{.CreatedAt}}\nvirtual_size: {{.Size}}\n";
        }
        if (TableFormatter.IsTable(source) && digest && !source.Contains("{{.Digest}}", StringComparison.Ordinal))
        {
            return source + "\t{{.Digest}}";
        }
        return source;
    }
}

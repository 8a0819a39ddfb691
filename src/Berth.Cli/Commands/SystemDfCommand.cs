using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary><c>berth system df [-v] [--format]</c>: <c>GET /system/df</c>, summed up as the docker CLI does.</summary>
internal sealed class SystemDfCommand : Command
{
    private const string SummaryTable = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
    private const string ImageTable = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}";
    private const string ContainerTable = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}";
    private const string VolumeTable = "table {{.Name}}\t{{.Links}}\t{{.Size}}";
    private const string BuildCacheTable = "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}";

    public override string Name => "df";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Show disk usage";

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("format", '\0', "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates");
        flags.Bool("verbose", 'v', "Show detailed information on space usage");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var format = inv.Flags.GetString("format") is { Length: > 0 } given ? given : "table";
        var verbose = inv.Flags.GetBool("verbose");
        var (_, body, _) = ctx.Client.Call("GET", "/system/df", new GoQuery());
        using var doc = JsonDocument.Parse(body);
        if (!verbose)
        {
            ctx.Io.Write(TableFormatter.Render(format == "table" ? SummaryTable : format, Totals(doc.RootElement), new HeaderRow(HeaderRow.DiskUsage)));
            return 0;
        }
        if (format != "table")
        {
            throw new StatusException("berth: a custom --format with --verbose is not supported", 1);
        }
        ctx.Io.Write(Verbose(doc.RootElement, ctx.Now()));
        return 0;
    }

    private static IEnumerable<JsonElement> Items(JsonElement root, string name) =>
        root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Array ? a.EnumerateArray() : [];

    private static long Long(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    /// <summary>The four lines, computed as docker 28's formatter does from the daemon's answer.</summary>
    internal static List<IFieldSource> Totals(JsonElement root)
    {
        var images = Items(root, "Images").ToList();
        long used = 0;
        foreach (var i in images.Where(i => Long(i, "Containers") > 0))
        {
            if (Long(i, "Size") != -1 && Long(i, "SharedSize") != -1)
            {
                used += Long(i, "Size") - Long(i, "SharedSize");
            }
        }
        var layers = Long(root, "LayersSize");

        var containers = Items(root, "Containers").ToList();
        // compat(docker): running, paused and restarting containers are the active ones.
        static bool Active(JsonElement c) => Str(c, "State") is "running" or "paused" or "restarting";

        var volumes = Items(root, "Volumes").ToList();
        static long VolumeSize(JsonElement v) => v.TryGetProperty("UsageData", out var u) && Long(u, "Size") is var n and not -1 ? n : 0;
        static bool Linked(JsonElement v) => v.TryGetProperty("UsageData", out var u) && Long(u, "RefCount") > 0;

        var cache = Items(root, "BuildCache").ToList();
        static bool InUse(JsonElement b) => b.TryGetProperty("InUse", out var v) && v.ValueKind == JsonValueKind.True;
        static bool Shared(JsonElement b) => b.TryGetProperty("Shared", out var v) && v.ValueKind == JsonValueKind.True;

        return
        [
            new DiskUsageRow("Images", images.Count, images.Count(i => Long(i, "Containers") > 0), layers, layers - used),
            new DiskUsageRow("Containers", containers.Count, containers.Count(Active), containers.Sum(c => Long(c, "SizeRw")), containers.Where(c => !Active(c)).Sum(c => Long(c, "SizeRw"))),
            new DiskUsageRow("Local Volumes", volumes.Count, volumes.Count(Linked), volumes.Sum(VolumeSize), volumes.Where(v => !Linked(v)).Sum(VolumeSize)),
            new DiskUsageRow("Build Cache", cache.Count, cache.Count(InUse), cache.Sum(b => Long(b, "Size")), cache.Where(b => !InUse(b) && !Shared(b)).Sum(b => Long(b, "Size")), percent: false),
        ];
    }

    /// <summary>docker's verboseWriteTable: the images, containers, volumes and build cache, each under its title.</summary>
    internal static string Verbose(JsonElement root, DateTimeOffset now)
    {
        var sb = new StringBuilder("Images space usage:\n\n");
        var images = new List<IFieldSource>();
        foreach (var i in Items(root, "Images"))
        {
            var (repo, tag) = ("<none>", "<none>");
            var tags = Items(i, "RepoTags").Select(t => t.GetString() ?? "").ToList();
            var digests = Items(i, "RepoDigests").Select(t => t.GetString() ?? "").ToList();
            var dangling = tags is ["<none>:<none>"] && digests is ["<none>@<none>"];
            if (tags.Count > 0 && !dangling)
            {
                // compat(docker): only the first tag is shown; an image whose first tag does not parse is left out.
                if (!ImageReference.TryParseNormalized(tags[0], out var r, out _))
                {
                    continue;
                }
                if (r.Tag is not null)
                {
                    (repo, tag) = (r.FamiliarName, r.Tag);
                }
            }
            images.Add(new ImageRow(i, repo, tag, "", trunc: true, now));
        }
        sb.Append(TableFormatter.Render(ImageTable, images, new HeaderRow(HeaderRow.Images)));
        sb.Append("\nContainers space usage:\n\n");
        sb.Append(TableFormatter.Render(ContainerTable, Items(root, "Containers").Select(c => new ContainerRow(c, trunc: true, now, virtualSize: false)), new HeaderRow(HeaderRow.Containers)));
        sb.Append("\nLocal Volumes space usage:\n\n");
        sb.Append(TableFormatter.Render(VolumeTable, Items(root, "Volumes").Select(v => new VolumeRow(v)), new HeaderRow(HeaderRow.Volumes)));
        var cacheSize = Items(root, "BuildCache").Sum(b => Long(b, "Size"));
        sb.Append("\nBuild cache usage: ").Append(HumanUnits.Size(cacheSize, 4)).Append("\n\n");
        sb.Append(TableFormatter.Render(BuildCacheTable, [], new HeaderRow(HeaderRow.BuildCache)));
        return sb.ToString();
    }
}

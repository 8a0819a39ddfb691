using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth inspect</c>, <c>container inspect</c>, <c>image inspect</c>, <c>network inspect</c>, <c>volume inspect</c>: the daemon's JSON
/// re-indented inside <c>[ ]</c>, or a template per object. Untyped inspect tries a container, then an image, then
/// network and volume.
/// </summary>
internal sealed class InspectCommand(InspectKind kind) : Command
{
    public override string Name => "inspect";

    public override string Usage => kind switch
    {
        InspectKind.Container => "[OPTIONS] CONTAINER [CONTAINER...]",
        InspectKind.Image => "[OPTIONS] IMAGE [IMAGE...]",
        InspectKind.Network => "[OPTIONS] NETWORK [NETWORK...]",
        InspectKind.Volume => "[OPTIONS] VOLUME [VOLUME...]",
        _ => "[OPTIONS] NAME|ID [NAME|ID...]",
    };

    public override string Summary => kind switch
    {
        InspectKind.Container => "Display detailed information on one or more containers",
        InspectKind.Image => "Display detailed information on one or more images",
        InspectKind.Network => "Display detailed information on one or more networks",
        InspectKind.Volume => "Display detailed information on one or more volumes",
        _ => "Return low-level information on Docker objects",
    };

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.String("format", 'f', "Format output using a custom template");
        if (kind is InspectKind.Any or InspectKind.Container)
        {
            flags.Bool("size", 's', "Display total file sizes");
        }
        if (kind == InspectKind.Any)
        {
            flags.String("type", '\0', "Only inspect objects of the given type");
        }
        if (kind == InspectKind.Network)
        {
            flags.Bool("verbose", 'v', "Verbose output for diagnostics");
        }
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var format = inv.Flags.GetString("format") ?? "";
        var type = inv.Flags.GetString("type") ?? "";
        var size = inv.Flags.GetBool("size");
        var verbose = inv.Flags.GetBool("verbose");
        if (type.Length > 0 && type is not ("container" or "image" or "network" or "volume" or "config" or "node" or "plugin" or "secret" or "service" or "task"))
        {
            throw new StatusException($"unknown type: \"{type}\": must be one of \"config\", \"container\", \"image\", \"network\", \"node\", \"plugin\", \"secret\", \"service\", \"task\", \"volume\"", 1);
        }
        if (kind == InspectKind.Container)
        {
            type = "container";
        }
        else if (kind == InspectKind.Image)
        {
            type = "image";
        }
        else if (kind == InspectKind.Network)
        {
            type = "network";
        }
        else if (kind == InspectKind.Volume)
        {
            type = "volume";
        }
        GoTemplate? template = null;
        if (format.Length > 0 && format != "json")
        {
            try
            {
                template = GoTemplate.Parse(format);
            }
            catch (TemplateException e)
            {
                throw new StatusException("template parsing error: " + e.Message, 64);
            }
        }
        var raws = new List<byte[]>();
        var output = new StringBuilder();
        var errors = new List<string>();
        foreach (var reference in inv.Args)
        {
            byte[]? raw;
            try
            {
                raw = Find(ctx, reference, type, size, verbose);
            }
            catch (DaemonException e)
            {
                errors.Add(e.Message);
                continue;
            }
            if (raw is null)
            {
                errors.Add("Error: No such object: " + reference);
                continue;
            }
            if (template is null)
            {
                raws.Add(raw);
                continue;
            }
            using var doc = JsonDocument.Parse(raw);
            var one = new StringBuilder();
            try
            {
                template.Execute(one, TemplateValues.FromJson(doc.RootElement));
                output.Append(one).Append('\n');
            }
            catch (TemplateException e)
            {
                errors.Add("template parsing error: " + e.Message);
            }
        }
        if (template is not null)
        {
            ctx.Io.Write(output.Length == 0 ? "\n" : output.ToString());
        }
        else
        {
            ctx.Io.Write(Render(raws, indent: format != "json"));
        }
        if (errors.Count > 0)
        {
            throw new StatusException(string.Join('\n', errors), 1);
        }
        return 0;
    }

    /// <summary>docker's jsonInspector: the raw objects joined in <c>[ ]</c>, json.Indent'ed with 4 spaces (or compacted).</summary>
    internal static string Render(IReadOnlyList<byte[]> raws, bool indent)
    {
        if (raws.Count == 0)
        {
            return "[]\n";
        }
        var joined = new MemoryStream();
        joined.WriteByte((byte)'[');
        for (var i = 0; i < raws.Count; i++)
        {
            if (i > 0)
            {
                joined.WriteByte((byte)',');
            }
            joined.Write(raws[i]);
        }
        joined.WriteByte((byte)']');
        var sb = new StringBuilder();
        if (indent)
        {
            GoJson.Indent(sb, joined.ToArray(), "    ");
        }
        else
        {
            GoJsonCompact(sb, joined.ToArray());
        }
        return sb.Append('\n').ToString();
    }

    private static void GoJsonCompact(StringBuilder sb, byte[] raw)
    {
        var text = Encoding.UTF8.GetString(raw);
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < text.Length)
                {
                    sb.Append(text[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }
                continue;
            }
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                continue;
            }
            if (c == '"')
            {
                inString = true;
            }
            sb.Append(c);
        }
    }

    /// <summary>The raw JSON of the first object of an accepted type named <paramref name="reference"/>, or null.</summary>
    private static byte[]? Find(CommandContext ctx, string reference, string type, bool size, bool verbose)
    {
        var client = ctx.Client;
        var probes = new List<(string Type, string Path, GoQuery? Query)>
        {
            ("container", Requests.ContainerPath(reference, "/json"), size ? new GoQuery().Add("size", "1") : null),
            ("image", Requests.ImagePath(reference, "/json"), null),
            ("network", type == "network" ? Requests.NetworkPath(reference) : "/networks/" + GoQuery.EscapePath(reference), verbose ? new GoQuery().Add("verbose", "true") : null),
            ("volume", "/volumes/" + GoQuery.EscapePath(reference), null),
            ("plugin", "/plugins/" + GoQuery.EscapePath(reference) + "/json", null),
        };
        foreach (var (t, path, query) in probes)
        {
            if (type.Length > 0 && t != type)
            {
                continue;
            }
            try
            {
                var (_, body, _) = client.Call("GET", path, query);
                if (size && t != "container")
                {
                    ctx.Io.Err.Write(Encoding.UTF8.GetBytes("WARNING: --size ignored for " + t + "\n"));
                }
                return body;
            }
            catch (DaemonException e) when (type.Length == 0 && (e.IsNotFound || e.Message.Contains("not supported", StringComparison.Ordinal) || e.Message.Contains("invalid reference format", StringComparison.Ordinal)))
            {
            }
        }
        return null;
    }
}

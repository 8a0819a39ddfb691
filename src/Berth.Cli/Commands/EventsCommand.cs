using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Templates;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth events</c>: <c>GET /events</c> (since/until as docker's timetypes.GetTimestamp, filters as JSON), one
/// line per event as it arrives: docker's prettyPrintEvent, or the <c>--format</c> template run on the event.
/// </summary>
internal sealed class EventsCommand : Command
{
    public override string Name => "events";

    public override string Usage => "[OPTIONS]";

    public override string Summary => "Get real time events from the server";

    public override ArgRule Args => ArgRule.Exactly(0);

    public override void DefineFlags(FlagSet flags)
    {
        flags.List("filter", 'f', "Filter output based on conditions provided", Requests.CheckFilter);
        flags.String("format", '\0', "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates");
        flags.String("since", '\0', "Show all events created since timestamp");
        flags.String("until", '\0', "Stream events until this timestamp");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var f = inv.Flags;
        GoTemplate? template = null;
        var format = f.GetString("format") ?? "";
        if (format.Length > 0)
        {
            try
            {
                template = GoTemplate.Parse(format == "json" ? "{{json .}}" : format);
            }
            catch (TemplateException e)
            {
                throw new StatusException("failed to parse template: " + e.Message, 1);
            }
        }
        var query = new GoQuery();
        if (Requests.FiltersJson(f.GetList("filter")) is { } filters)
        {
            query.Add("filters", filters);
        }
        var now = ctx.Now();
        foreach (var name in new[] { "since", "until" })
        {
            if (f.GetString(name) is { Length: > 0 } value)
            {
                var ts = Formatting.GoTime.GetTimestamp(value, now, out var error)
                    ?? throw new StatusException(error, 1);
                query.Add(name, ts);
            }
        }
        var (conn, _, body) = ctx.Client.Stream("GET", "/events", query);
        using (conn)
        {
            try
            {
                using var reader = new StreamReader(body);
                while (reader.ReadLine() is { } line)
                {
                    if (line.Length == 0)
                    {
                        continue;
                    }
                    using var doc = JsonDocument.Parse(line);
                    ctx.Io.Write(template is null ? Pretty(doc.RootElement) : template.Execute(doc.RootElement) + "\n");
                }
            }
            catch (IOException e)
            {
                throw new StatusException(e.Message, 1);
            }
            catch (Berth.Http.HttpProtocolException e)
            {
                throw new StatusException(e.Message, 1);
            }
        }
        return 0;
    }

    /// <summary>docker's prettyPrintEvent: time (RFC3339NanoFixed, local zone), type, action, actor id, and the
    /// attributes sorted by key in parentheses.</summary>
    internal static string Pretty(JsonElement e)
    {
        var sb = new StringBuilder();
        long nano = e.TryGetProperty("timeNano", out var tn) && tn.TryGetInt64(out var n) ? n : 0;
        if (nano == 0 && e.TryGetProperty("time", out var ts) && ts.TryGetInt64(out var s))
        {
            nano = s * 1_000_000_000;
        }
        if (nano != 0)
        {
            var t = DateTimeOffset.UnixEpoch.AddTicks(nano / 100).ToLocalTime();
            var fraction = (nano % 1_000_000_000).ToString("000000000", CultureInfo.InvariantCulture);
            var zone = t.Offset == TimeSpan.Zero ? "Z" : t.ToString("zzz", CultureInfo.InvariantCulture);
            sb.Append(t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture)).Append('.').Append(fraction).Append(zone).Append(' ');
        }
        string Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        sb.Append(Str(e, "Type")).Append(' ').Append(Str(e, "Action")).Append(' ');
        if (e.TryGetProperty("Actor", out var actor) && actor.ValueKind == JsonValueKind.Object)
        {
            sb.Append(Str(actor, "ID"));
            if (actor.TryGetProperty("Attributes", out var attrs) && attrs.ValueKind == JsonValueKind.Object)
            {
                var pairs = attrs.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + "=" + p.Value.GetString()).ToList();
                if (pairs.Count > 0)
                {
                    sb.Append(" (").Append(string.Join(", ", pairs)).Append(')');
                }
            }
        }
        return sb.Append('\n').ToString();
    }
}

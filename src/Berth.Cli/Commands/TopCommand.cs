using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth top CONTAINER [ps OPTIONS]</c>: <c>GET /containers/{id}/top?ps_args=...</c>, as a table.</summary>
internal sealed class TopCommand : Command
{
    public override string Name => "top";

    public override string Usage => "CONTAINER [ps OPTIONS]";

    public override string Summary => "Display the running processes of a container";

    public override ArgRule Args => ArgRule.AtLeast(1);

    /// <summary>Everything after the container belongs to ps, dashes and all.</summary>
    public override bool Interspersed => false;

    public override void DefineFlags(FlagSet flags)
    {
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var query = new GoQuery();
        if (inv.Args.Count > 1)
        {
            query.Add("ps_args", string.Join(' ', inv.Args.Skip(1)));
        }
        var (_, body, _) = ctx.Client.Call("GET", Requests.ContainerPath(inv.Args[0], "/top"), query);
        using var doc = JsonDocument.Parse(body);
        var text = new StringBuilder();
        static IEnumerable<string> Strings(JsonElement array) =>
            array.ValueKind == JsonValueKind.Array ? array.EnumerateArray().Select(e => e.GetString() ?? "") : [];
        text.Append(string.Join('\t', Strings(doc.RootElement.GetProperty("Titles")))).Append('\n');
        if (doc.RootElement.TryGetProperty("Processes", out var processes) && processes.ValueKind == JsonValueKind.Array)
        {
            foreach (var p in processes.EnumerateArray())
            {
                text.Append(string.Join('\t', Strings(p))).Append('\n');
            }
        }
        // compat(docker): tabwriter.NewWriter(out, 20, 1, 3, ' ', 0).
        ctx.Io.Write(TabWriter.Format(text.ToString(), minWidth: 20, padding: 3));
        return 0;
    }
}

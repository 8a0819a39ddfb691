using System.Text.Json;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary><c>berth diff CONTAINER</c>: <c>GET /containers/{id}/changes</c>, one <c>C|A|D PATH</c> line per change
/// in the daemon's order.</summary>
internal sealed class DiffCommand : Command
{
    public override string Name => "diff";

    public override string Usage => "CONTAINER";

    public override string Summary => "Inspect changes to files or directories on a container's filesystem";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var (_, body, _) = ctx.Client.Call("GET", "/containers/" + Uri.EscapeDataString(inv.Args[0]) + "/changes");
        using var doc = JsonDocument.Parse(body);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }
        var sb = new System.Text.StringBuilder();
        foreach (var change in doc.RootElement.EnumerateArray())
        {
            var kind = change.TryGetProperty("Kind", out var k) && k.TryGetInt32(out var n) ? n : -1;
            var path = change.TryGetProperty("Path", out var p) ? p.GetString() : "";
            // compat(docker): container.ChangeType's String(): C, A, D.
            sb.Append(kind switch { 0 => "C", 1 => "A", 2 => "D", _ => "" }).Append(' ').Append(path).Append('\n');
        }
        ctx.Io.Write(sb.ToString());
        return 0;
    }
}

using System.Globalization;
using System.Text.Json;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth port CONTAINER [PRIVATE_PORT[/PROTO]]</c>: the published ports from <c>GET /containers/{id}/json</c>.</summary>
internal sealed class PortCommand : Command
{
    public override string Name => "port";

    public override string Usage => "CONTAINER [PRIVATE_PORT[/PROTO]]";

    public override string Summary => "List port mappings or a specific mapping for the container";

    public override ArgRule Args => ArgRule.Between(1, 2);

    public override void DefineFlags(FlagSet flags)
    {
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        using var doc = Requests.InspectContainer(ctx.Client, inv.Args[0]);
        var ports = doc.RootElement.TryGetProperty("NetworkSettings", out var ns) && ns.ValueKind == JsonValueKind.Object &&
            ns.TryGetProperty("Ports", out var p) ? p : default;
        // compat(docker): an empty PRIVATE_PORT lists all, like none.
        ctx.Io.Write(Render(ports, inv.Args[0], inv.Args.Count > 1 && inv.Args[1].Length > 0 ? inv.Args[1] : null));
        return 0;
    }

    /// <summary>
    /// docker's runPort over a <c>NetworkSettings.Ports</c> map: every "80/tcp -> 0.0.0.0:8080", or for one port
    /// (tcp unless a protocol is given) its "0.0.0.0:8080" lines; naturally sorted. Throws with docker's words for a
    /// bad or unpublished port.
    /// </summary>
    internal static string Render(JsonElement ports, string container, string? port)
    {
        var lines = new List<string>();
        if (port is not null)
        {
            var slash = port.IndexOf('/', StringComparison.Ordinal);
            var number = slash < 0 ? port : port[..slash];
            var proto = slash < 0 ? "" : port[(slash + 1)..];
            if (proto.Length == 0)
            {
                proto = "tcp";
            }
            if (!ulong.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n > ushort.MaxValue)
            {
                var reason = number.Length > 0 && number.All(char.IsAsciiDigit) ? "value out of range" : "invalid syntax";
                throw new StatusException($"Error: invalid port ({number}): strconv.ParseUint: parsing {GoFormat.Quote(number)}: {reason}", 1);
            }
            if (ports.ValueKind != JsonValueKind.Object || !ports.TryGetProperty(number + "/" + proto, out var frontends) ||
                frontends.ValueKind != JsonValueKind.Array || frontends.GetArrayLength() == 0)
            {
                throw new StatusException($"Error: No public port '{port}' published for {container}", 1);
            }
            foreach (var frontend in frontends.EnumerateArray())
            {
                lines.Add(HostPort(frontend));
            }
        }
        else if (ports.ValueKind == JsonValueKind.Object)
        {
            foreach (var mapping in ports.EnumerateObject())
            {
                if (mapping.Value.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }
                foreach (var frontend in mapping.Value.EnumerateArray())
                {
                    lines.Add(mapping.Name + " -> " + HostPort(frontend));
                }
            }
        }
        lines.Sort(NaturalOrder.Instance);
        return lines.Count > 0 ? string.Join('\n', lines) + "\n" : "";
    }

    private static string HostPort(JsonElement binding)
    {
        string Get(string name) => binding.ValueKind == JsonValueKind.Object && binding.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
        return ContainerRow.JoinHostPort(Get("HostIp"), Get("HostPort"));
    }
}

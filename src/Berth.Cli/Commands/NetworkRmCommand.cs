using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Flags;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth network rm</c>: per network, <c>GET /networks/{id}</c> (to ask before removing an ingress network) then
/// <c>DELETE /networks/{id}</c>; each failure is printed as it happens and the command ends with "exit status 1".
/// </summary>
internal sealed class NetworkRmCommand : Command
{
    private const string IngressWarning = "WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same docker engine version. Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.\nAre you sure you want to continue?";

    public override string Name => "rm";

    public override string Usage => "NETWORK [NETWORK...]";

    public override string Summary => "Remove one or more networks";

    public override ArgRule Args => ArgRule.AtLeast(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("force", 'f', "Do not error if the network does not exist");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        var force = inv.Flags.GetBool("force");
        var failed = false;
        foreach (var network in inv.Args)
        {
            try
            {
                var path = Requests.NetworkPath(network);
                if (IsIngress(ctx, path) && !Prompt.Confirm(ctx.Io, IngressWarning))
                {
                    continue;
                }
                ctx.Client.Call("DELETE", path);
            }
            catch (DaemonException e)
            {
                if (force && e.IsNotFound)
                {
                    continue;
                }
                ctx.Io.ErrorLine(e.Message);
                failed = true;
                continue;
            }
            ctx.Io.WriteLine(network);
        }
        if (failed)
        {
            // compat(docker): the per-network errors are already out; this line is the StatusError's text.
            throw new StatusException("exit status 1", 1);
        }
        return 0;
    }

    private static bool IsIngress(CommandContext ctx, string path)
    {
        try
        {
            var (_, body, _) = ctx.Client.Call("GET", path);
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("Ingress", out var ingress) && ingress.ValueKind == JsonValueKind.True;
        }
        catch (DaemonException)
        {
            // The DELETE that follows reports what is wrong.
            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

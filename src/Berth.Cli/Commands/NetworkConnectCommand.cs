using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth network connect</c>: <c>POST /networks/{id}/connect</c> with the docker CLI's EndpointSettings.</summary>
internal sealed class NetworkConnectCommand : Command
{
    public override string Name => "connect";

    public override string Usage => "[OPTIONS] NETWORK CONTAINER";

    public override string Summary => "Connect a container to a network";

    public override ArgRule Args => ArgRule.Exactly(2);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Strings("alias", '\0', "Add network-scoped alias for the container");
        flags.Strings("driver-opt", '\0', "driver options for the network");
        flags.Int("gw-priority", '\0', "Highest gw-priority provides the default gateway. Accepts positive and negative values.");
        flags.String("ip", '\0', "IPv4 address (e.g., \"172.30.100.104\")");
        flags.String("ip6", '\0', "IPv6 address (e.g., \"2001:db8::33\")");
        flags.List("link", '\0', "Add link to another container", CheckLink);
        flags.Strings("link-local-ip", '\0', "Add a link-local address for the container");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        // compat(docker): driver options are checked first, then the network, then the container.
        var body = Body(inv.Flags, inv.Args[1].Trim());
        var path = Requests.NetworkPath(inv.Args[0], "/connect");
        ContainerReference(inv.Args[1]);
        ctx.Client.Call("POST", path, json: body);
        return 0;
    }

    /// <summary>The client's trimID for the container of connect and disconnect.</summary>
    internal static string ContainerReference(string reference)
    {
        var id = reference.Trim();
        return id.Length > 0 ? id : throw new StatusException("invalid container name or ID: value is empty", 1);
    }

    /// <summary>docker's opts.ValidateLink: <c>name</c> or <c>name:alias</c>.</summary>
    internal static string? CheckLink(string v)
    {
        if (v.Length == 0)
        {
            return "empty string specified for links";
        }
        return v.Split(':', 3).Length > 2 ? "bad format for links: " + v : null;
    }

    /// <summary>
    /// The ConnectOptions as the docker CLI marshals them: every EndpointSettings field, IPAMConfig always present
    /// (its fields omitempty), Aliases <c>[]</c> and Links <c>null</c> when not given.
    /// </summary>
    internal static byte[] Body(FlagSet f, string container)
    {
        var driverOpts = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var opt in f.GetStrings("driver-opt"))
        {
            var eq = opt.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? opt : opt[..eq]).Trim();
            if (eq < 0 || key.Length == 0)
            {
                throw new StatusException("invalid key/value pair format in driver options", 1);
            }
            driverOpts[key] = opt[(eq + 1)..].Trim();
        }
        var w = new GoJsonWriter();
        w.BeginObject();
        w.String("Container", container);
        w.BeginObject("EndpointConfig");
        w.BeginObject("IPAMConfig");
        if (f.GetString("ip") is { Length: > 0 } ip)
        {
            w.String("IPv4Address", ip);
        }
        if (f.GetString("ip6") is { Length: > 0 } ip6)
        {
            w.String("IPv6Address", ip6);
        }
        if (f.GetStrings("link-local-ip") is { Count: > 0 } linkLocal)
        {
            w.Strings("LinkLocalIPs", linkLocal);
        }
        w.EndObject();
        w.Strings("Links", f.Changed("link") ? f.GetList("link") : null);
        w.Strings("Aliases", f.GetStrings("alias"));
        w.String("MacAddress", "");
        w.StringMap("DriverOpts", driverOpts);
        w.Number("GwPriority", f.GetLong("gw-priority"));
        CreateBody.EndpointState(w);
        w.EndObject();
        w.EndObject();
        return w.ToBody();
    }
}

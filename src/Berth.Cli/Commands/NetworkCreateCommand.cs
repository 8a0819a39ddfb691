using System.Text.Json;
using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary><c>berth network create</c>: <c>POST /networks/create</c> with the docker CLI's body; prints the new ID.</summary>
internal sealed class NetworkCreateCommand : Command
{
    public override string Name => "create";

    public override string Usage => "[OPTIONS] NETWORK";

    public override string Summary => "Create a network";

    public override ArgRule Args => ArgRule.Exactly(1);

    public override void DefineFlags(FlagSet flags)
    {
        flags.Bool("attachable", '\0', "Enable manual container attachment");
        flags.Map("aux-address", '\0', "Auxiliary IPv4 or IPv6 addresses used by Network driver");
        flags.String("config-from", '\0', "The network from which to copy the configuration");
        flags.Bool("config-only", '\0', "Create a configuration only network");
        flags.String("driver", 'd', "Driver to manage the Network", null, "bridge");
        flags.Strings("gateway", '\0', "IPv4 or IPv6 Gateway for the master subnet");
        flags.Bool("ingress", '\0', "Create swarm routing-mesh network");
        flags.Bool("internal", '\0', "Restrict external access to the network");
        flags.Strings("ip-range", '\0', "Allocate container ip from a sub-range");
        flags.String("ipam-driver", '\0', "IP Address Management Driver", null, "default");
        flags.Map("ipam-opt", '\0', "Set IPAM driver specific options");
        flags.Bool("ipv4", '\0', "Enable or disable IPv4 address assignment", dflt: true);
        flags.Bool("ipv6", '\0', "Enable or disable IPv6 address assignment");
        flags.List("label", '\0', "Set metadata on a network", Requests.CheckLabel);
        flags.Map("opt", 'o', "Set driver specific options");
        flags.String("scope", '\0', "Control the network's scope");
        flags.Strings("subnet", '\0', "Subnet in CIDR format that represents a network segment");
    }

    public override int Run(CommandContext ctx, Invocation inv)
    {
        // compat(docker): the IPAM pairing is checked before the daemon is contacted.
        var pools = Pools(inv.Flags);
        var checkDuplicate = !ctx.Client.VersionAtLeast("1.44");
        var (_, body, _) = ctx.Client.Call("POST", "/networks/create", json: Body(inv.Flags, pools, inv.Args[0], checkDuplicate));
        using var doc = JsonDocument.Parse(body);
        ctx.Io.WriteLine(doc.RootElement.TryGetProperty("Id", out var id) ? id.GetString() ?? "" : "");
        return 0;
    }

    /// <summary>The IPAM pools the flags describe; throws with docker's message when they do not pair up.</summary>
    internal static List<IpamPool> Pools(FlagSet f)
    {
        if (!NetworkIpam.TryConsolidate(f.GetStrings("subnet"), f.GetStrings("ip-range"), f.GetStrings("gateway"), f.GetMap("aux-address"), out var pools, out var error))
        {
            throw new StatusException(error, 1);
        }
        return pools;
    }

    /// <summary>
    /// The CreateRequest as the docker CLI marshals it: CreateOptions in struct order (EnableIPv4/EnableIPv6 only
    /// when given), then Name, then CheckDuplicate for daemons older than API 1.44.
    /// </summary>
    internal static byte[] Body(FlagSet f, IReadOnlyList<IpamPool> pools, string name, bool checkDuplicate)
    {
        var w = new GoJsonWriter();
        w.BeginObject();
        w.String("Driver", f.GetString("driver") ?? "");
        w.String("Scope", f.GetString("scope") ?? "");
        if (f.Changed("ipv4"))
        {
            w.Bool("EnableIPv4", f.GetBool("ipv4"));
        }
        if (f.Changed("ipv6"))
        {
            w.Bool("EnableIPv6", f.GetBool("ipv6"));
        }
        w.BeginObject("IPAM");
        w.String("Driver", f.GetString("ipam-driver") ?? "");
        w.StringMap("Options", f.GetMap("ipam-opt"));
        w.BeginArray("Config");
        foreach (var pool in pools)
        {
            w.BeginObject();
            if (pool.Subnet.Length > 0)
            {
                w.String("Subnet", pool.Subnet);
            }
            if (pool.IPRange.Length > 0)
            {
                w.String("IPRange", pool.IPRange);
            }
            if (pool.Gateway.Length > 0)
            {
                w.String("Gateway", pool.Gateway);
            }
            if (pool.AuxAddresses.Count > 0)
            {
                w.StringMap("AuxiliaryAddresses", pool.AuxAddresses);
            }
            w.EndObject();
        }
        w.EndArray();
        w.EndObject();
        w.Bool("Internal", f.GetBool("internal"));
        w.Bool("Attachable", f.GetBool("attachable"));
        w.Bool("Ingress", f.GetBool("ingress"));
        w.Bool("ConfigOnly", f.GetBool("config-only"));
        if (f.GetString("config-from") is { Length: > 0 } configFrom)
        {
            w.BeginObject("ConfigFrom").String("Network", configFrom).EndObject();
        }
        else
        {
            w.Null("ConfigFrom");
        }
        w.StringMap("Options", f.GetMap("opt"));
        w.StringMap("Labels", f.GetMap("label"));
        w.String("Name", name);
        if (checkDuplicate)
        {
            w.Bool("CheckDuplicate", true);
        }
        w.EndObject();
        return w.ToBody();
    }
}

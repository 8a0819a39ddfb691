using System.Globalization;
using Berth.Api.Docker.Models;
using Berth.Engine.Model;

namespace Berth.Api.Docker;

/// <summary>A container's networks in the shapes of <c>docker inspect</c> and <c>docker ps</c>.</summary>
internal static class NetworkMapper
{
    /// <summary>compat(docker): API 1.44 added the names a container answers to on each network.</summary>
    private static readonly ApiVersion WithDnsNames = new(1, 44);

    public static Dictionary<string, EndpointView> Endpoints(Container ct, bool dnsNames = false) =>
        ct.NetworkSettings.Networks.ToDictionary(kv => kv.Key, kv => View(kv.Value, dnsNames));

    private static EndpointView View(EndpointSettings s, bool dnsNames) => new()
    {
        DNSNames = dnsNames ? s.DNSNames : null,
        IPAMConfig = s.IPAMConfig,
        Links = s.Links,
        Aliases = s.Aliases,
        NetworkID = s.NetworkID,
        EndpointID = s.EndpointID,
        Gateway = s.Gateway,
        IPAddress = s.IPAddress,
        IPPrefixLen = s.IPPrefixLen,
        MacAddress = s.MacAddress,
        DriverOpts = s.DriverOpts,
    };

    /// <summary>Inspect's NetworkSettings: the per-network endpoints, the published ports, and (as Docker keeps for
    /// old clients) the default bridge's address at the top level.</summary>
    public static NetworkSettings Inspect(Container ct, ApiVersion version)
    {
        var settings = new NetworkSettings
        {
            SandboxKey = ct.State.Running ? ct.NetworkSettings.SandboxKey : "",
            SandboxID = ct.State.Running && ct.NetworkSettings.SandboxKey.Length > 0 ? ct.Id : "",
            Ports = ct.State.Running ? ct.NetworkSettings.Ports : [],
            Networks = Endpoints(ct, version >= WithDnsNames),
        };
        if (ct.NetworkSettings.Networks.TryGetValue("bridge", out var bridge))
        {
            settings.EndpointID = bridge.EndpointID;
            settings.Gateway = bridge.Gateway;
            settings.IPAddress = bridge.IPAddress;
            settings.IPPrefixLen = bridge.IPPrefixLen;
            settings.MacAddress = bridge.MacAddress;
        }
        return settings;
    }

    /// <summary><c>docker ps</c>'s PORTS: each published binding, and exposed ports that are not published.</summary>
    public static List<PortSummary> Ports(Container ct)
    {
        var list = new List<PortSummary>();
        if (!ct.State.Running)
        {
            return list;
        }
        foreach (var (key, bindings) in ct.NetworkSettings.Ports)
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var port = int.Parse(slash < 0 ? key : key[..slash], CultureInfo.InvariantCulture);
            var proto = slash < 0 ? "tcp" : key[(slash + 1)..];
            if (bindings is not { Count: > 0 })
            {
                list.Add(new PortSummary { PrivatePort = port, Type = proto });
                continue;
            }
            foreach (var b in bindings)
            {
                list.Add(new PortSummary { IP = b.HostIp, PrivatePort = port, PublicPort = int.Parse(b.HostPort, CultureInfo.InvariantCulture), Type = proto });
            }
        }
        return list;
    }
}

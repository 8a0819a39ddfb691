using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Engine;
using Berth.Network;

namespace Berth.Api.Docker.Routes;

/// <summary>/networks…: list, inspect, create, remove, connect, disconnect, prune.</summary>
internal static class NetworkRoutes
{
    public static void Map(Router router, EngineServices s)
    {
        router.Map("GET", "/networks", async c =>
        {
            var filters = Filters.Parse(c.Query["filters"], "driver", "id", "label", "name", "scope", "type", "dangling");
            var list = s.Networks.List().Where(n => Matches(s, n, filters)).Select(n => Resource(s, n, members: false)).ToList();
            await c.WriteJsonAsync(200, list, NetworkApiJson.Default.ListNetworkResource).ConfigureAwait(false);
        });
        router.Map("GET", "/networks/{id}", async c =>
        {
            var n = s.Networks.Get(c.Route("id"));
            await c.WriteJsonAsync(200, Resource(s, n, members: true), NetworkApiJson.Default.NetworkResource).ConfigureAwait(false);
        });
        router.Map("POST", "/networks/create", async c =>
        {
            var body = await c.ReadJsonAsync(NetworkApiJson.Default.NetworkCreateRequest).ConfigureAwait(false)
                ?? throw BerthException.Invalid("network create: empty request body");
            if (body.ConfigOnly || body.ConfigFrom is { Network.Length: > 0 } || body.Ingress)
            {
                throw new BerthException(ErrorKind.NotImplemented, "config-only, config-from and ingress networks are swarm features this berthd does not have");
            }
            if (body.Scope is { Length: > 0 } scope && scope != "local")
            {
                throw BerthException.Invalid($"invalid scope {scope}: this berthd has local networks only");
            }
            var request = new NetworkCreate
            {
                Name = body.Name,
                Driver = string.IsNullOrEmpty(body.Driver) ? "bridge" : body.Driver,
                Internal = body.Internal,
                Attachable = body.Attachable,
                EnableIPv6 = body.EnableIPv6 == true,
                IpamDriver = string.IsNullOrEmpty(body.IPAM?.Driver) ? "default" : body.IPAM.Driver,
                IpamOptions = body.IPAM?.Options,
                IpamConfig = [.. (body.IPAM?.Config ?? []).Select(p => new IpamPool
                {
                    Subnet = p.Subnet ?? "",
                    IPRange = p.IPRange,
                    Gateway = p.Gateway,
                    AuxiliaryAddresses = p.AuxiliaryAddresses,
                })],
                Options = body.Options ?? [],
                Labels = body.Labels ?? [],
            };
            if (request.IpamConfig.Any(p => string.IsNullOrEmpty(p.Subnet)))
            {
                throw BerthException.Invalid("ip-range and gateway need a subnet: give --subnet");
            }
            var created = await Task.Run(() => s.Networks.Create(request)).ConfigureAwait(false);
            await c.WriteJsonAsync(201, new NetworkCreateResponse { Id = created.Id }, NetworkApiJson.Default.NetworkCreateResponse).ConfigureAwait(false);
        });
        router.Map("DELETE", "/networks/{id}", async c =>
        {
            await Task.Run(() => s.Networks.Remove(c.Route("id"))).ConfigureAwait(false);
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("POST", "/networks/{id}/connect", async c =>
        {
            var body = await c.ReadJsonAsync(NetworkApiJson.Default.NetworkConnectRequest).ConfigureAwait(false) ?? new NetworkConnectRequest();
            await s.Networks.ConnectAsync(c.Route("id"), body.Container, body.EndpointConfig, c.Aborted).ConfigureAwait(false);
            await c.WriteEmptyAsync(200).ConfigureAwait(false);
        });
        router.Map("POST", "/networks/{id}/disconnect", async c =>
        {
            var body = await c.ReadJsonAsync(NetworkApiJson.Default.NetworkDisconnectRequest).ConfigureAwait(false) ?? new NetworkDisconnectRequest();
            await s.Networks.DisconnectAsync(c.Route("id"), body.Container, body.Force, c.Aborted).ConfigureAwait(false);
            await c.WriteEmptyAsync(200).ConfigureAwait(false);
        });
        router.Map("POST", "/networks/prune", async c =>
        {
            var filters = Filters.Parse(c.Query["filters"], "label", "label!", "until");
            var until = DiskUsageRoutes.Until(filters);
            var removed = await Task.Run(() => s.Networks.Prune(n => filters.MatchPruneLabels(n.Labels) && (until is not { } t || n.Created < t))).ConfigureAwait(false);
            await c.WriteJsonAsync(200, new NetworkPruneResponse { NetworksDeleted = removed.Count == 0 ? null : [.. removed] }, NetworkApiJson.Default.NetworkPruneResponse).ConfigureAwait(false);
        });
    }

    private static bool Matches(EngineServices s, NetworkRecord n, Filters f)
    {
        if (f.Get("driver") is { Count: > 0 } drivers && !drivers.Contains(n.Driver))
        {
            return false;
        }
        if (f.Get("id") is { Count: > 0 } ids && !ids.Any(i => n.Id.StartsWith(i, StringComparison.Ordinal)))
        {
            return false;
        }
        if (f.Get("name") is { Count: > 0 } names && !names.Any(x => n.Name.Contains(x, StringComparison.Ordinal)))
        {
            return false;
        }
        if (f.Get("scope") is { Count: > 0 } scopes && !scopes.Contains(n.Scope))
        {
            return false;
        }
        if (f.Get("type") is { Count: > 0 } types)
        {
            foreach (var t in types)
            {
                if (t is not ("custom" or "builtin"))
                {
                    throw BerthException.Invalid($"invalid filter: 'type'='{t}'");
                }
            }
            if (!types.Contains(n.IsPredefined ? "builtin" : "custom"))
            {
                return false;
            }
        }
        if (f.Get("dangling") is [var d, ..])
        {
            var dangling = d is "true" or "1" ? true : d is "false" or "0" ? false : throw BerthException.Invalid($"invalid filter 'dangling={d}'");
            var unused = !n.IsPredefined && s.Networks.Members(n).Count == 0;
            if (unused != dangling)
            {
                return false;
            }
        }
        return f.MatchLabels("label", n.Labels);
    }

    private static NetworkResource Resource(EngineServices s, NetworkRecord n, bool members)
    {
        var r = new NetworkResource
        {
            Name = n.Name,
            Id = n.Id,
            Created = n.Created,
            Scope = n.Scope,
            Driver = n.Driver,
            EnableIPv6 = n.EnableIPv6,
            IPAM = new NetworkIpam
            {
                Driver = n.Ipam.Driver,
                Options = n.Ipam.Options,
                Config = [.. n.Ipam.Config.Select(p => new NetworkIpamConfig { Subnet = p.Subnet, IPRange = p.IPRange, Gateway = p.Gateway, AuxiliaryAddresses = p.AuxiliaryAddresses })],
            },
            Internal = n.Internal,
            Attachable = n.Attachable,
            Ingress = n.Ingress,
            Options = n.Options,
            Labels = n.Labels,
        };
        if (members)
        {
            foreach (var m in s.Networks.Members(n))
            {
                r.Containers[m.ContainerId] = new NetworkContainer { Name = m.Name, EndpointID = m.EndpointId, MacAddress = m.MacAddress, IPv4Address = m.IPv4Address };
            }
        }
        return r;
    }
}

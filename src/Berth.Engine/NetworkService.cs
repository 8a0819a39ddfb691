using Berth.Common;
using Berth.Engine.Model;
using Berth.Network;

namespace Berth.Engine;

/// <summary>One container on a network, as <c>docker network inspect</c> lists it.</summary>
public sealed record NetworkMember(string ContainerId, string Name, string EndpointId, string MacAddress, string IPv4Address);

/// <summary><c>docker network</c>: create, list, inspect, remove, prune; connect and disconnect go through the
/// containers, whose records keep their networks.</summary>
public sealed class NetworkService(NetworkController controller, ContainerService containers, EventBus events)
{
    public IReadOnlyList<NetworkRecord> List() => controller.Networks();

    public NetworkRecord Get(string idOrName) => controller.Get(idOrName);

    public NetworkRecord Create(NetworkCreate request)
    {
        var n = controller.Create(request);
        Log.Info("network created", ("name", n.Name), ("driver", n.Driver), ("id", n.Id[..12]), ("subnet", string.Join(",", n.Ipam.Config.Select(c => c.Subnet))));
        Publish(n, "create");
        return n;
    }

    public void Remove(string idOrName)
    {
        var n = controller.Get(idOrName);
        controller.Delete(n.Id);
        Publish(n, "destroy");
    }

    /// <summary>Removes the user-defined networks no running container uses; returns their names.</summary>
    public IReadOnlyList<string> Prune(Func<NetworkRecord, bool> selected)
    {
        var removed = new List<string>();
        foreach (var n in controller.Networks().Where(n => !n.IsPredefined && selected(n)))
        {
            if (controller.EndpointsOf(n.Id).Count > 0)
            {
                continue;
            }
            try
            {
                Remove(n.Id);
                removed.Add(n.Name);
            }
            catch (BerthException)
            {
                // taken meanwhile
            }
        }
        return removed;
    }

    /// <summary>The running containers on a network, by container ID.</summary>
    public IReadOnlyList<NetworkMember> Members(NetworkRecord n) =>
        [.. controller.EndpointsOf(n.Id).Select(e => new NetworkMember(e.ContainerId, e.ContainerName, e.Id, e.MacAddress,
            e.Address is null ? "" : $"{e.Address}/{e.PrefixLength}"))];

    public Task ConnectAsync(string network, string container, EndpointSettings? config, CancellationToken ct = default) =>
        containers.ConnectAsync(container, network, config, ct);

    public Task DisconnectAsync(string network, string container, bool force, CancellationToken ct = default) =>
        containers.DisconnectAsync(container, network, force, ct);

    private void Publish(NetworkRecord n, string action) =>
        events.Publish(new EngineEvent("network", action, n.Id, new Dictionary<string, string> { ["name"] = n.Name, ["type"] = n.Driver }, DateTimeOffset.UtcNow, null));
}

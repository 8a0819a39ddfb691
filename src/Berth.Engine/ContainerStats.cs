using System.Runtime.CompilerServices;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Runtime.Cgroups;

namespace Berth.Engine;

/// <summary>One reading of a container's resource use: its cgroup, the host's CPU clock, its network interfaces.</summary>
public sealed record ContainerStatsSample(DateTimeOffset Read, CgroupStats Cgroup, ulong SystemCpuUsage, uint OnlineCpus, ulong HostMemory,
    IReadOnlyList<NetworkCounters> Networks);

/// <summary>What one <c>docker stats</c> answer carries: the reading and the one before it (for CPU %), either of which
/// may be missing (a container that is not running has neither).</summary>
public sealed record ContainerStatsFrame(string Id, string Name, ContainerStatsSample? Current, ContainerStatsSample? Previous);

public sealed partial class ContainerService
{
    /// <summary>How far apart the readings of a stream are (dockerd's collector interval).</summary>
    public static readonly TimeSpan StatsInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// <c>GET /containers/{id}/stats</c>. Streaming: a reading at once, then one a second, each with the one before as
    /// its previous, for as long as the client listens (none while the container is not running). Not streaming: two
    /// readings a second apart, so CPU % has a base (dockerd's "prime the CPU stats"), or one with <paramref name="oneShot"/>.
    /// A container that is not running answers once, empty. Unknown containers and bad options throw before anything streams.
    /// </summary>
    public IAsyncEnumerable<ContainerStatsFrame> Stats(string idOrName, bool stream, bool oneShot, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        if (stream && oneShot)
        {
            throw BerthException.Invalid("cannot have stream=true and one-shot=true");
        }
        return stream ? StreamStatsAsync(entry, ct) : OnceStatsAsync(entry, oneShot, ct);
    }

    private async IAsyncEnumerable<ContainerStatsFrame> OnceStatsAsync(ContainerEntry entry, bool oneShot, [EnumeratorCancellation] CancellationToken ct)
    {
        var c = entry.Container;
        var first = Sample(c);
        if (first is null || oneShot)
        {
            yield return new ContainerStatsFrame(c.Id, c.Name, first, null);
            yield break;
        }
        await Task.Delay(StatsInterval, ct).ConfigureAwait(false);
        var second = Sample(c);
        yield return second is null ? new ContainerStatsFrame(c.Id, c.Name, first, null) : new ContainerStatsFrame(c.Id, c.Name, second, first);
    }

    private async IAsyncEnumerable<ContainerStatsFrame> StreamStatsAsync(ContainerEntry entry, [EnumeratorCancellation] CancellationToken ct)
    {
        var c = entry.Container;
        ContainerStatsSample? previous = null;
        while (!ct.IsCancellationRequested)
        {
            lock (_lock)
            {
                if (!_containers.ContainsKey(c.Id))
                {
                    yield break;
                }
            }
            var sample = Sample(c);
            if (sample is not null)
            {
                yield return new ContainerStatsFrame(c.Id, c.Name, sample, previous);
            }
            previous = sample;
            try
            {
                await Task.Delay(StatsInterval, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>A reading now, or null when the container is not running (or its cgroup is gone).</summary>
    private ContainerStatsSample? Sample(Container c)
    {
        int pid;
        lock (_lock)
        {
            if (!c.State.Running || c.State.Pid <= 0)
            {
                return null;
            }
            pid = c.State.Pid;
        }
        var read = DateTimeOffset.UtcNow;
        CgroupStats cgroup;
        try
        {
            cgroup = CgroupOf(c).Stats();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
        var networks = c.HostConfig.NetworkMode == "host" ? [] : NetDev.Read(pid);
        return new ContainerStatsSample(read, cgroup, HostCpu.SystemUsage(), HostCpu.Online(), (ulong)HostFacts.MemTotal, networks);
    }
}

using System.Text.RegularExpressions;
using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Volumes;

namespace Berth.Api.Docker.Routes;

/// <summary>/volumes…: list, inspect, create, remove, prune.</summary>
internal static class VolumeRoutes
{
    /// <summary>compat(docker): from API 1.42 a prune removes only anonymous volumes unless <c>all=true</c>.</summary>
    private static readonly ApiVersion PruneAnonymousOnly = new(1, 42);

    public static void Map(Router router, EngineServices s)
    {
        router.Map("GET", "/volumes", async c =>
        {
            var filters = Filters.Parse(c.Query["filters"], "dangling", "name", "driver", "label");
            var dangling = filters.Contains("dangling") ? filters.GetBool("dangling", false) : (bool?)null;
            var list = s.Volumes.List()
                .Where(v => Matches(s.Volumes, v, filters, dangling))
                .Select(v => VolumeMapper.Resource(v))
                .ToList();
            await c.WriteJsonAsync(200, new VolumeListResponse { Volumes = list }, VolumeApiJson.Default.VolumeListResponse).ConfigureAwait(false);
        });
        router.Map("GET", "/volumes/{name}", async c =>
        {
            var v = await Task.Run(() => s.Volumes.Get(c.Route("name"))).ConfigureAwait(false);
            await c.WriteJsonAsync(200, VolumeMapper.Resource(v), VolumeApiJson.Default.VolumeResource).ConfigureAwait(false);
        });
        router.Map("POST", "/volumes/create", async c =>
        {
            var body = await c.ReadJsonAsync(VolumeApiJson.Default.VolumeCreateRequest).ConfigureAwait(false) ?? new VolumeCreateRequest();
            if (body.ClusterVolumeSpec is { ValueKind: not System.Text.Json.JsonValueKind.Null })
            {
                throw new BerthException(ErrorKind.NotImplemented, "cluster volumes are a swarm feature this berthd does not have");
            }
            var v = await Task.Run(() => s.Volumes.Create(body.Name, body.Driver, body.DriverOpts, body.Labels)).ConfigureAwait(false);
            await c.WriteJsonAsync(201, VolumeMapper.Resource(v), VolumeApiJson.Default.VolumeResource).ConfigureAwait(false);
        });
        router.Map("DELETE", "/volumes/{name}", async c =>
        {
            var force = c.Query.Bool("force");
            await Task.Run(() => s.Volumes.Remove(c.Route("name"), force)).ConfigureAwait(false);
            await c.WriteEmptyAsync(204).ConfigureAwait(false);
        });
        router.Map("POST", "/volumes/prune", async c =>
        {
            var filters = Filters.Parse(c.Query["filters"], "label", "label!", "all");
            var all = c.Version < PruneAnonymousOnly || PruneAll(filters);
            var (deleted, reclaimed) = await Task.Run(() => s.Volumes.Prune(v =>
                (all || v.IsAnonymous)
                && filters.MatchLabels("label", v.Labels)
                && (!filters.Contains("label!") || !filters.MatchLabels("label!", v.Labels)))).ConfigureAwait(false);
            await c.WriteJsonAsync(200, new VolumePruneResponse { VolumesDeleted = [.. deleted], SpaceReclaimed = (ulong)Math.Max(0, reclaimed) }, VolumeApiJson.Default.VolumePruneResponse).ConfigureAwait(false);
        });
    }

    /// <summary>compat(docker): <c>withPrune</c>: one value of <c>all</c>, as Go's <c>strconv.ParseBool</c> reads it.</summary>
    internal static bool PruneAll(Filters filters)
    {
        var all = filters.Get("all");
        if (all.Count > 1)
        {
            throw BerthException.Invalid($"invalid filter 'all=[{string.Join(' ', all)}]': only one value is expected");
        }
        if (all.Count == 0)
        {
            return false;
        }
        return all[0] switch
        {
            "1" or "t" or "T" or "true" or "TRUE" or "True" => true,
            "0" or "f" or "F" or "false" or "FALSE" or "False" => false,
            var x => throw BerthException.Invalid($"invalid filter 'all': strconv.ParseBool: parsing \"{x}\": invalid syntax"),
        };
    }

    internal static bool Matches(VolumeService volumes, Volume v, Filters f, bool? dangling)
    {
        if (f.Get("driver") is { Count: > 0 } drivers && !drivers.Contains(v.Driver))
        {
            return false;
        }
        // compat(docker): a name filter matches exactly or as a regular expression.
        if (f.Get("name") is { Count: > 0 } names && !names.Any(n => n == v.Name || NameMatches(n, v.Name)))
        {
            return false;
        }
        if (!f.MatchLabels("label", v.Labels))
        {
            return false;
        }
        return dangling is not { } d || (volumes.Users(v.Name).Count == 0) == d;
    }

    private static bool NameMatches(string pattern, string name)
    {
        try
        {
            return Regex.IsMatch(name, pattern, RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
        }
        catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
        {
            return false;
        }
    }
}

using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Engine;

namespace Berth.Api.Docker.Routes;

/// <summary><c>/system/df</c>, <c>/images/prune</c>, <c>/build/prune</c>: what the engine holds on disk and
/// giving it back. (Containers, networks and volumes are pruned beside their other routes.)</summary>
internal static class DiskUsageRoutes
{
    public static void Map(Router router, EngineServices s)
    {
        var usage = new DiskUsageService(s.Containers, s.Images, s.Volumes);
        router.Map("GET", "/system/df", async c =>
        {
            var kinds = Kinds(c.Query.All("type"));
            var report = await usage.MeasureAsync(kinds).ConfigureAwait(false);
            await c.WriteJsonAsync(200, Response(s, report, kinds, c.Version), DiskUsageApiJson.Default.DiskUsageResponse).ConfigureAwait(false);
        });
        router.Map("POST", "/images/prune", async c =>
        {
            var filters = Filters.Parse(c.Query["filters"], "dangling", "label", "label!", "until");
            var danglingOnly = filters.GetBool("dangling", true);
            var until = Until(filters);
            var (deleted, reclaimed) = await Task.Run(() => s.Images.Prune(
                danglingOnly,
                (image, config) => filters.MatchPruneLabels(config.Config?.Labels) && (until is not { } t || image.Created < t),
                s.Containers.UserOfImage)).ConfigureAwait(false);
            var response = new ImagePruneResponse
            {
                ImagesDeleted = deleted.Count == 0 ? null : deleted.Select(i => new ImageDeleteResponseItem { Untagged = i.Untagged, Deleted = i.Deleted }).ToList(),
                SpaceReclaimed = reclaimed,
            };
            await c.WriteJsonAsync(200, response, DiskUsageApiJson.Default.ImagePruneResponse).ConfigureAwait(false);
        });
        router.Map("POST", "/build/prune", async c =>
        {
            // compat(docker): buildkit's prune filters; the legacy builder's cache is its intermediate images.
            var filters = Filters.Parse(c.Query["filters"], "until", "id", "parent", "type", "description", "inuse", "shared", "private", "mutable", "immutable");
            var until = Until(filters);
            var (deleted, reclaimed) = await Task.Run(() => s.Images.PruneBuildCache(
                e => until is not { } u || e.Image.Created < u,
                s.Containers.UserOfImage)).ConfigureAwait(false);
            var response = new BuildCachePruneResponse { CachesDeleted = deleted.Count > 0 ? [.. deleted.Select(d => d[7..])] : null, SpaceReclaimed = reclaimed };
            await c.WriteJsonAsync(200, response, DiskUsageApiJson.Default.BuildCachePruneResponse).ConfigureAwait(false);
        });
    }

    private static DiskUsageKinds Kinds(IReadOnlyList<string> types)
    {
        if (types.Count == 0)
        {
            return DiskUsageKinds.All;
        }
        var kinds = DiskUsageKinds.None;
        foreach (var t in types)
        {
            kinds |= t switch
            {
                "container" => DiskUsageKinds.Containers,
                "image" => DiskUsageKinds.Images,
                "volume" => DiskUsageKinds.Volumes,
                "build-cache" => DiskUsageKinds.BuildCache,
                _ => throw BerthException.Invalid($"unknown object type: {t}"),
            };
        }
        return kinds;
    }

    private static DiskUsageResponse Response(EngineServices s, DiskUsageReport report, DiskUsageKinds kinds, ApiVersion version) => new()
    {
        LayersSize = report.LayersSize,
        Images = report.Images?.Select(i =>
        {
            // compat(docker): untagged images and VirtualSize as GET /images/json shows them at the same version.
            return ImageRoutes.ForVersion(version, new ImageSummary
            {
                Containers = i.Containers,
                Created = i.Image.Created.ToUnixTimeSeconds(),
                Id = i.Image.Id,
                Labels = s.Images.Config(i.Image).Config?.Labels,
                ParentId = i.Image.Parent,
                RepoTags = [.. s.Images.TagsOf(i.Image.Id)],
                RepoDigests = i.Image.RepoDigests,
                SharedSize = i.SharedSize,
                Size = i.Size,
            });
        }).ToList(),
        // compat(docker): SizeRw is left out when 0 (Go's omitempty), SizeRootFs too.
        Containers = report.Containers?.Select(c => OmitZeroSizes(ContainerRoutes.Summary(s, c.Container, (c.SizeRw, c.SizeRootFs)))).ToList(),
        Volumes = report.Volumes?.Select(v => VolumeMapper.Resource(v.Volume, new VolumeUsageData { RefCount = v.RefCount, Size = v.Size })).ToList(),
        BuildCache = kinds.HasFlag(DiskUsageKinds.BuildCache)
            ? [.. s.Images.BuildCache(s.Containers.UserOfImage).Select(e => new BuildCacheRecord
            {
                ID = e.Image.Id[7..19],
                Parents = e.Image.Parent.Length > 0 ? [e.Image.Parent[7..19]] : null,
                Type = "regular",
                Description = e.Description,
                InUse = e.InUse,
                Size = e.Size,
                CreatedAt = e.Image.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                LastUsedAt = e.Image.Created.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                UsageCount = 1,
            })]
            : null,
    };

    private static ContainerSummary OmitZeroSizes(ContainerSummary summary)
    {
        summary.SizeRw = summary.SizeRw == 0 ? null : summary.SizeRw;
        summary.SizeRootFs = summary.SizeRootFs == 0 ? null : summary.SizeRootFs;
        return summary;
    }

    /// <summary>moby's getUntilFromPruneFilters: a Go duration before now, a Unix time or an RFC 3339 time.</summary>
    internal static DateTimeOffset? Until(Filters filters)
    {
        if (filters.Get("until") is not [var value, ..])
        {
            return null;
        }
        if (filters.Get("until").Count > 1)
        {
            throw BerthException.Invalid("more than one until filter specified");
        }
        return GoDuration.TryParse(value, out var ago) ? DateTimeOffset.UtcNow - ago : SystemRoutes.ParseUnix(value);
    }
}

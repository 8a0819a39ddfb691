using System.Globalization;
using System.Text.Json;
using Berth.Api.Docker.Models;
using Berth.Common;
using Berth.Engine;
using Berth.Engine.Model;
using Berth.Images;
using Berth.Oci;

namespace Berth.Api.Docker.Routes;

/// <summary>/images/…: list, inspect, history, tag, remove, import, save, load (pull and push: <see cref="DistributionRoutes"/>).</summary>
internal static class ImageRoutes
{
    public static void Map(Router router, EngineServices s)
    {
        router.Map("GET", "/images/json", c => c.WriteJsonAsync(200, List(c, s), ApiJson.Default.ListImageSummary));
        router.Map("POST", "/images/create", c => CreateAsync(c, s));
        router.Map("GET", "/images/get", c => SaveAsync(c, s, c.Query.All("names")));
        router.Map("POST", "/images/load", c => LoadAsync(c, s));
        router.Map("GET", "/images/{name*}/json", c => c.WriteJsonAsync(200, Inspect(s, c.Route("name"), c.Version), ApiJson.Default.ImageInspect));
        router.Map("GET", "/images/{name*}/history", c => c.WriteJsonAsync(200, History(s, c.Route("name")), ApiJson.Default.ListImageHistoryItem));
        router.Map("GET", "/images/{name*}/get", c => SaveAsync(c, s, [c.Route("name")]));
        router.Map("POST", "/commit", c => CommitAsync(c, s));
        router.Map("POST", "/images/{name*}/tag", async c =>
        {
            var repo = c.Query["repo"] ?? throw BerthException.Invalid("repository name must have at least one component");
            var tag = c.Query["tag"];
            s.Images.Tag(c.Route("name"), string.IsNullOrEmpty(tag) ? repo : repo + ":" + tag);
            await c.WriteEmptyAsync(201).ConfigureAwait(false);
        });
        router.Map("DELETE", "/images/{name*}", async c =>
        {
            var items = await Task.Run(() => s.Images.Delete(c.Route("name"), c.Query.Bool("force"), !c.Query.Bool("noprune"), s.Containers.UserOfImage)).ConfigureAwait(false);
            await c.WriteJsonAsync(200, items.Select(i => new ImageDeleteResponseItem { Untagged = i.Untagged, Deleted = i.Deleted }).ToList(), ApiJson.Default.ListImageDeleteResponseItem).ConfigureAwait(false);
        });
    }

    private static List<ImageSummary> List(ApiContext c, EngineServices s)
    {
        var filters = Filters.Parse(c.Query["filters"], "dangling", "label", "before", "since", "reference", "until");
        var dangling = filters.Contains("dangling") ? filters.GetBool("dangling", false) : (bool?)null;
        var all = c.Query.Bool("all");
        var before = filters.Get("before") is [var b, ..] ? s.Images.Resolve(b).Created : (DateTimeOffset?)null;
        var since = filters.Get("since") is [var sn, ..] ? s.Images.Resolve(sn).Created : (DateTimeOffset?)null;
        var result = new List<ImageSummary>();
        foreach (var image in s.Images.List().OrderByDescending(i => i.Created))
        {
            var tags = s.Images.TagsOf(image.Id);
            // compat(docker): an untagged image with children is a build's intermediate image: shown only with
            // -a, and never dangling.
            var intermediate = tags.Count == 0 && s.Images.Children(image.Id).Count > 0;
            if (intermediate && !all ||
                dangling is { } d && d != (tags.Count == 0 && !intermediate) ||
                before is { } bt && image.Created >= bt ||
                since is { } st && image.Created <= st)
            {
                continue;
            }
            var config = s.Images.Config(image);
            if (!filters.MatchLabels("label", config.Config?.Labels))
            {
                continue;
            }
            var references = filters.Get("reference");
            if (references.Count > 0)
            {
                tags = tags.Where(t => references.Any(r => MatchReference(r, t))).ToList();
                if (tags.Count == 0)
                {
                    continue;
                }
            }
            result.Add(ForVersion(c.Version, new ImageSummary
            {
                Id = image.Id,
                Created = image.Created.ToUnixTimeSeconds(),
                Labels = config.Config?.Labels,
                ParentId = image.Parent,
                RepoTags = [.. tags],
                RepoDigests = image.RepoDigests,
                Size = image.Size,
            }));
        }
        return result;
    }

    /// <summary>compat(docker): before API 1.43 an untagged image is listed as <c>&lt;none&gt;:&lt;none&gt;</c> (and
    /// <c>&lt;none&gt;@&lt;none&gt;</c> without a digest); from 1.43 its lists are empty.</summary>
    private static readonly ApiVersion NoNonePlaceholders = new(1, 43);

    /// <summary>compat(docker): API 1.44 drops <c>VirtualSize</c>, which was <c>Size</c> under another name.</summary>
    private static readonly ApiVersion NoVirtualSize = new(1, 44);

    /// <summary>An image of <c>GET /images/json</c> or <c>/system/df</c> as the client's API version shows it.</summary>
    internal static ImageSummary ForVersion(ApiVersion version, ImageSummary image)
    {
        if (version < NoNonePlaceholders && image.RepoTags is not { Count: > 0 })
        {
            image.RepoTags = ["<none>:<none>"];
            image.RepoDigests = image.RepoDigests is { Count: > 0 } ? image.RepoDigests : ["<none>@<none>"];
        }
        image.VirtualSize = version < NoVirtualSize ? image.Size : null;
        return image;
    }

    /// <summary>Docker's reference filter: a glob over the familiar name, with or without the tag.</summary>
    private static bool MatchReference(string pattern, string familiarTag)
    {
        var colon = familiarTag.LastIndexOf(':');
        var repo = colon > 0 ? familiarTag[..colon] : familiarTag;
        return Glob.Match(pattern, familiarTag) || Glob.Match(pattern, repo);
    }

    private static ImageInspect Inspect(EngineServices s, string name, ApiVersion version)
    {
        var image = s.Images.TryResolve(name) ?? throw BerthException.NotFound($"no such image: {name}: No such image: {name}");
        var config = s.Images.Config(image);
        var runtime = ToContainerConfig(config.Config);
        var chains = ChainId.Of(image.DiffIds);
        Dictionary<string, string>? graph = null;
        if (chains.Count > 0 && s.Images.Snapshotter.Stat(chains[^1]) is not null)
        {
            graph = new Dictionary<string, string> { ["UpperDir"] = s.Images.Snapshotter.LayerDirectory(chains[^1]) };
            if (chains.Count > 1)
            {
                graph["LowerDir"] = string.Join(':', chains.Take(chains.Count - 1).Reverse().Select(s.Images.Snapshotter.LayerDirectory));
            }
        }
        return new ImageInspect
        {
            Id = image.Id,
            RepoTags = [.. s.Images.TagsOf(image.Id)],
            RepoDigests = image.RepoDigests,
            Parent = image.Parent,
            Comment = config.Comment ?? config.History?.LastOrDefault()?.Comment ?? "",
            Created = DockerTimeConverter.Format(image.Created),
            ContainerConfig = new ContainerConfig(),
            DockerVersion = config.DockerVersion ?? "",
            Author = config.Author ?? "",
            Config = runtime,
            Architecture = config.Architecture,
            Variant = config.Variant,
            Os = config.Os,
            Size = image.Size,
            VirtualSize = version < NoVirtualSize ? image.Size : null,
            GraphDriver = new GraphDriverData { Name = s.Images.Snapshotter.Name, Data = graph },
            RootFS = new ImageRootFs { Layers = [.. image.DiffIds] },
            Metadata = new ImageMetadata { LastTagTime = image.LastTagTime is { } t ? DockerTimeConverter.Format(t) : "0001-01-01T00:00:00Z" },
        };
    }

    private static ContainerConfig ToContainerConfig(ImageRuntimeConfig? c) => new()
    {
        User = c?.User ?? "",
        ExposedPorts = c?.ExposedPorts,
        Env = c?.Env,
        Cmd = c?.Cmd,
        Healthcheck = c?.Healthcheck,
        Volumes = c?.Volumes,
        WorkingDir = c?.WorkingDir ?? "",
        Entrypoint = c?.Entrypoint,
        OnBuild = c?.OnBuild,
        Labels = c?.Labels,
        StopSignal = c?.StopSignal,
        Shell = c?.Shell,
    };

    private static List<ImageHistoryItem> History(EngineServices s, string name)
    {
        var image = s.Images.Resolve(name);
        var config = s.Images.Config(image);
        var chains = ChainId.Of(image.DiffIds);
        var history = config.History ?? [];
        var items = new List<ImageHistoryItem>();
        var layer = 0;
        foreach (var h in history)
        {
            long size = 0;
            if (h.EmptyLayer != true && layer < chains.Count)
            {
                size = s.Images.Snapshotter.Stat(chains[layer]) is null ? 0 : s.Images.Snapshotter.Usage(chains[layer]);
                layer++;
            }
            items.Add(new ImageHistoryItem
            {
                Comment = h.Comment ?? "",
                Created = ImageServiceTime(h.Created),
                CreatedBy = h.CreatedBy ?? "",
                Id = "<missing>",
                Size = size,
            });
        }
        if (items.Count == 0)
        {
            items.Add(new ImageHistoryItem { Created = image.Created.ToUnixTimeSeconds(), Size = image.Size });
        }
        items.Reverse();
        // compat(docker): ids go down the local parent chain, one a history line (a build step made each).
        var current = image;
        foreach (var item in items)
        {
            item.Id = current.Id;
            item.Tags = s.Images.TagsOf(current.Id) is { Count: > 0 } tags ? [.. tags] : null;
            if (string.IsNullOrEmpty(current.Parent) || s.Images.TryResolve(current.Parent) is not { } parent)
            {
                break;
            }
            current = parent;
        }
        return items;
    }

    private static long ImageServiceTime(string? s) =>
        s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUnixTimeSeconds() : 0;

    /// <summary><c>POST /images/create</c>: with <c>fromSrc=-</c> an import of the body; <c>fromImage</c> is a pull.</summary>
    private static async Task CreateAsync(ApiContext c, EngineServices s)
    {
        var fromSrc = c.Query["fromSrc"];
        if (fromSrc is null)
        {
            var from = c.Query["fromImage"] ?? throw BerthException.Invalid("fromImage or fromSrc is required");
            await DistributionRoutes.PullAsync(c, s, from, c.Query["tag"]).ConfigureAwait(false);
            return;
        }
        if (fromSrc != "-")
        {
            throw BerthException.Invalid("importing from a URL is not supported; pipe the tarball instead (fromSrc=-)");
        }
        var repo = c.Query["repo"];
        var tagQuery = c.Query["tag"];
        if (!string.IsNullOrEmpty(repo) && !string.IsNullOrEmpty(tagQuery))
        {
            repo += ":" + tagQuery;
        }
        if (!string.IsNullOrEmpty(repo))
        {
            Reference.ParseNormalizedTagged(repo); // invalid names fail before the upload is read
        }
        var changes = c.Query.All("changes").SelectMany(ch => ch.Split('\n')).ToList();
        var image = await Task.Run(() => s.Images.Import(c.Body, string.IsNullOrEmpty(repo) ? null : repo, c.Query["message"], changes)).ConfigureAwait(false);
        await c.StartStreamAsync(200, "application/json").ConfigureAwait(false);
        await WriteProgressAsync(c, new ProgressMessage { Status = image.Id }).ConfigureAwait(false);
        await c.EndStreamAsync().ConfigureAwait(false);
    }

    /// <summary><c>POST /commit?container=&amp;repo=&amp;tag=&amp;comment=&amp;author=&amp;changes=&amp;pause=</c>.</summary>
    private static async Task CommitAsync(ApiContext c, EngineServices s)
    {
        var container = c.Query["container"] ?? "";
        var repo = c.Query["repo"];
        var tag = c.Query["tag"];
        string? reference = null;
        if (!string.IsNullOrEmpty(repo))
        {
            reference = string.IsNullOrEmpty(tag) ? repo : repo + ":" + tag;
            Reference.ParseNormalizedTagged(reference); // a bad name fails before anything is written
        }
        var image = await s.Containers.CommitAsync(container, new CommitOptions
        {
            Reference = reference,
            Comment = c.Query["comment"],
            Author = c.Query["author"],
            Changes = c.Query.All("changes").SelectMany(ch => ch.Split('\n')).ToList(),
            Pause = c.Query.Bool("pause", fallback: true),
        }, c.Aborted).ConfigureAwait(false);
        await c.WriteJsonAsync(201, new IdResponse { Id = image.Id }, ApiJson.Default.IdResponse).ConfigureAwait(false);
    }

    private static async Task SaveAsync(ApiContext c, EngineServices s, IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            throw BerthException.Invalid("no image names given");
        }
        foreach (var n in names)
        {
            s.Images.Resolve(n);
        }
        await c.StartStreamAsync(200, "application/x-tar").ConfigureAwait(false);
        await Task.Run(() => s.Images.Save(names, c.ResponseBody)).ConfigureAwait(false);
        await c.EndStreamAsync().ConfigureAwait(false);
    }

    private static async Task LoadAsync(ApiContext c, EngineServices s)
    {
        var lines = await Task.Run(() => s.Images.Load(c.Body)).ConfigureAwait(false);
        await c.StartStreamAsync(200, "application/json").ConfigureAwait(false);
        foreach (var line in lines)
        {
            await WriteProgressAsync(c, new ProgressMessage { Stream = line + "\n" }).ConfigureAwait(false);
        }
        await c.EndStreamAsync().ConfigureAwait(false);
    }

    private static Task WriteProgressAsync(ApiContext c, ProgressMessage m) =>
        c.WriteChunkAsync((byte[])[.. JsonSerializer.SerializeToUtf8Bytes(m, ApiJson.Default.ProgressMessage), (byte)'\n']);
}

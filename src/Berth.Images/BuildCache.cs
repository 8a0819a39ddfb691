namespace Berth.Images;

/// <summary>One image a build step left as cache: untagged, made by a step (it has a build key).</summary>
/// <param name="InUse">A tagged image (or a container's) is built on it, so it cannot go.</param>
/// <param name="Size">The bytes of the layer the step added (0 for a config-only step).</param>
public sealed record BuildCacheEntry(ImageRecord Image, string Description, bool InUse, long Size);

public sealed partial class ImageService
{
    /// <summary>The build cache as <c>docker system df</c> shows it: the intermediate images of builds.</summary>
    public IReadOnlyList<BuildCacheEntry> BuildCache(Func<string, (string ContainerId, bool Running)?> usedBy)
    {
        List<ImageRecord> all;
        HashSet<string> tagged;
        lock (_lock)
        {
            all = [.. _images.Values];
            tagged = [.. _tags.Values];
        }
        var byId = all.ToDictionary(i => i.Id, StringComparer.Ordinal);
        // Everything below a tagged image or a container's image is in use.
        var inUse = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in all.Where(i => tagged.Contains(i.Id) || usedBy(i.Id) is not null))
        {
            for (var p = image.Parent; p.Length > 0 && byId.TryGetValue(p, out var parent) && inUse.Add(p); p = parent.Parent)
            {
            }
        }
        var entries = new List<BuildCacheEntry>();
        foreach (var image in all.Where(i => i.BuildKey is not null && !tagged.Contains(i.Id)))
        {
            var parentLayers = byId.TryGetValue(image.Parent, out var parent) ? parent.DiffIds.Count : 0;
            long size = 0;
            if (image.DiffIds.Count > parentLayers)
            {
                var chain = ChainId.Of(image.DiffIds)[^1];
                size = SnapshotUsage(chain);
            }
            var description = image.BuildKey!.Split('\n')[0];
            entries.Add(new BuildCacheEntry(image, description, inUse.Contains(image.Id) || usedBy(image.Id) is not null, size));
        }
        return entries;
    }

    /// <summary><c>docker builder prune</c>: removes the cache images nothing is built on, last steps first.
    /// Returns the ids removed and the layer bytes freed.</summary>
    public (IReadOnlyList<string> Deleted, long Reclaimed) PruneBuildCache(Func<BuildCacheEntry, bool> match, Func<string, (string ContainerId, bool Running)?> usedBy)
    {
        var before = LayerUsage();
        var deleted = new List<string>();
        while (true)
        {
            var leaves = BuildCache(usedBy).Where(e => !e.InUse && Children(e.Image.Id).Count == 0 && match(e)).ToList();
            var removed = 0;
            foreach (var entry in leaves)
            {
                try
                {
                    Delete(entry.Image.Id, force: false, prune: false, usedBy);
                    deleted.Add(entry.Image.Id);
                    removed++;
                }
                catch (Common.BerthException)
                {
                    // Used or gone meanwhile: left, as a prune leaves what conflicts.
                }
            }
            if (removed == 0)
            {
                break;
            }
        }
        var after = LayerUsage();
        return (deleted, before.Where(l => !after.ContainsKey(l.Key)).Sum(l => l.Value));
    }
}

using Berth.Images;
using Berth.Volumes;

namespace Berth.Engine;

/// <summary>Which parts of <see cref="DiskUsageReport"/> to measure (the <c>type</c> query of API 1.42).</summary>
[Flags]
public enum DiskUsageKinds
{
    None = 0,
    Images = 1,
    Containers = 2,
    Volumes = 4,
    BuildCache = 8,
    All = Images | Containers | Volumes | BuildCache,
}

/// <summary>
/// <c>docker system df</c> as moby computes it: each unpacked layer measured once (LayersSize); an image's size is
/// the sum of its chain's layers and its shared size the part of it other images use too; a container's SizeRw is
/// its writable layer, SizeRootFs that plus its image; a volume's size is what its driver reports. The kinds are
/// measured concurrently, on the thread pool.
/// </summary>
public sealed class DiskUsageService(ContainerService containers, ImageService images, VolumeService volumes)
{
    public async Task<DiskUsageReport> MeasureAsync(DiskUsageKinds kinds)
    {
        var containerList = containers.List();
        var layers = kinds.HasFlag(DiskUsageKinds.Images) || kinds.HasFlag(DiskUsageKinds.Containers)
            ? Task.Run(images.LayerUsage)
            : Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long>());
        var rw = kinds.HasFlag(DiskUsageKinds.Containers)
            ? Task.Run(() => containerList.Select(c => images.WritableLayerUsage(c.Id)).ToList())
            : Task.FromResult(new List<long>());
        var vols = kinds.HasFlag(DiskUsageKinds.Volumes)
            ? Task.Run(() => (IReadOnlyList<VolumeUsage>)volumes.List().Select(v => new VolumeUsage(v, volumes.Users(v.Name).Count, volumes.Size(v.Name))).ToList())
            : Task.FromResult<IReadOnlyList<VolumeUsage>>([]);
        var layerSizes = await layers.ConfigureAwait(false);
        var imageList = images.List();
        var imageSizes = imageList.ToDictionary(i => i.Id, i => ChainId.Of(i.DiffIds).Sum(c => layerSizes.GetValueOrDefault(c)), StringComparer.Ordinal);

        IReadOnlyList<ImageUsage>? imageUsage = null;
        if (kinds.HasFlag(DiskUsageKinds.Images))
        {
            var refs = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var chain in imageList.SelectMany(i => ChainId.Of(i.DiffIds)))
            {
                refs[chain] = refs.GetValueOrDefault(chain) + 1;
            }
            imageUsage = imageList
                .OrderByDescending(i => i.Created)
                .Select(i => new ImageUsage(
                    i,
                    containerList.Count(c => c.Image == i.Id),
                    imageSizes[i.Id],
                    ChainId.Of(i.DiffIds).Where(c => refs.GetValueOrDefault(c) > 1).Sum(c => layerSizes.GetValueOrDefault(c))))
                .ToList();
        }
        IReadOnlyList<ContainerUsage>? containerUsage = null;
        if (kinds.HasFlag(DiskUsageKinds.Containers))
        {
            var sizes = await rw.ConfigureAwait(false);
            containerUsage = containerList
                .Select((c, n) => new ContainerUsage(c, sizes[n], sizes[n] + imageSizes.GetValueOrDefault(c.Image)))
                .ToList();
        }
        var volumeUsage = kinds.HasFlag(DiskUsageKinds.Volumes) ? await vols.ConfigureAwait(false) : null;
        return new DiskUsageReport(layerSizes.Values.Sum(), imageUsage, containerUsage, volumeUsage);
    }
}

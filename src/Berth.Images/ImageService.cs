using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Berth.Common;
using Berth.Content;
using Berth.Images.Layers;
using Berth.Metadata;
using Berth.Oci;
using Berth.Snapshots;

namespace Berth.Images;

/// <summary>
/// Images: references and tags (in the metadata database), manifests, configs and layers (in the content store),
/// unpacked layers (committed snapshots keyed by chain ID), and the writable layer of each container.
/// </summary>
public sealed partial class ImageService
{
    private readonly ContentStore _content;
    private readonly ISnapshotter _snapshots;
    private readonly MetadataStore _metadata;
    private readonly string _tmp;
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _unpack = new(1, 1);
    private Dictionary<string, ImageRecord> _images = [];
    private Dictionary<string, string> _tags = []; // canonical reference → image id

    public ImageService(ContentStore content, ISnapshotter snapshots, MetadataStore metadata, string tmpDir)
    {
        _content = content;
        _snapshots = snapshots;
        _metadata = metadata;
        _tmp = tmpDir;
        Directory.CreateDirectory(tmpDir);
        Reload();
    }

    public ISnapshotter Snapshotter => _snapshots;

    /// <summary>Limit on the uncompressed bytes of any one layer (decompression bombs).</summary>
    public long MaxLayerBytes { get; init; } = 64L << 30;

    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        _ => "unknown",
    };

    private void Reload()
    {
        var images = new Dictionary<string, ImageRecord>();
        foreach (var (id, doc) in _metadata.ListImages())
        {
            images[id] = JsonSerializer.Deserialize(doc, ImageRecordJson.Default.ImageRecord)!;
        }
        var tags = new Dictionary<string, string>();
        foreach (var (reference, id) in _metadata.ListTags())
        {
            tags[reference] = id;
        }
        lock (_lock)
        {
            _images = images;
            _tags = tags;
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _images.Count;
            }
        }
    }

    public IReadOnlyList<ImageRecord> List()
    {
        lock (_lock)
        {
            return _images.Values.ToList();
        }
    }

    /// <summary>Familiar tags of an image (<c>busybox:latest</c>), sorted.</summary>
    public IReadOnlyList<string> TagsOf(string imageId)
    {
        lock (_lock)
        {
            return _tags.Where(t => t.Value == imageId).Select(t => Reference.Parse(t.Key).Familiar).Order(StringComparer.Ordinal).ToList();
        }
    }

    public ImageRecord? TryResolve(string nameOrId)
    {
        lock (_lock)
        {
            if (Reference.TryParse(nameOrId, out var r, out _) && r is not null)
            {
                if (r.Tag is null && r.Digest is null)
                {
                    r = r with { Tag = Reference.DefaultTag };
                }
                if (r.Digest is { } d && r.Tag is null)
                {
                    var byDigest = _images.Values.FirstOrDefault(i => i.RepoDigests.Contains(r.FamiliarRepository + "@" + d.Value) || i.Id == d.Value);
                    if (byDigest is not null)
                    {
                        return byDigest;
                    }
                }
                if (_tags.TryGetValue(r.Canonical, out var id) && _images.TryGetValue(id, out var tagged))
                {
                    return tagged;
                }
            }
            var hex = nameOrId.StartsWith("sha256:", StringComparison.Ordinal) ? nameOrId[7..] : nameOrId;
            if (hex.Length > 0 && hex.All(char.IsAsciiHexDigitLower))
            {
                var matches = _images.Values.Where(i => i.Id.AsSpan(7).StartsWith(hex, StringComparison.Ordinal)).Take(2).ToList();
                if (matches.Count == 1)
                {
                    return matches[0];
                }
            }
            return null;
        }
    }

    /// <summary>Finds an image by reference, ID or unique ID prefix; 404 with Docker's message otherwise.</summary>
    public ImageRecord Resolve(string nameOrId) =>
        TryResolve(nameOrId) ?? throw BerthException.NotFound($"No such image: {nameOrId}");

    public ImageConfig Config(ImageRecord image) =>
        JsonSerializer.Deserialize(_content.ReadAll(Digest.Parse(image.Id)), OciJson.Default.ImageConfig)
            ?? throw new BerthException(ErrorKind.Unknown, $"image config {image.Id} is empty");

    public ImageManifest Manifest(ImageRecord image) =>
        JsonSerializer.Deserialize(_content.ReadAll(Digest.Parse(image.Manifest)), OciJson.Default.ImageManifest)
            ?? throw new BerthException(ErrorKind.Unknown, $"image manifest {image.Manifest} is empty");

    /// <summary>Points <paramref name="target"/> at the image <paramref name="source"/> names.</summary>
    public void Tag(string source, string target)
    {
        var image = Resolve(source);
        var reference = Reference.ParseNormalizedTagged(target);
        if (reference.Digest is not null)
        {
            throw BerthException.Invalid("refusing to create a tag with a digest reference");
        }
        SetTag(reference, image.Id);
    }

    private void SetTag(Reference reference, string imageId)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_lock)
        {
            _metadata.SetTag(reference.Canonical, imageId, now);
            _tags[reference.Canonical] = imageId;
            if (_images.TryGetValue(imageId, out var image))
            {
                image.LastTagTime = now;
                Save(image);
            }
        }
    }

    private void Save(ImageRecord image) =>
        _metadata.PutImage(image.Id, JsonSerializer.Serialize(image, ImageRecordJson.Default.ImageRecord));

    /// <summary>Stores a new image whose layers and config are in the content store, and tags it.</summary>
    private ImageRecord Register(ImageConfig config, IReadOnlyList<Descriptor> layers, IEnumerable<Reference> tags, string? parent = null) =>
        RegisterStored(JsonSerializer.SerializeToUtf8Bytes(config, OciJson.Default.ImageConfig), config, layers.ToList(), tags.ToList(), parent);

    /// <summary>Stores an image whose layers are unpacked: the config byte for byte (its digest is the image ID; a
    /// config from elsewhere, an archive or a registry, keeps its bytes), a manifest of the uncompressed layers. A
    /// null <paramref name="parent"/> keeps the local parent an existing record of the image has.</summary>
    private ImageRecord RegisterStored(byte[] configBytes, ImageConfig config, List<Descriptor> layers, IReadOnlyList<Reference> tags, string? parent = null)
    {
        var configDigest = _content.Write(configBytes);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = configDigest.Value, Size = configBytes.Length },
            Layers = layers,
        };
        var manifestDigest = _content.Write(JsonSerializer.SerializeToUtf8Bytes(manifest, OciJson.Default.ImageManifest));
        var record = new ImageRecord
        {
            Id = configDigest.Value,
            Manifest = manifestDigest.Value,
            Created = ParseTime(config.Created),
            DiffIds = config.Rootfs.DiffIds.ToList(),
            Parent = parent ?? "",
        };
        record.Size = LayerSizes(record).Sum();
        lock (_lock)
        {
            if (_images.TryGetValue(record.Id, out var existing))
            {
                record.LastTagTime = existing.LastTagTime;
                record.RepoDigests = existing.RepoDigests;
                record.Parent = parent ?? existing.Parent;
            }
            _images[record.Id] = record;
            Save(record);
        }
        foreach (var t in tags)
        {
            SetTag(t, record.Id);
        }
        return record;
    }

    private IEnumerable<long> LayerSizes(ImageRecord image)
    {
        foreach (var chain in ChainId.Of(image.DiffIds))
        {
            yield return _snapshots.Stat(chain) is null ? 0 : _snapshots.Usage(chain);
        }
    }

    internal static DateTimeOffset ParseTime(string? s) =>
        s is not null && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.UnixEpoch;

    internal static string FormatTime(DateTimeOffset t) =>
        t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.') + "Z";

    private LayerApplyOptions ApplyOptions => new()
    {
        Whiteouts = _snapshots.UsesOverlayWhiteouts ? WhiteoutMode.Overlay : WhiteoutMode.Delete,
        MaxUncompressedBytes = MaxLayerBytes,
    };

    /// <summary>
    /// Applies one layer on top of <paramref name="parentChain"/> and commits it as <paramref name="chain"/>,
    /// storing the uncompressed tar as content. Returns the layer's diffID and size. If the result's chain already
    /// exists, the new snapshot is dropped.
    /// </summary>
    private (Digest DiffId, long Size) ApplyLayer(Stream layer, string? parentChain, Func<Digest, string>? chainOf = null)
    {
        var key = "extract-" + Ids.New();
        _snapshots.Prepare(key, parentChain);
        var kept = false;
        try
        {
            LayerApplyResult result;
            string chain;
            // The applier measures the diffID over exactly the bytes it copies to the writer.
            using (var writer = _content.CreateWriterHashedByCaller())
            {
                result = LayerApplier.Apply(layer, _snapshots.LayerDirectory(key), ApplyOptions, writer);
                // Before the commit: a layer that is not what the config says never becomes content.
                chain = chainOf?.Invoke(result.DiffId) ?? (parentChain is null ? result.DiffId.Value : Digest.Of(parentChain + " " + result.DiffId.Value).Value);
                writer.Commit(result.DiffId, result.UncompressedSize);
            }
            if (_snapshots.Stat(chain) is null)
            {
                _snapshots.Commit(chain, key);
                kept = true;
            }
            return (result.DiffId, result.UncompressedSize);
        }
        finally
        {
            if (!kept)
            {
                _snapshots.Remove(key);
            }
        }
    }

    /// <summary><c>docker import</c>: a root filesystem tarball becomes a one-layer image.</summary>
    public ImageRecord Import(Stream tarball, string? repoTag, string? message, IReadOnlyList<string> changes)
    {
        var tags = repoTag is { Length: > 0 } ? [Reference.ParseNormalizedTagged(repoTag)] : Array.Empty<Reference>();
        var runtime = new ImageRuntimeConfig();
        ConfigChanges.Apply(runtime, changes);
        _unpack.Wait();
        try
        {
            var (diffId, size) = ApplyLayer(tarball, null);
            var now = FormatTime(DateTimeOffset.UtcNow);
            var config = new ImageConfig
            {
                Created = now,
                Architecture = Architecture,
                Os = "linux",
                Config = runtime,
                Rootfs = new RootFs { DiffIds = [diffId.Value] },
                History = [new HistoryEntry { Created = now, Comment = message ?? "Imported from -" }],
                Comment = message ?? "Imported from -",
            };
            return Register(config, [new Descriptor { MediaType = MediaTypes.OciLayer, Digest = diffId.Value, Size = size }], tags);
        }
        finally
        {
            _unpack.Release();
        }
    }

    /// <summary>Makes sure every layer of the image is unpacked (committed snapshots by chain ID).</summary>
    public void Unpack(ImageRecord image)
    {
        var chains = ChainId.Of(image.DiffIds);
        if (chains.Count == 0 || _snapshots.Stat(chains[^1]) is not null)
        {
            return;
        }
        _unpack.Wait();
        try
        {
            var manifest = Manifest(image);
            for (var i = 0; i < chains.Count; i++)
            {
                if (_snapshots.Stat(chains[i]) is not null)
                {
                    continue;
                }
                var layer = manifest.Layers[i];
                using var blob = _content.Open(Digest.Parse(layer.Digest));
                var expected = image.DiffIds[i];
                var index = i;
                var (diffId, _) = ApplyLayer(blob, i == 0 ? null : chains[i - 1], d =>
                    d.Value == expected ? chains[index] : throw BerthException.Invalid($"layer {layer.Digest} has diffID {d}, the config says {expected}"));
            }
        }
        finally
        {
            _unpack.Release();
        }
    }

    /// <summary>The writable layer of a container over its image; the mounts to give the runtime.</summary>
    public IReadOnlyList<Snapshots.Mount> PrepareRootfs(string key, ImageRecord? image)
    {
        string? parent = null;
        if (image is not null)
        {
            Unpack(image);
            var chains = ChainId.Of(image.DiffIds);
            parent = chains.Count == 0 ? null : chains[^1];
        }
        return _snapshots.Stat(key) is null ? _snapshots.Prepare(key, parent) : _snapshots.Mounts(key);
    }

    public IReadOnlyList<Snapshots.Mount> RootfsMounts(string key) => _snapshots.Mounts(key);

    public void RemoveRootfs(string key)
    {
        if (_snapshots.Stat(key) is not null)
        {
            _snapshots.Remove(key);
        }
    }

    /// <summary>
    /// <c>docker rmi</c>: untags, and deletes the image when no tag is left, unless a container uses it.
    /// <paramref name="usedBy"/> answers which container uses an image and whether it is running.
    /// </summary>
    public IReadOnlyList<ImageDeleteItem> Delete(string name, bool force, bool prune, Func<string, (string ContainerId, bool Running)?> usedBy)
    {
        var image = Resolve(name);
        var items = new List<ImageDeleteItem>();
        lock (_lock)
        {
            var tags = _tags.Where(t => t.Value == image.Id).Select(t => t.Key).ToList();
            var isReference = Reference.TryParse(name, out var r, out _) && r is not null && !image.Id.AsSpan(7).StartsWith(Ids.TrimAlgorithm(name), StringComparison.Ordinal);
            var shortId = Ids.Short(image.Id[7..]);
            if (isReference)
            {
                var canonical = (r!.Tag is null && r.Digest is null ? r with { Tag = Reference.DefaultTag } : r).Canonical;
                var usage = tags.Count == 1 ? usedBy(image.Id) : null;
                if (usage is { } u && !force)
                {
                    throw BerthException.Conflict($"conflict: unable to remove repository reference \"{name}\" (must force) - container {Ids.Short(u.ContainerId)} is using its referenced image {shortId}");
                }
                if (_tags.Remove(canonical))
                {
                    _metadata.RemoveTag(canonical);
                    var removed = Reference.Parse(canonical);
                    items.Add(new ImageDeleteItem(removed.Familiar, null));
                    // compat(docker): the last tag of a repository takes the repository's digest reference with it.
                    if (!_tags.Any(t => t.Value == image.Id && t.Key.StartsWith(removed.Repository + ":", StringComparison.Ordinal)))
                    {
                        foreach (var digest in image.RepoDigests.Where(d => d.StartsWith(removed.FamiliarRepository + "@", StringComparison.Ordinal)).ToList())
                        {
                            image.RepoDigests.Remove(digest);
                            items.Add(new ImageDeleteItem(digest, null));
                        }
                        Save(image);
                    }
                }
                if (tags.Count > 1 || usage is not null)
                {
                    return items; // other tags keep it, or a container does
                }
            }
            else
            {
                if (tags.Count > 1 && !force)
                {
                    throw BerthException.Conflict($"conflict: unable to delete {shortId} (must be forced) - image is referenced in multiple repositories");
                }
                if (usedBy(image.Id) is { } u)
                {
                    if (u.Running || !force)
                    {
                        throw BerthException.Conflict($"conflict: unable to delete {shortId} ({(u.Running ? "cannot be forced" : "must be forced")}) - image is being used by {(u.Running ? "running" : "stopped")} container {Ids.Short(u.ContainerId)}");
                    }
                }
                foreach (var t in tags)
                {
                    _tags.Remove(t);
                    _metadata.RemoveTag(t);
                    items.Add(new ImageDeleteItem(Reference.Parse(t).Familiar, null));
                }
            }
            if (!force && _images.Values.Any(i => i.Parent == image.Id))
            {
                throw BerthException.Conflict($"conflict: unable to delete {shortId} (cannot be forced) - image has dependent child images");
            }
            _images.Remove(image.Id);
            _metadata.DeleteImage(image.Id);
            items.Add(new ImageDeleteItem(null, image.Id));
            // compat(docker): untagged parents (a build's intermediate images) go with their last child, unless
            // --no-prune, another child, a tag or a container keeps them.
            var parentId = image.Parent;
            while (prune && _images.TryGetValue(parentId, out var parent) && !_tags.ContainsValue(parent.Id)
                && !_images.Values.Any(i => i.Parent == parent.Id) && usedBy(parent.Id) is null)
            {
                _images.Remove(parent.Id);
                _metadata.DeleteImage(parent.Id);
                items.Add(new ImageDeleteItem(null, parent.Id));
                parentId = parent.Parent;
            }
        }
        CollectGarbage();
        return items;
    }

    /// <summary>Removes the unpacked layers and content blobs no remaining image refers to.</summary>
    public void CollectGarbage()
    {
        _unpack.Wait();
        try
        {
            if (Volatile.Read(ref _activePulls) > 0)
            {
                // A pull's layers are not an image's yet: the next collection takes what is garbage then.
                return;
            }
            HashSet<string> chains;
            HashSet<string> blobs;
            lock (_lock)
            {
                chains = _images.Values.SelectMany(i => ChainId.Of(i.DiffIds)).ToHashSet();
                blobs = [];
                foreach (var image in _images.Values)
                {
                    blobs.Add(image.Id);
                    blobs.Add(image.Manifest);
                    try
                    {
                        foreach (var l in Manifest(image).Layers)
                        {
                            blobs.Add(l.Digest);
                        }
                    }
                    catch (BerthException)
                    {
                    }
                }
            }
            // Leaves first: a layer whose child is still there cannot go.
            bool removed;
            do
            {
                removed = false;
                var all = _snapshots.List().ToList();
                foreach (var s in all.Where(s => s.Kind == SnapshotKind.Committed && !chains.Contains(s.Key) && !all.Any(c => c.Parent == s.Key)))
                {
                    _snapshots.Remove(s.Key);
                    removed = true;
                }
            }
            while (removed);
            foreach (var (digest, _) in _content.List().ToList())
            {
                if (!blobs.Contains(digest.Value))
                {
                    _content.Delete(digest);
                }
            }
        }
        finally
        {
            _unpack.Release();
        }
    }

    /// <summary>Bytes each unpacked layer (committed snapshot) adds, by chain ID, each measured once: what
    /// <c>docker system df</c> sums as LayersSize and shares out among the images.</summary>
    public IReadOnlyDictionary<string, long> LayerUsage()
    {
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var s in _snapshots.List().Where(s => s.Kind == SnapshotKind.Committed))
        {
            sizes[s.Key] = SnapshotUsage(s.Key);
        }
        return sizes;
    }

    /// <summary>Bytes a container's writable layer holds over its image (0 when it has none, or it went meanwhile).</summary>
    public long WritableLayerUsage(string key) => SnapshotUsage(key);

    private long SnapshotUsage(string key)
    {
        try
        {
            return _snapshots.Stat(key) is null ? 0 : _snapshots.Usage(key);
        }
        catch (Exception e) when (e is BerthException { Kind: ErrorKind.NotFound } or DirectoryNotFoundException or FileNotFoundException)
        {
            return 0; // removed while it was being measured
        }
    }

    /// <summary>
    /// <c>docker image prune</c> (moby's ImagesPrune): removes the images no container uses that
    /// <paramref name="match"/> accepts: only dangling ones (untagged, no child image) unless
    /// <paramref name="danglingOnly"/> is false, when tagged ones are untagged and deleted too. A parent left
    /// without children is taken in the next round, as <c>rmi</c> prunes untagged parents. An image that conflicts
    /// (a container started using it meanwhile) is left, as dockerd leaves it. Returns what went and the layer
    /// bytes freed.
    /// </summary>
    public (IReadOnlyList<ImageDeleteItem> Deleted, long Reclaimed) Prune(bool danglingOnly, Func<ImageRecord, ImageConfig, bool> match, Func<string, (string ContainerId, bool Running)?> usedBy)
    {
        var before = LayerUsage();
        var deleted = new List<ImageDeleteItem>();
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            List<ImageRecord> candidates;
            lock (_lock)
            {
                candidates = _images.Values.Where(i => !skipped.Contains(i.Id) && !_images.Values.Any(c => c.Parent == i.Id)).ToList();
            }
            var removed = 0;
            foreach (var image in candidates)
            {
                var tags = TagsOf(image.Id);
                if (danglingOnly && tags.Count > 0 || usedBy(image.Id) is not null || !match(image, Config(image)))
                {
                    skipped.Add(image.Id);
                    continue;
                }
                try
                {
                    foreach (var name in tags.Count == 0 ? [image.Id] : tags)
                    {
                        deleted.AddRange(Delete(name, force: false, prune: true, usedBy));
                    }
                    removed++;
                }
                catch (BerthException e) when (e.Kind is ErrorKind.Conflict or ErrorKind.NotFound)
                {
                    // compat(docker): a conflict or an image gone meanwhile is skipped, not an error.
                    skipped.Add(image.Id);
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

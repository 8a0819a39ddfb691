using System.Security.Cryptography;
using System.Text.Json;
using Berth.Common;
using Berth.Distribution.Client;
using Berth.Images.Layers;
using Berth.Oci;

namespace Berth.Images;

/// <summary>What a pull is asked: the image, whose credentials, and for which platform.</summary>
public sealed record PullOptions(RegistryCredentials? Credentials = null, string? Platform = null);

/// <summary>What a pull got: the image, the digest of the manifest it came from, and whether the tag already
/// pointed at it.</summary>
public sealed record PullResult(ImageRecord Image, Digest ManifestDigest, bool UpToDate);

public sealed partial class ImageService
{
    /// <summary>Docker's <c>max-concurrent-downloads</c>: layers fetched at once.</summary>
    public int MaxConcurrentDownloads { get; init; } = 3;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Digest, Lazy<Task<string>>> _inflight = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _pullGates = new();

    /// <summary>The largest image config accepted from a registry.</summary>
    private const int MaxConfigBytes = 8 << 20;

    /// <summary>The registries' settings (mirrors, insecure registries) the daemon was started with.</summary>
    public RegistryHosts Registries { get; init; } = new();

    /// <summary>
    /// <c>docker pull</c>: the manifest (the host's platform chosen from an index), the config, then the layers the
    /// image store lacks, fetched in parallel and verified against their digests and sizes, unpacked in order and
    /// checked against the config's diffIDs. Nothing becomes an image until every layer is in; layers already
    /// unpacked stay, so a pull that was interrupted goes on where it stopped.
    /// </summary>
    public async Task<PullResult> PullAsync(Reference reference, PullOptions options, Action<TransferProgress> progress, CancellationToken ct)
    {
        var platform = ParsePlatform(options.Platform);
        var client = new RegistryClient(Registries, reference.Domain, reference.Path, options.Credentials);
        var asked = reference.Digest?.Value ?? reference.Tag ?? Reference.DefaultTag;
        FetchedManifest fetched;
        try
        {
            fetched = await client.GetManifestAsync(asked, ct).ConfigureAwait(false);
        }
        catch (BerthException e) when (e.Kind == ErrorKind.NotFound)
        {
            throw BerthException.NotFound($"manifest for {reference.Familiar} not found: {e.Message}");
        }
        catch (BerthException e) when (e.Kind is ErrorKind.Unauthorized or ErrorKind.Forbidden)
        {
            // compat(docker): not 401, which would make the docker CLI prompt for a login and try again.
            throw BerthException.NotFound($"pull access denied for {reference.FamiliarRepository}, repository does not exist or may require 'docker login': {e.Message}");
        }
        var repoDigest = fetched.Digest;
        if (ManifestMediaTypes.IsIndex(fetched.MediaType))
        {
            var chosen = ChoosePlatform(ParseIndex(fetched.Bytes), platform)
                ?? throw BerthException.NotFound($"no matching manifest for {platform.Os}/{platform.Architecture}{(platform.Variant is null ? "" : "/" + platform.Variant)} in the manifest list entries");
            fetched = await client.GetManifestAsync(Digest.Parse(chosen.Digest).Value, ct).ConfigureAwait(false);
            if (ManifestMediaTypes.IsIndex(fetched.MediaType))
            {
                throw BerthException.Invalid("invalid manifest list: an entry is itself a manifest list");
            }
        }
        var (configDescriptor, layerDescriptors) = ParseManifest(fetched.Bytes);

        progress(new TransferProgress(reference.Digest?.Value ?? reference.Tag, "Pulling from " + reference.Path));

        var configDigest = configDescriptor.Digest;
        // Pulls of one image go one at a time: the second finds what the first brought, as with dockerd.
        var gate = _pullGates.GetOrAdd(configDigest.Value, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        ImageRecord image;
        try
        {
            var local = TryGetImage(configDigest.Value);
            if (local is not null && IsUnpacked(local))
            {
                image = local;
            }
            else
            {
                var configBytes = _content.Exists(configDigest) ? _content.ReadAll(configDigest)
                    : await client.ReadBlobAsync(configDigest, configDescriptor.Size, MaxConfigBytes, ct).ConfigureAwait(false);
                var config = DeserializeConfig(configBytes);
                if (config.Rootfs.DiffIds.Count != layerDescriptors.Count)
                {
                    throw BerthException.Invalid($"invalid image: the manifest has {layerDescriptors.Count} layers, its config {config.Rootfs.DiffIds.Count} diffIDs");
                }
                if (options.Platform is not null && (config.Os != platform.Os || config.Architecture != platform.Architecture))
                {
                    throw BerthException.NotFound($"image with reference {reference.Familiar} was found but does not match the specified platform: wanted {platform.Os}/{platform.Architecture}, actual: {config.Os}/{config.Architecture}");
                }
                var layers = await PullLayersAsync(client, config.Rootfs.DiffIds, layerDescriptors, progress, ct).ConfigureAwait(false);
                image = RegisterStored(configBytes, config, layers, []);
            }
        }
        finally
        {
            gate.Release();
        }

        var repository = reference.FamiliarRepository;
        var upToDate = reference.Tag is { } tag && TryResolveTag(reference) == image.Id;
        AddRepoDigest(image, repository + "@" + repoDigest.Value);
        if (reference.Tag is not null)
        {
            SetTag(reference, image.Id);
        }
        return new PullResult(image, repoDigest, upToDate);
    }

    /// <summary>The tags of a repository, for <c>docker pull --all-tags</c>.</summary>
    public Task<IReadOnlyList<string>> ListRemoteTagsAsync(Reference repository, RegistryCredentials? credentials, CancellationToken ct) =>
        new RegistryClient(Registries, repository.Domain, repository.Path, credentials).ListTagsAsync(ct);

    /// <summary>A manifest list or OCI index from a registry (untrusted bytes).</summary>
    internal static ImageIndex ParseIndex(byte[] bytes)
    {
        ImageIndex? index;
        try
        {
            index = JsonSerializer.Deserialize(bytes, OciJson.Default.ImageIndex);
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid manifest list: " + e.Message);
        }
        if (index is null)
        {
            throw BerthException.Invalid("invalid manifest list: empty");
        }
        // JSON null deserializes into properties the types declare non-null.
        if (index.Manifests is null || index.Manifests.Contains(null!))
        {
            throw BerthException.Invalid("invalid manifest list: manifests missing or null");
        }
        return index;
    }

    /// <summary>An image manifest from a registry (untrusted bytes): its config and layer descriptors, checked.</summary>
    internal static ((Digest Digest, long Size, string MediaType) Config, List<(Digest Digest, long Size, string MediaType)> Layers) ParseManifest(byte[] bytes)
    {
        ImageManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(bytes, OciJson.Default.ImageManifest);
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid manifest: " + e.Message);
        }
        if (manifest is null)
        {
            throw BerthException.Invalid("invalid manifest: empty");
        }
        if (manifest.Layers is null)
        {
            throw BerthException.Invalid("invalid manifest: layers missing or null");
        }
        return (Checked(manifest.Config, "config"), manifest.Layers.Select(l => Checked(l, "layer")).ToList());
    }

    private static (Digest Digest, long Size, string MediaType) Checked(Descriptor? d, string what)
    {
        if (d is null)
        {
            throw BerthException.Invalid($"invalid manifest: {what} descriptor is null");
        }
        if (!Digest.TryParse(d.Digest, out var digest))
        {
            throw BerthException.Invalid($"invalid manifest: {what} digest \"{d.Digest}\" is not a sha256 digest");
        }
        if (d.Size < 0)
        {
            throw BerthException.Invalid($"invalid manifest: {what} {d.Digest} has a negative size");
        }
        return (digest, d.Size, d.MediaType);
    }

    internal static ImageConfig DeserializeConfig(byte[] bytes)
    {
        try
        {
            var config = JsonSerializer.Deserialize(bytes, OciJson.Default.ImageConfig) ?? throw BerthException.Invalid("invalid image config: empty");
            if (config.Rootfs?.DiffIds is not { } diffIds || diffIds.Contains(null!))
            {
                throw BerthException.Invalid("invalid image config: rootfs.diff_ids missing or null");
            }
            return config;
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid image config: " + e.Message);
        }
    }

    private static Platform ParsePlatform(string? text)
    {
        var host = new Platform { Os = "linux", Architecture = Architecture };
        if (string.IsNullOrEmpty(text))
        {
            return host;
        }
        var parts = text.ToLowerInvariant().Split('/');
        if (parts.Length > 3 || parts.Any(p => p.Length == 0))
        {
            throw BerthException.Invalid($"\"{text}\": unknown operating system or architecture: invalid argument");
        }
        var platform = parts.Length == 1 ? new Platform { Os = "linux", Architecture = parts[0] } : new Platform { Os = parts[0], Architecture = parts[1], Variant = parts.Length == 3 ? parts[2] : null };
        // compat(docker): the usual aliases.
        platform.Architecture = platform.Architecture switch { "x86_64" or "x86-64" => "amd64", "aarch64" => "arm64", var a => a };
        return platform;
    }

    internal static Descriptor? ChoosePlatform(ImageIndex index, Platform wanted)
    {
        var candidates = index.Manifests.Where(m => m.Platform is { } p && p.Os == wanted.Os && p.Architecture == wanted.Architecture).ToList();
        if (wanted.Variant is not null)
        {
            return candidates.FirstOrDefault(m => m.Platform!.Variant == wanted.Variant);
        }
        // arm64's variant v8 is the default; otherwise the first entry for the architecture.
        return candidates.FirstOrDefault(m => m.Platform!.Variant is null or "v8") ?? candidates.FirstOrDefault();
    }

    private ImageRecord? TryGetImage(string id)
    {
        lock (_lock)
        {
            return _images.GetValueOrDefault(id);
        }
    }

    private string? TryResolveTag(Reference reference)
    {
        lock (_lock)
        {
            return _tags.GetValueOrDefault(reference.Canonical);
        }
    }

    private bool IsUnpacked(ImageRecord image)
    {
        var chains = ChainId.Of(image.DiffIds);
        return (chains.Count == 0 || _snapshots.Stat(chains[^1]) is not null) && image.DiffIds.All(d => _content.Exists(Digest.Parse(d)));
    }

    private void AddRepoDigest(ImageRecord image, string repoDigest)
    {
        lock (_lock)
        {
            var repository = repoDigest[..repoDigest.IndexOf('@', StringComparison.Ordinal)];
            // compat(docker): one digest a repository: a newer pull replaces the older entry of the same repository.
            image.RepoDigests.RemoveAll(d => d.StartsWith(repository + "@", StringComparison.Ordinal));
            image.RepoDigests.Add(repoDigest);
            Save(image);
        }
    }

    private async Task<List<Descriptor>> PullLayersAsync(RegistryClient client, IReadOnlyList<string> diffIds, IReadOnlyList<(Digest Digest, long Size, string MediaType)> blobs,
        Action<TransferProgress> progress, CancellationToken ct)
    {
        // Layers of a pull are chained and stored before any image refers to them: garbage collection waits for a
        // collection under way to end before a pull starts, and leaves its work to a later one while pulls run.
        await _unpack.WaitAsync(ct).ConfigureAwait(false);
        Interlocked.Increment(ref _activePulls);
        _unpack.Release();
        try
        {
            return await PullLayersUnguardedAsync(client, diffIds, blobs, progress, ct).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _activePulls);
        }
    }

    private int _activePulls;

    private async Task<List<Descriptor>> PullLayersUnguardedAsync(RegistryClient client, IReadOnlyList<string> diffIds, IReadOnlyList<(Digest Digest, long Size, string MediaType)> blobs,
        Action<TransferProgress> progress, CancellationToken ct)
    {
        var chains = ChainId.Of(diffIds);
        var present = new bool[blobs.Count];
        for (var i = 0; i < blobs.Count; i++)
        {
            present[i] = _snapshots.Stat(chains[i]) is not null && _content.Exists(Digest.Parse(diffIds[i]));
            progress(TransferProgress.ForLayer(blobs[i].Digest.Short, present[i] ? "Already exists" : "Pulling fs layer"));
        }
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var slots = new SemaphoreSlim(MaxConcurrentDownloads);
        // One download a blob, even if the image lists the same layer twice.
        var downloads = new Dictionary<Digest, Task<string>>();
        var owned = new List<Digest>();
        for (var i = 0; i < blobs.Count; i++)
        {
            var blob = blobs[i];
            if (!present[i] && !downloads.ContainsKey(blob.Digest))
            {
                if (downloads.Count >= MaxConcurrentDownloads)
                {
                    progress(TransferProgress.ForLayer(blob.Digest.Short, "Waiting"));
                }
                // A blob another pull is fetching right now is waited for, not fetched twice.
                var mine = new Lazy<Task<string>>(() => DownloadAsync(client, blob.Digest, blob.Size, slots, progress, cancel.Token));
                var shared = _inflight.GetOrAdd(blob.Digest, mine);
                if (ReferenceEquals(shared, mine))
                {
                    owned.Add(blob.Digest);
                }
                downloads[blob.Digest] = shared.Value;
            }
        }
        // Overlay layers do not depend on their parents' files: each is unpacked as soon as it is here, a core each,
        // and they are chained in order after. Other snapshotters copy the parent: one after the other.
        var unpacked = new Task<string?>?[blobs.Count];
        if (_snapshots.UsesOverlayWhiteouts)
        {
            for (var i = 0; i < blobs.Count; i++)
            {
                if (!present[i])
                {
                    var (blob, diffId) = (blobs[i], diffIds[i]);
                    unpacked[i] = UnpackAloneAsync(client, downloads[blob.Digest], blob, diffId, chains[i], progress, cancel.Token);
                }
            }
        }
        try
        {
            var layers = new List<Descriptor>();
            for (var i = 0; i < blobs.Count; i++)
            {
                var diffId = Digest.Parse(diffIds[i]);
                if (unpacked[i] is { } task)
                {
                    var key = await task.ConfigureAwait(false);
                    CommitUnpacked(key, i == 0 ? null : chains[i - 1], chains[i]);
                    progress(TransferProgress.ForLayer(blobs[i].Digest.Short, "Pull complete"));
                }
                else if (!present[i] && !(_snapshots.Stat(chains[i]) is not null && _content.Exists(diffId)))
                {
                    var file = await downloads[blobs[i].Digest].ConfigureAwait(false);
                    await ExtractAsync(client, file, blobs[i], diffIds[i], i == 0 ? null : chains[i - 1], chains[i], progress, cancel.Token).ConfigureAwait(false);
                }
                layers.Add(new Descriptor { MediaType = MediaTypes.OciLayer, Digest = diffId.Value, Size = _content.SizeOf(diffId) ?? 0 });
            }
            return layers;
        }
        finally
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            // Layers unpacked but never chained (a failure further on) are dropped.
            foreach (var task in unpacked)
            {
                if (task is null)
                {
                    continue;
                }
                try
                {
                    if (await task.ConfigureAwait(false) is { } key && _snapshots.Stat(key) is not null)
                    {
                        _snapshots.Remove(key);
                    }
                }
                catch (Exception)
                {
                    // Its own failure: it removed its snapshot itself.
                }
            }
            foreach (var digest in owned)
            {
                _inflight.TryRemove(digest, out _);
                try
                {
                    File.Delete(await downloads[digest].ConfigureAwait(false));
                }
                catch (Exception)
                {
                    // The download's own failure, or the cancellation: its file is already gone.
                }
            }
        }
    }

    /// <summary>Fetches a blob into a file of its own, checking its size and digest as it comes.</summary>
    private async Task<string> DownloadAsync(RegistryClient client, Digest digest, long size, SemaphoreSlim slots, Action<TransferProgress> progress, CancellationToken ct)
    {
        await slots.WaitAsync(ct).ConfigureAwait(false);
        var path = Path.Join(_tmp, "pull-" + Ids.New());
        try
        {
            var (content, _) = await client.OpenBlobAsync(digest, ct).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[256 * 1024];
                long done = 0;
                var report = new ProgressThrottle();
                int n;
                while ((n = await content.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    done += n;
                    if (done > size)
                    {
                        throw BerthException.Invalid($"blob {digest}: the registry sent more than the {size} bytes its descriptor says");
                    }
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
                    if (report.Due(done == size))
                    {
                        progress(TransferProgress.ForLayer(digest.Short, "Downloading", done, size));
                    }
                }
                if (done != size)
                {
                    throw BerthException.Invalid($"blob {digest}: the registry sent {done} bytes, its descriptor says {size}");
                }
                progress(TransferProgress.ForLayer(digest.Short, "Verifying Checksum"));
                var actual = Digest.FromHash(hash.GetHashAndReset());
                if (actual != digest)
                {
                    throw BerthException.Invalid($"filesystem layer verification failed for digest {digest}: the content's digest is {actual}");
                }
            }
            progress(TransferProgress.ForLayer(digest.Short, "Download complete"));
            return path;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        finally
        {
            slots.Release();
        }
    }

    private async Task ExtractAsync(RegistryClient client, string file, (Digest Digest, long Size, string MediaType) blob, string diffId, string? parentChain, string chain,
        Action<TransferProgress> progress, CancellationToken ct)
    {
        await _unpack.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_snapshots.Stat(chain) is not null && _content.Exists(Digest.Parse(diffId)))
            {
                // A concurrent pull of the same layer unpacked it while this one waited.
                progress(TransferProgress.ForLayer(blob.Digest.Short, "Pull complete"));
                return;
            }
            await Task.Run(() =>
            {
                using var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                using var counted = new ProgressStream(input, read =>
                {
                    ct.ThrowIfCancellationRequested();
                    progress(TransferProgress.ForLayer(blob.Digest.Short, "Extracting", read, blob.Size));
                });
                ApplyLayer(counted, parentChain, d =>
                    d.Value == diffId ? chain : throw BerthException.Invalid($"layer {blob.Digest} has diffID {d}, the image config says {diffId}"));
            }, ct).ConfigureAwait(false);
            if (blob.MediaType is MediaTypes.DockerLayerGzip or MediaTypes.OciLayerGzip)
            {
                // A push may send this blob's digest for the layer without compressing it again.
                Remote.Add(Digest.Parse(diffId), new RemoteLayers.Entry(client.Domain, client.Repository, blob.Digest, blob.Size));
            }
        }
        finally
        {
            _unpack.Release();
        }
        progress(TransferProgress.ForLayer(blob.Digest.Short, "Pull complete"));
    }

    private readonly SemaphoreSlim _unpackSlots = new(Math.Max(1, Environment.ProcessorCount));

    /// <summary>Unpacks one downloaded layer into a snapshot of its own, without a parent, checking its diffID and
    /// keeping its tar as content; returns the snapshot's key, or null when the layer is already in the store.</summary>
    private async Task<string?> UnpackAloneAsync(RegistryClient client, Task<string> download, (Digest Digest, long Size, string MediaType) blob, string diffId,
        string chain, Action<TransferProgress> progress, CancellationToken ct)
    {
        var file = await download.ConfigureAwait(false);
        await _unpackSlots.WaitAsync(ct).ConfigureAwait(false);
        var expected = Digest.Parse(diffId);
        // A concurrent pull of the same layer (whose download this one shared) may have unpacked it meanwhile.
        bool Done() => _snapshots.Stat(chain) is not null && _content.Exists(expected);
        try
        {
            if (Done())
            {
                return null;
            }
            return await Task.Run(() =>
            {
                var key = "extract-" + Ids.New();
                _snapshots.Prepare(key, null);
                try
                {
                    FileStream input;
                    try
                    {
                        input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
                    }
                    catch (FileNotFoundException) when (Done())
                    {
                        // The pull whose download this was finished, and unpacked it, in between.
                        _snapshots.Remove(key);
                        return null;
                    }
                    using var owned = input;
                    using var counted = new ProgressStream(input, read =>
                    {
                        ct.ThrowIfCancellationRequested();
                        progress(TransferProgress.ForLayer(blob.Digest.Short, "Extracting", read, blob.Size));
                    });
                    using var writer = _content.CreateWriterHashedByCaller();
                    var result = LayerApplier.Apply(counted, _snapshots.LayerDirectory(key), ApplyOptions, writer);
                    if (result.DiffId != expected)
                    {
                        throw BerthException.Invalid($"layer {blob.Digest} has diffID {result.DiffId}, the image config says {diffId}");
                    }
                    writer.Commit(result.DiffId, result.UncompressedSize);
                    if (blob.MediaType is MediaTypes.DockerLayerGzip or MediaTypes.OciLayerGzip)
                    {
                        Remote.Add(expected, new RemoteLayers.Entry(client.Domain, client.Repository, blob.Digest, blob.Size));
                    }
                    return key;
                }
                catch
                {
                    _snapshots.Remove(key);
                    throw;
                }
            }, ct).ConfigureAwait(false);
        }
        finally
        {
            _unpackSlots.Release();
        }
    }

    /// <summary>Chains an unpacked layer over its parent under its chain ID; when another pull got there first, the
    /// copy is dropped.</summary>
    private void CommitUnpacked(string? key, string? parentChain, string chain)
    {
        if (key is null)
        {
            return;
        }
        lock (_lock)
        {
            if (_snapshots.Stat(chain) is null)
            {
                _snapshots.CommitOnto(chain, key, parentChain);
                return;
            }
        }
        _snapshots.Remove(key);
    }

    /// <summary>At most one progress line every 100 ms for a layer, and always the last.</summary>
    private struct ProgressThrottle()
    {
        private long _last = Environment.TickCount64 - 1000;

        public bool Due(bool final)
        {
            var now = Environment.TickCount64;
            if (!final && now - _last < 100)
            {
                return false;
            }
            _last = now;
            return true;
        }
    }

    /// <summary>Counts what is read through it and reports it, throttled.</summary>
    private sealed class ProgressStream(Stream inner, Action<long> report) : ReadOnlyStream
    {
        private long _read;
        private ProgressThrottle _throttle = new();

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _read += n;
            if (n > 0 && _throttle.Due(false))
            {
                report(_read);
            }
            return n;
        }
    }
}

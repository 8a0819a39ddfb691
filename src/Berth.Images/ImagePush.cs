using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Berth.Common;
using Berth.Distribution.Client;
using Berth.Oci;

namespace Berth.Images;

public sealed partial class ImageService
{
    /// <summary>Docker's <c>max-concurrent-uploads</c>: layers sent at once.</summary>
    public int MaxConcurrentUploads { get; init; } = 5;

    private RemoteLayers? _remoteLayers;

    private RemoteLayers Remote => _remoteLayers ??= new RemoteLayers(Path.Join(_content.Root, "distribution"));

    /// <summary>
    /// <c>docker push</c>: every tag of the repository (or the one named), each as a Docker v2 schema 2 manifest over
    /// gzip layers. A layer the repository already has is not sent ("Layer already exists"), one another repository
    /// of the registry has is mounted from it, the rest are compressed as they are sent.
    /// </summary>
    public async Task PushAsync(Reference reference, RegistryCredentials? credentials, Action<TransferProgress> progress, CancellationToken ct)
    {
        if (reference.Digest is not null)
        {
            throw BerthException.Invalid("cannot push a digest reference");
        }
        List<(string Tag, ImageRecord Image)> targets;
        lock (_lock)
        {
            targets = reference.Tag is { } tag
                ? _tags.TryGetValue(reference.Canonical, out var id) ? [(tag, _images[id])] : []
                : _tags.Where(t => t.Key.StartsWith(reference.Repository + ":", StringComparison.Ordinal))
                    .OrderBy(t => t.Key, StringComparer.Ordinal)
                    .Select(t => (t.Key[(reference.Repository.Length + 1)..], _images[t.Value])).ToList();
        }
        if (targets.Count == 0)
        {
            throw BerthException.NotFound($"An image does not exist locally with the tag: {(reference.Tag is null ? reference.FamiliarRepository : reference.Familiar)}");
        }
        progress(new TransferProgress(null, $"The push refers to repository [{reference.Repository}]"));
        var client = new RegistryClient(Registries, reference.Domain, reference.Path, credentials);
        foreach (var (tag, image) in targets)
        {
            var manifest = Manifest(image);
            var layers = await PushLayersAsync(client, manifest.Layers.Select(l => Digest.Parse(l.Digest)).ToList(), progress, ct).ConfigureAwait(false);
            var configDigest = Digest.Parse(image.Id);
            var configBytes = _content.ReadAll(configDigest);
            if (await client.StatBlobAsync(configDigest, ct).ConfigureAwait(false) is null)
            {
                await client.UploadBlobAsync(configBytes, ct).ConfigureAwait(false);
            }
            var pushed = new ImageManifest
            {
                MediaType = MediaTypes.DockerManifest,
                Config = new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = configDigest.Value, Size = configBytes.Length },
                Layers = layers.Select(l => new Descriptor { MediaType = MediaTypes.DockerLayerGzip, Digest = l.Blob.Value, Size = l.Size }).ToList(),
            };
            var bytes = JsonSerializer.SerializeToUtf8Bytes(pushed, OciJson.Default.ImageManifest);
            var digest = await client.PutManifestAsync(tag, bytes, MediaTypes.DockerManifest, ct).ConfigureAwait(false);
            AddRepoDigest(image, reference.FamiliarRepository + "@" + digest.Value);
            progress(new TransferProgress(null, $"{tag}: digest: {digest} size: {bytes.Length}") { Pushed = new PushedManifest(tag, digest.Value, bytes.Length) });
        }
    }

    private async Task<IReadOnlyList<RemoteLayers.Entry>> PushLayersAsync(RegistryClient client, IReadOnlyList<Digest> diffIds, Action<TransferProgress> progress, CancellationToken ct)
    {
        // compat(docker): the top layer is listed first.
        foreach (var d in diffIds.Reverse().Distinct())
        {
            progress(TransferProgress.ForLayer(d.Short, "Preparing"));
        }
        using var slots = new SemaphoreSlim(MaxConcurrentUploads);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var uploads = new Dictionary<Digest, Task<RemoteLayers.Entry>>();
        var waiting = 0;
        foreach (var d in diffIds.Reverse())
        {
            if (!uploads.ContainsKey(d))
            {
                if (++waiting > MaxConcurrentUploads)
                {
                    progress(TransferProgress.ForLayer(d.Short, "Waiting"));
                }
                uploads[d] = PushLayerAsync(client, d, slots, progress, cancel.Token);
            }
        }
        try
        {
            await Task.WhenAll(uploads.Values).ConfigureAwait(false);
        }
        catch
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            // The first real failure, not a cancellation it caused.
            var failed = uploads.Values.FirstOrDefault(u => u.IsFaulted && u.Exception!.InnerException is not OperationCanceledException);
            if (failed is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failed.Exception!.InnerException!).Throw();
            }
            throw;
        }
        return diffIds.Select(d => uploads[d].Result).ToList();
    }

    private async Task<RemoteLayers.Entry> PushLayerAsync(RegistryClient client, Digest diffId, SemaphoreSlim slots, Action<TransferProgress> progress, CancellationToken ct)
    {
        await slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var known = Remote.Of(diffId).Where(e => e.Domain == client.Domain).ToList();
            foreach (var here in known.Where(e => e.Repository == client.Repository))
            {
                if (await client.StatBlobAsync(here.Blob, ct).ConfigureAwait(false) is not null)
                {
                    progress(TransferProgress.ForLayer(diffId.Short, "Layer already exists"));
                    return here;
                }
            }
            foreach (var other in known.Where(e => e.Repository != client.Repository))
            {
                if (await client.StatBlobAsync(other.Blob, ct).ConfigureAwait(false) is not null)
                {
                    progress(TransferProgress.ForLayer(diffId.Short, "Layer already exists"));
                    return Remember(diffId, other with { Repository = client.Repository });
                }
                if (await client.MountBlobAsync(other.Blob, other.Repository, ct).ConfigureAwait(false))
                {
                    var from = other.Repository.StartsWith("library/", StringComparison.Ordinal) && client.Domain == RegistryHosts.DockerHub ? other.Repository[8..] : other.Repository;
                    progress(TransferProgress.ForLayer(diffId.Short, "Mounted from " + from));
                    return Remember(diffId, other with { Repository = client.Repository });
                }
            }
            var total = _content.SizeOf(diffId) ?? throw BerthException.NotFound($"layer {diffId} is missing from the content store");
            var (blob, size) = await client.UploadBlobAsync(async (network, token) =>
            {
                await using var layer = _content.Open(diffId);
                var hashing = new HashingStream(network);
                var buffer = new byte[GzipChunk];
                long done = 0;
                var throttle = new ProgressThrottle();
                int n;
                while ((n = await layer.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, token).ConfigureAwait(false)) > 0)
                {
                    await WriteGzipMemberAsync(hashing, buffer.AsMemory(0, n), token).ConfigureAwait(false);
                    done += n;
                    if (throttle.Due(done == total))
                    {
                        progress(TransferProgress.ForLayer(diffId.Short, "Pushing", done, total));
                    }
                }
                return (hashing.Digest(), hashing.Length);
            }, ct).ConfigureAwait(false);
            progress(TransferProgress.ForLayer(diffId.Short, "Pushed"));
            return Remember(diffId, new RemoteLayers.Entry(client.Domain, client.Repository, blob, size));
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>A layer is compressed a mebibyte at a time, each piece a gzip member of its own (RFC 1952: a gzip
    /// file is a series of members; every gzip reader, Docker's and containerd's included, reads them as one
    /// stream).</summary>
    private const int GzipChunk = 1 << 20;

    private const int GzipSample = 64 << 10;

    /// <summary>
    /// Writes one gzip member: deflated at the fastest level, or stored when a sample of it does not shrink (bytes
    /// already compressed or random, where deflate would spend the CPU for nothing: the push shares the machine's
    /// cores with everything else).
    /// </summary>
    private static async Task WriteGzipMemberAsync(Stream output, ReadOnlyMemory<byte> chunk, CancellationToken ct)
    {
        var level = CompressionLevel.Fastest;
        if (chunk.Length > GzipSample)
        {
            using var sample = new MemoryStream(GzipSample + 1024);
            using (var probe = new GZipStream(sample, CompressionLevel.Fastest, leaveOpen: true))
            {
                probe.Write(chunk.Span[..GzipSample]);
            }
            if (sample.Length >= GzipSample * 98L / 100)
            {
                level = CompressionLevel.NoCompression;
            }
        }
        await using var gzip = new GZipStream(output, level, leaveOpen: true);
        await gzip.WriteAsync(chunk, ct).ConfigureAwait(false);
    }

    private RemoteLayers.Entry Remember(Digest diffId, RemoteLayers.Entry entry)
    {
        Remote.Add(diffId, entry);
        return entry;
    }

    /// <summary>Passes writes on, hashing and counting them: the digest and size of what was sent.</summary>
    private sealed class HashingStream(Stream inner) : WriteOnlyStream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override long Length => _length;
        private long _length;

        public Digest Digest() => Common.Digest.FromHash(_hash.GetHashAndReset());

        public override long Position { get => _length; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            _length += buffer.Length;
            inner.Write(buffer);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _hash.AppendData(buffer.Span);
            _length += buffer.Length;
            return inner.WriteAsync(buffer, cancellationToken);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Berth.Common;
using Berth.Oci;

namespace Berth.Distribution.Server;

/// <summary>
/// The registry's storage: a content-addressed tree on one filesystem.
/// <code>
/// blobs/sha256/xx/HEX                          content (layers, configs and manifests alike)
/// repositories/NAME/_layers/sha256/HEX         the blob is part of NAME (an empty link)
/// repositories/NAME/_manifests/sha256/HEX      a manifest of NAME; holds its media type
/// repositories/NAME/_tags/TAG                  holds the manifest digest
/// repositories/NAME/_referrers/SUBJECT/HEX     HEX declares SUBJECT as its subject
/// uploads/UUID/{data,offset,repository}        an upload session, resumable after a restart
/// </code>
/// Content is written to a temp file under <c>uploads/</c>, synced, verified, then renamed into place, so a
/// blob or a manifest is visible only whole and only with the digest and size it claims. Names are valid by
/// <see cref="RepositoryName"/> (their components never start with <c>_</c>), so they cannot meet the
/// <c>_</c> directories nor leave the tree.
/// </summary>
public sealed class RegistryStore
{
    /// <summary>compat(distribution): manifests above 4 MiB are refused; the spec asks for at least that much.</summary>
    public const int MaxManifestBytes = 4 * 1024 * 1024;

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _sessionLocks = new(StringComparer.Ordinal);

    public RegistryStore(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Path.Combine(Root, "blobs", "sha256"));
        Directory.CreateDirectory(Path.Combine(Root, "repositories"));
        Directory.CreateDirectory(Path.Combine(Root, "uploads"));
    }

    public string Root { get; }

    private string UploadsDir => Path.Combine(Root, "uploads");

    public string BlobPath(Digest d) => Path.Combine(Root, "blobs", "sha256", d.Hex[..2], d.Hex);

    private string RepoDir(string repo) => Path.Combine(Root, "repositories", repo);

    private string LayerLink(string repo, Digest d) => Path.Combine(RepoDir(repo), "_layers", "sha256", d.Hex);

    private string ManifestLink(string repo, Digest d) => Path.Combine(RepoDir(repo), "_manifests", "sha256", d.Hex);

    private string TagPath(string repo, string tag) => Path.Combine(RepoDir(repo), "_tags", tag);

    private string ReferrerLink(string repo, Digest subject, Digest referrer) => Path.Combine(RepoDir(repo), "_referrers", subject.Hex, referrer.Hex);

    public bool RepositoryExists(string repo) => Directory.Exists(RepoDir(repo)) &&
        (Directory.Exists(Path.Combine(RepoDir(repo), "_layers")) || Directory.Exists(Path.Combine(RepoDir(repo), "_manifests")));

    // ---- blobs

    /// <summary>The size of a blob that is part of <paramref name="repo"/>, or null.</summary>
    public long? StatBlob(string repo, Digest d)
    {
        if (!File.Exists(LayerLink(repo, d)) && !File.Exists(ManifestLink(repo, d)))
        {
            return null;
        }
        var info = new FileInfo(BlobPath(d));
        return info.Exists ? info.Length : null;
    }

    public FileStream OpenBlob(Digest d) =>
        new(BlobPath(d), new FileStreamOptions { Mode = FileMode.Open, Access = FileAccess.Read, Share = FileShare.Read | FileShare.Delete, BufferSize = 0 });

    public void DeleteBlob(string repo, Digest d)
    {
        var link = LayerLink(repo, d);
        if (!File.Exists(link))
        {
            throw RegistryException.BlobUnknown(d.Value);
        }
        File.Delete(link);
    }

    /// <summary>Links a blob of <paramref name="from"/> into <paramref name="repo"/>; false when <paramref name="from"/> has no such blob.</summary>
    public bool Mount(string repo, string from, Digest d)
    {
        if (StatBlob(from, d) is null)
        {
            return false;
        }
        Link(LayerLink(repo, d), "");
        return true;
    }

    /// <summary>A monolithic upload: the body becomes a blob of <paramref name="repo"/> if it hashes to <paramref name="expected"/>.</summary>
    public async Task PutBlobAsync(string repo, Stream body, Digest expected, long? expectedSize, CancellationToken ct)
    {
        var tmp = Path.Combine(UploadsDir, ".put-" + Guid.NewGuid().ToString("N"));
        try
        {
            long size;
            Digest actual;
            await using (var f = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
            {
                (actual, size) = await CopyHashingAsync(body, f, ct).ConfigureAwait(false);
                f.Flush(flushToDisk: true);
            }
            if (expectedSize is { } n && n != size)
            {
                throw new RegistryException(RegistryErrorCode.SizeInvalid, "provided length did not match content length", $"{size} bytes received, {n} declared");
            }
            if (actual != expected)
            {
                throw RegistryException.DigestInvalid($"the content is {actual}, not {expected}");
            }
            CommitBlob(tmp, expected);
            Link(LayerLink(repo, expected), "");
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    /// <summary>Moves a verified, synced file to its content address (a blob already there stays).</summary>
    private void CommitBlob(string verifiedFile, Digest d)
    {
        var target = BlobPath(d);
        if (File.Exists(target))
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            File.Move(verifiedFile, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            // A concurrent push of the same content won the race: same digest, same bytes.
        }
    }

    /// <summary>Writes a small file (a link, a tag) through a synced temp file in uploads/ and a rename, so
    /// no listing of the repository ever sees a temp file or a torn link.</summary>
    private void Link(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var tmp = Path.Combine(UploadsDir, ".link-" + Guid.NewGuid().ToString("N"));
        try
        {
            AtomicFile.WriteText(tmp, content);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            File.Delete(tmp);
        }
    }

    private static async Task<(Digest Digest, long Size)> CopyHashingAsync(Stream from, Stream to, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buf = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = await from.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buf, 0, n);
            await to.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
            total += n;
        }
        return (Digest.FromHash(hash.GetHashAndReset()), total);
    }

    // ---- upload sessions

    public UploadState StartUpload(string repo)
    {
        var id = Guid.NewGuid().ToString("D");
        var staging = Path.Combine(UploadsDir, ".new-" + id);
        Directory.CreateDirectory(staging);
        File.WriteAllBytes(Path.Combine(staging, "data"), []);
        AtomicFile.WriteText(Path.Combine(staging, "repository"), repo);
        AtomicFile.WriteText(Path.Combine(staging, "offset"), "0");
        Directory.Move(staging, Path.Combine(UploadsDir, id));
        return new UploadState(id, repo, 0);
    }

    public UploadState GetUpload(string repo, string id)
    {
        // Only a GUID names a session: the id comes from the URL and becomes a path.
        if (!Guid.TryParseExact(id, "D", out _))
        {
            throw RegistryException.UploadUnknown(id);
        }
        var dir = Path.Combine(UploadsDir, id);
        string owner, offset;
        try
        {
            owner = File.ReadAllText(Path.Combine(dir, "repository"));
            offset = File.ReadAllText(Path.Combine(dir, "offset"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw RegistryException.UploadUnknown(id);
        }
        if (owner != repo)
        {
            throw RegistryException.UploadUnknown(id);
        }
        return new UploadState(id, repo, long.Parse(offset, NumberStyles.None, CultureInfo.InvariantCulture));
    }

    /// <summary>Appends a chunk. <paramref name="rangeStart"/> (from Content-Range) must be where the session
    /// ends. The offset is recorded only once the bytes are synced, so a crash or a broken connection leaves
    /// the session as it was before the chunk.</summary>
    public async Task<UploadState> AppendAsync(string repo, string id, Stream body, long? rangeStart, long? rangeLength, CancellationToken ct)
    {
        var gate = _sessionLocks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            return await AppendLockedAsync(repo, id, body, rangeStart, rangeLength, ct).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<UploadState> AppendLockedAsync(string repo, string id, Stream body, long? rangeStart, long? rangeLength, CancellationToken ct)
    {
        var state = GetUpload(repo, id);
        if (rangeStart is { } start && start != state.Offset)
        {
            throw new RegistryException(RegistryErrorCode.RangeInvalid, "requested range not satisfiable", $"the session holds {state.Offset} bytes; the chunk starts at {start}");
        }
        var dir = Path.Combine(UploadsDir, id);
        long written;
        await using (var f = new FileStream(Path.Combine(dir, "data"), FileMode.Open, FileAccess.Write, FileShare.None, 0))
        {
            // Bytes past the recorded offset are a chunk that never finished: drop them.
            f.SetLength(state.Offset);
            f.Position = state.Offset;
            try
            {
                var buf = new byte[1 << 16];
                written = 0;
                int n;
                while ((n = await body.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
                {
                    await f.WriteAsync(buf.AsMemory(0, n), ct).ConfigureAwait(false);
                    written += n;
                }
                if (rangeLength is { } len && len != written)
                {
                    throw new RegistryException(RegistryErrorCode.RangeInvalid, "requested range not satisfiable", $"Content-Range declares {len} bytes; the body has {written}");
                }
                f.Flush(flushToDisk: true);
            }
            catch
            {
                f.SetLength(state.Offset);
                throw;
            }
        }
        var next = state with { Offset = state.Offset + written };
        AtomicFile.WriteText(Path.Combine(dir, "offset"), next.Offset.ToString(CultureInfo.InvariantCulture));
        return next;
    }

    /// <summary>Closes a session: the last chunk (if any) is appended, the whole content hashed; a match becomes
    /// the blob, a mismatch ends the session and leaves nothing.</summary>
    public async Task CompleteAsync(string repo, string id, Stream? lastChunk, long? rangeStart, long? rangeLength, Digest expected, CancellationToken ct)
    {
        if (lastChunk is not null)
        {
            await AppendAsync(repo, id, lastChunk, rangeStart, rangeLength, ct).ConfigureAwait(false);
        }
        var gate = _sessionLocks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Read again under the lock: the session is what it is now, not what it was before the wait.
            var state = GetUpload(repo, id);
            var dir = Path.Combine(UploadsDir, id);
            var data = Path.Combine(dir, "data");
            Digest actual;
            await using (var f = new FileStream(data, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 0))
            {
                f.SetLength(state.Offset);
                actual = Digest.FromHash(await SHA256.HashDataAsync(f, ct).ConfigureAwait(false));
            }
            if (actual != expected)
            {
                DeleteSession(id);
                throw RegistryException.DigestInvalid($"the upload is {actual}, not {expected}");
            }
            CommitBlob(data, expected);
            Link(LayerLink(repo, expected), "");
            DeleteSession(id);
        }
        finally
        {
            gate.Release();
            _sessionLocks.TryRemove(id, out _);
        }
    }

    public async Task CancelUploadAsync(string repo, string id, CancellationToken ct)
    {
        GetUpload(repo, id);
        // Under the session's lock, so a chunk being written is not cut from under its writer.
        var gate = _sessionLocks.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            DeleteSession(id);
        }
        finally
        {
            gate.Release();
            _sessionLocks.TryRemove(id, out _);
        }
    }

    private void DeleteSession(string id)
    {
        // Renamed first, so a crash halfway through deleting never leaves a session with missing files.
        var dir = Path.Combine(UploadsDir, id);
        var doomed = Path.Combine(UploadsDir, ".del-" + id);
        try
        {
            Directory.Move(dir, doomed);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }
        Directory.Delete(doomed, recursive: true);
    }

    // ---- manifests

    public static readonly IReadOnlySet<string> ManifestMediaTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList,
    };

    public static bool IsIndex(string mediaType) => mediaType is MediaTypes.OciIndex or MediaTypes.DockerManifestList;

    /// <summary>Stores a manifest under its digest, and under <paramref name="reference"/> when that is a tag,
    /// once it has been checked: well-formed, its media type agreeing with Content-Type and with its content
    /// (CVE-2021-41190), every blob and manifest it references present in <paramref name="repo"/> with the
    /// size its descriptor declares.</summary>
    /// <param name="extraTags">The <c>?tag=</c> parameters of a push by digest (spec v1.1), set with it.</param>
    public PutManifestResult PutManifest(string repo, string reference, string? contentType, byte[] body, IReadOnlyList<string>? extraTags = null)
    {
        var digest = Digest.Of(body);
        string? tag = null;
        var tags = new List<string>();
        foreach (var t in extraTags ?? [])
        {
            tags.Add(RepositoryName.IsValidTag(t) ? t : throw RegistryException.ManifestInvalid($"invalid tag \"{t}\""));
        }
        if (reference.Contains(':', StringComparison.Ordinal))
        {
            if (!Digest.TryParse(reference, out var claimed))
            {
                throw new RegistryException(RegistryErrorCode.DigestInvalid, "invalid digest", reference);
            }
            if (claimed != digest)
            {
                throw RegistryException.DigestInvalid($"the manifest is {digest}, not {claimed}");
            }
        }
        else if (RepositoryName.IsValidTag(reference))
        {
            tag = reference;
            tags.Clear();
        }
        else
        {
            throw RegistryException.ManifestInvalid($"invalid tag \"{reference}\"");
        }
        var (mediaType, probe) = Validate(contentType, body);
        foreach (var d in References(probe, mediaType))
        {
            if (!Digest.TryParse(d.Digest, out var rd))
            {
                throw RegistryException.ManifestInvalid($"invalid digest \"{d.Digest}\" in a descriptor");
            }
            var size = StatBlob(repo, rd);
            if (size is null)
            {
                throw new RegistryException(RegistryErrorCode.ManifestBlobUnknown, "manifest references a manifest or blob unknown to registry", rd.Value);
            }
            if (size != d.Size)
            {
                throw new RegistryException(RegistryErrorCode.SizeInvalid, "a descriptor's size disagrees with its content", $"{rd}: descriptor says {d.Size}, the blob has {size}");
            }
        }
        Digest? subject = null;
        if (probe.Subject is { } s)
        {
            if (!Digest.TryParse(s.Digest, out var sd))
            {
                throw RegistryException.ManifestInvalid($"invalid subject digest \"{s.Digest}\"");
            }
            subject = sd;
        }

        // Content first, then the link that makes it visible, then the names that point at it.
        var tmp = Path.Combine(UploadsDir, ".manifest-" + Guid.NewGuid().ToString("N"));
        try
        {
            AtomicFile.Write(tmp, body);
            CommitBlob(tmp, digest);
        }
        finally
        {
            File.Delete(tmp);
        }
        Link(ManifestLink(repo, digest), mediaType);
        if (subject is { } sub)
        {
            Link(ReferrerLink(repo, sub, digest), "");
        }
        if (tag is not null)
        {
            tags.Add(tag);
        }
        foreach (var t in tags)
        {
            Link(TagPath(repo, t), digest.Value);
        }
        return new PutManifestResult(digest, mediaType, subject, tag is null ? tags : []);
    }

    private static (string MediaType, ManifestProbe Probe) Validate(string? contentType, byte[] body)
    {
        ManifestProbe probe;
        try
        {
            probe = JsonSerializer.Deserialize(body, RegistryJson.Default.ManifestProbe) ?? throw RegistryException.ManifestInvalid("null manifest");
        }
        catch (JsonException e)
        {
            throw RegistryException.ManifestInvalid("malformed JSON: " + e.Message);
        }
        var declared = contentType?.Split(';')[0].Trim();
        if (probe.SchemaVersion != 2)
        {
            throw RegistryException.ManifestInvalid("schemaVersion must be 2 (schema 1 manifests are not supported)");
        }
        if (probe.MediaType is { } inBody && declared is { Length: > 0 } && declared != inBody)
        {
            throw RegistryException.ManifestInvalid($"the manifest's mediaType \"{inBody}\" disagrees with Content-Type \"{declared}\"");
        }
        var mediaType = probe.MediaType ?? declared ?? "";
        if (!ManifestMediaTypes.Contains(mediaType))
        {
            throw RegistryException.ManifestInvalid($"unsupported manifest media type \"{mediaType}\"");
        }
        // CVE-2021-41190: a document that is both a manifest and an index could be read as either.
        if (IsIndex(mediaType))
        {
            if (probe.Config is not null || probe.Layers is not null)
            {
                throw RegistryException.ManifestInvalid($"{mediaType} with config or layers: an index must not look like a manifest");
            }
            if (probe.Manifests is null)
            {
                throw RegistryException.ManifestInvalid("an index needs a manifests list");
            }
        }
        else
        {
            if (probe.Manifests is not null)
            {
                throw RegistryException.ManifestInvalid($"{mediaType} with a manifests list: a manifest must not look like an index");
            }
            if (probe.Config is null)
            {
                throw RegistryException.ManifestInvalid("a manifest needs a config descriptor");
            }
            if (mediaType == MediaTypes.DockerManifest && probe.Layers is null)
            {
                throw RegistryException.ManifestInvalid("a Docker manifest needs layers");
            }
        }
        return (mediaType, probe);
    }

    /// <summary>What a manifest holds: its config and layers, or an index's manifests. The subject is not held.</summary>
    public static IEnumerable<DescriptorProbe> References(ManifestProbe probe, string mediaType)
    {
        if (IsIndex(mediaType))
        {
            return probe.Manifests ?? [];
        }
        return probe.Config is null ? probe.Layers ?? [] : [probe.Config, .. probe.Layers ?? []];
    }

    /// <param name="QueryTags">The tags set from <c>?tag=</c>, for the <c>OCI-Tag</c> header.</param>
    public readonly record struct PutManifestResult(Digest Digest, string MediaType, Digest? Subject, IReadOnlyList<string> QueryTags);

    public readonly record struct StoredManifest(Digest Digest, string MediaType, long Size);

    /// <summary>Resolves a tag or a digest to a manifest of <paramref name="repo"/>.</summary>
    public StoredManifest ResolveManifest(string repo, string reference)
    {
        Digest d;
        if (reference.Contains(':', StringComparison.Ordinal))
        {
            if (!Digest.TryParse(reference, out d))
            {
                throw new RegistryException(RegistryErrorCode.DigestInvalid, "invalid digest", reference);
            }
        }
        else
        {
            if (!RepositoryName.IsValidTag(reference))
            {
                throw RegistryException.ManifestUnknown(reference);
            }
            try
            {
                d = Digest.Parse(File.ReadAllText(TagPath(repo, reference)).Trim());
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw RegistryException.ManifestUnknown(reference);
            }
        }
        string mediaType;
        try
        {
            mediaType = File.ReadAllText(ManifestLink(repo, d));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw RegistryException.ManifestUnknown(reference);
        }
        var info = new FileInfo(BlobPath(d));
        return info.Exists ? new StoredManifest(d, mediaType, info.Length) : throw RegistryException.ManifestUnknown(reference);
    }

    /// <summary>A digest deletes the manifest (its tags and its referrer entry with it); a tag deletes only the tag.</summary>
    public void DeleteManifest(string repo, string reference)
    {
        if (!reference.Contains(':', StringComparison.Ordinal))
        {
            var path = TagPath(repo, reference);
            if (!RepositoryName.IsValidTag(reference) || !File.Exists(path))
            {
                throw RegistryException.ManifestUnknown(reference);
            }
            File.Delete(path);
            return;
        }
        var m = ResolveManifest(repo, reference);
        var tagsDir = Path.Combine(RepoDir(repo), "_tags");
        if (Directory.Exists(tagsDir))
        {
            foreach (var t in Directory.EnumerateFiles(tagsDir))
            {
                if (File.ReadAllText(t).Trim() == m.Digest.Value)
                {
                    File.Delete(t);
                }
            }
        }
        if (ReadProbe(m.Digest)?.Subject?.Digest is { } s && Digest.TryParse(s, out var sd))
        {
            File.Delete(ReferrerLink(repo, sd, m.Digest));
        }
        File.Delete(ManifestLink(repo, m.Digest));
    }

    private ManifestProbe? ReadProbe(Digest d)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(BlobPath(d)), RegistryJson.Default.ManifestProbe);
        }
        catch (Exception e) when (e is JsonException or FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    // ---- listings

    /// <summary>The tags of <paramref name="repo"/> in lexical order, after <paramref name="last"/>, at most
    /// <paramref name="limit"/>; <c>More</c> when some were left.</summary>
    public (List<string> Tags, bool More) Tags(string repo, int limit, string? last)
    {
        if (!RepositoryExists(repo))
        {
            throw RegistryException.NameUnknown(repo);
        }
        var dir = Path.Combine(RepoDir(repo), "_tags");
        var all = Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>().Where(RepositoryName.IsValidTag)
            : [];
        return Page(all, limit, last);
    }

    public (List<string> Repositories, bool More) Repositories(int limit, string? last) => Page(EnumerateRepositories(), limit, last);

    private static (List<string>, bool) Page(IEnumerable<string> names, int limit, string? last)
    {
        if (limit <= 0)
        {
            return ([], false);
        }
        var sorted = names.Where(n => last is null || string.CompareOrdinal(n, last) > 0).Order(StringComparer.Ordinal);
        var page = new List<string>(Math.Min(limit, 1024));
        foreach (var n in sorted)
        {
            if (page.Count == limit)
            {
                return (page, true);
            }
            page.Add(n);
        }
        return (page, false);
    }

    public IEnumerable<string> EnumerateRepositories()
    {
        var root = Path.Combine(Root, "repositories");
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                var name = Path.GetFileName(sub);
                if (name.StartsWith('_'))
                {
                    continue;
                }
                var repo = Path.GetRelativePath(root, sub).Replace(Path.DirectorySeparatorChar, '/');
                if (RepositoryExists(repo))
                {
                    yield return repo;
                }
                pending.Push(sub);
            }
        }
    }

    /// <summary>The manifests of <paramref name="repo"/> whose subject is <paramref name="subject"/>, as the
    /// referrers API's descriptors (artifactType: the manifest's, else its config's media type).</summary>
    public List<DescriptorProbe> Referrers(string repo, Digest subject, string? artifactType)
    {
        var result = new List<DescriptorProbe>();
        var dir = Path.Combine(RepoDir(repo), "_referrers", subject.Hex);
        if (!Directory.Exists(dir))
        {
            return result;
        }
        foreach (var link in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            if (!Digest.TryParse("sha256:" + Path.GetFileName(link), out var d) || !File.Exists(ManifestLink(repo, d)))
            {
                continue;
            }
            var probe = ReadProbe(d);
            if (probe is null)
            {
                continue;
            }
            var type = probe.ArtifactType ?? (IsIndex(probe.MediaType ?? "") ? null : probe.Config?.MediaType);
            if (artifactType is not null && type != artifactType)
            {
                continue;
            }
            result.Add(new DescriptorProbe
            {
                MediaType = File.ReadAllText(ManifestLink(repo, d)),
                Digest = d.Value,
                Size = new FileInfo(BlobPath(d)).Length,
                ArtifactType = type,
                Annotations = probe.Annotations,
            });
        }
        return result;
    }

    // ---- garbage collection

    /// <summary>Removes every blob no manifest of any repository references (and the links to it), and the
    /// leftovers of interrupted writes. Run it while nothing pushes: a blob pushed for a manifest not yet put
    /// is unreferenced too.</summary>
    /// <param name="uploadMaxAge">Upload sessions untouched for longer are abandoned and removed (the spec:
    /// the server SHOULD eventually time out unfinished uploads); default a week, as the reference registry.</param>
    public GcReport CollectGarbage(bool dryRun, TimeSpan? uploadMaxAge = null)
    {
        var marked = new HashSet<Digest>();
        var reposRoot = Path.Combine(Root, "repositories");
        foreach (var repo in EnumerateRepositories().ToList())
        {
            var dir = Path.Combine(RepoDir(repo), "_manifests", "sha256");
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var link in Directory.EnumerateFiles(dir))
            {
                if (!Digest.TryParse("sha256:" + Path.GetFileName(link), out var d))
                {
                    continue;
                }
                marked.Add(d);
                if (ReadProbe(d) is { } probe)
                {
                    var mediaType = File.ReadAllText(link);
                    foreach (var r in References(probe, mediaType))
                    {
                        if (Digest.TryParse(r.Digest, out var rd))
                        {
                            marked.Add(rd);
                        }
                    }
                }
            }
        }
        var removed = new List<(Digest, long)>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "blobs", "sha256"), "*", SearchOption.AllDirectories).ToList())
        {
            if (!Digest.TryParse("sha256:" + Path.GetFileName(file), out var d) || marked.Contains(d))
            {
                continue;
            }
            removed.Add((d, new FileInfo(file).Length));
            if (!dryRun)
            {
                File.Delete(file);
                var prefix = Path.GetDirectoryName(file)!;
                if (!Directory.EnumerateFileSystemEntries(prefix).Any())
                {
                    Directory.Delete(prefix);
                }
            }
        }
        if (!dryRun)
        {
            var gone = removed.Select(r => r.Item1.Hex).ToHashSet(StringComparer.Ordinal);
            foreach (var link in Directory.EnumerateFiles(reposRoot, "*", SearchOption.AllDirectories).ToList())
            {
                var parent = Path.GetDirectoryName(link)!;
                if (Path.GetFileName(parent) == "sha256" && Path.GetFileName(Path.GetDirectoryName(parent)!) == "_layers" && gone.Contains(Path.GetFileName(link)))
                {
                    File.Delete(link);
                }
            }
            foreach (var leftover in Directory.EnumerateFileSystemEntries(UploadsDir, ".*").ToList())
            {
                if (Directory.Exists(leftover))
                {
                    Directory.Delete(leftover, recursive: true);
                }
                else
                {
                    File.Delete(leftover);
                }
            }
        }
        var cutoff = DateTime.UtcNow - (uploadMaxAge ?? TimeSpan.FromDays(7));
        var abandoned = new List<string>();
        foreach (var session in Directory.EnumerateDirectories(UploadsDir))
        {
            var id = Path.GetFileName(session);
            if (Guid.TryParseExact(id, "D", out _) && File.GetLastWriteTimeUtc(Path.Combine(session, "offset")) < cutoff)
            {
                abandoned.Add(id);
                if (!dryRun)
                {
                    DeleteSession(id);
                }
            }
        }
        return new GcReport(marked.Count, removed, abandoned);
    }
}


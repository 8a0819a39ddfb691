using System.Text.Json;
using Berth.Common;
using Berth.Oci;

namespace Berth.Distribution.Server;

/// <summary>Manifests, tags and referrers: checked before they become visible.</summary>
public sealed partial class RegistryStore
{
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
            if (d.Urls is { Count: > 0 } && d.MediaType.Contains(".foreign.", StringComparison.Ordinal))
            {
                // compat(distribution): a foreign (non-distributable) layer is fetched from its URLs, not pushed.
                continue;
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
}

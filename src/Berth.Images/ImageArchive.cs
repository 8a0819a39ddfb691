using System.Formats.Tar;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Common;
using Berth.Oci;

namespace Berth.Images;

// docker save / docker load: the archive Docker 25+ writes (an OCI image layout plus Docker's manifest.json and
// repositories), which Docker 20.10 also loads; and on load, the legacy layout of Docker <25 as well.
public sealed partial class ImageService
{
    /// <summary>Writes the images <paramref name="names"/> as one tar archive.</summary>
    public void Save(IReadOnlyList<string> names, Stream output)
    {
        var entries = new List<(ImageRecord Image, List<Reference> Tags)>();
        foreach (var name in names)
        {
            var image = Resolve(name);
            var tags = new List<Reference>();
            if (Reference.TryParse(name, out var r, out _) && r is not null && TryResolve(name)?.Id == image.Id && !image.Id.AsSpan(7).StartsWith(Ids.TrimAlgorithm(name), StringComparison.Ordinal))
            {
                if (r.Tag is null && r.Digest is null)
                {
                    // compat(docker): a bare repository saves each of its tags.
                    lock (_lock)
                    {
                        tags.AddRange(_tags.Keys.Select(Reference.Parse).Where(t => t.Repository == r.Repository));
                    }
                }
                else if (r.Tag is not null)
                {
                    tags.Add(r);
                }
            }
            var existing = entries.FindIndex(e => e.Image.Id == image.Id);
            if (existing >= 0)
            {
                entries[existing].Tags.AddRange(tags.Where(t => !entries[existing].Tags.Contains(t)));
            }
            else
            {
                entries.Add((image, tags));
            }
        }

        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var written = new HashSet<string>();
        var dockerManifest = new List<ArchiveManifestEntry>();
        var index = new ImageIndex { MediaType = MediaTypes.OciIndex };
        var repositories = new Dictionary<string, Dictionary<string, string>>();
        WriteBytes(tar, "oci-layout", """{"imageLayoutVersion":"1.0.0"}"""u8.ToArray());
        foreach (var d in new[] { "blobs/", "blobs/sha256/" })
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, d) { Mode = (UnixFileMode)0x1ed, ModificationTime = DateTimeOffset.UnixEpoch });
        }
        foreach (var (image, tags) in entries)
        {
            var manifestDigest = Digest.Parse(image.Manifest);
            var manifest = Manifest(image);
            WriteBlob(tar, Digest.Parse(manifest.Config.Digest), written);
            foreach (var layer in manifest.Layers)
            {
                WriteBlob(tar, Digest.Parse(layer.Digest), written);
            }
            WriteBlob(tar, manifestDigest, written);
            var manifestSize = _content.SizeOf(manifestDigest) ?? 0;
            if (tags.Count == 0)
            {
                index.Manifests.Add(new Descriptor { MediaType = MediaTypes.OciManifest, Digest = manifestDigest.Value, Size = manifestSize });
            }
            foreach (var t in tags)
            {
                index.Manifests.Add(new Descriptor
                {
                    MediaType = MediaTypes.OciManifest,
                    Digest = manifestDigest.Value,
                    Size = manifestSize,
                    Annotations = new Dictionary<string, string>
                    {
                        ["io.containerd.image.name"] = t.Canonical,
                        ["org.opencontainers.image.ref.name"] = t.Tag ?? Reference.DefaultTag,
                    },
                });
                if (!repositories.TryGetValue(t.FamiliarRepository, out var repo))
                {
                    repositories[t.FamiliarRepository] = repo = [];
                }
                repo[t.Tag ?? Reference.DefaultTag] = Digest.Parse(manifest.Layers.Count > 0 ? manifest.Layers[^1].Digest : image.Id).Hex;
            }
            dockerManifest.Add(new ArchiveManifestEntry
            {
                Config = "blobs/sha256/" + Digest.Parse(manifest.Config.Digest).Hex,
                RepoTags = tags.Select(t => t.Familiar).ToList(),
                Layers = manifest.Layers.Select(l => "blobs/sha256/" + Digest.Parse(l.Digest).Hex).ToList(),
            });
        }
        WriteBytes(tar, "index.json", JsonSerializer.SerializeToUtf8Bytes(index, OciJson.Default.ImageIndex));
        WriteBytes(tar, "manifest.json", JsonSerializer.SerializeToUtf8Bytes(dockerManifest, ArchiveJson.Default.ListArchiveManifestEntry));
        if (repositories.Count > 0)
        {
            WriteBytes(tar, "repositories", JsonSerializer.SerializeToUtf8Bytes(repositories, ArchiveJson.Default.DictionaryStringDictionaryStringString));
        }
    }

    private void WriteBlob(TarWriter tar, Digest digest, HashSet<string> written)
    {
        if (!written.Add(digest.Value))
        {
            return;
        }
        using var blob = _content.Open(digest);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "blobs/sha256/" + digest.Hex)
        {
            Mode = (UnixFileMode)0x1a4,
            ModificationTime = DateTimeOffset.UnixEpoch,
            DataStream = blob,
        });
    }

    private static void WriteBytes(TarWriter tar, string name, byte[] bytes) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)0x1a4,
            ModificationTime = DateTimeOffset.UnixEpoch,
            DataStream = new MemoryStream(bytes),
        });

    /// <summary>
    /// Reads an archive of <c>docker save</c> (Docker 25+'s OCI layout or the legacy one) and registers its images.
    /// Returns the lines Docker prints: <c>Loaded image: name:tag</c> or <c>Loaded image ID: sha256:…</c>.
    /// </summary>
    public IReadOnlyList<string> Load(Stream archive)
    {
        var dir = Path.Join(_tmp, "load-" + Ids.New()[..16]);
        Directory.CreateDirectory(dir);
        try
        {
            ArchiveExtractor.Extract(archive, dir, MaxLayerBytes);
            var manifestPath = Path.Join(dir, "manifest.json");
            List<ArchiveManifestEntry> entries;
            if (File.Exists(manifestPath))
            {
                entries = ReadManifestJson(manifestPath);
            }
            else if (File.Exists(Path.Join(dir, "index.json")))
            {
                entries = EntriesFromIndex(dir);
            }
            else
            {
                throw BerthException.Invalid("open manifest.json: no such file or directory: the archive is not an image saved by docker save");
            }
            var lines = new List<string>();
            foreach (var entry in entries)
            {
                lines.AddRange(LoadOne(dir, entry));
            }
            return lines;
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid image archive: " + e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Docker's manifest.json (untrusted: JSON nulls where the entries' types say non-null are refused;
    /// RepoTags is null for an image saved by ID, as Docker writes it).</summary>
    private static List<ArchiveManifestEntry> ReadManifestJson(string path)
    {
        var entries = JsonSerializer.Deserialize(File.ReadAllBytes(path), ArchiveJson.Default.ListArchiveManifestEntry)
            ?? throw BerthException.Invalid("invalid image archive: manifest.json is empty");
        foreach (var e in entries)
        {
            if (e is null || e.Config is null || e.Layers is null || e.Layers.Contains(null!) || e.RepoTags?.Contains(null!) == true)
            {
                throw BerthException.Invalid("invalid image archive: a manifest.json entry lacks its Config or Layers");
            }
            e.RepoTags ??= [];
        }
        return entries;
    }

    /// <summary>The entries of an OCI layout's index.json, read with the same checks as a registry's manifests.</summary>
    private static List<ArchiveManifestEntry> EntriesFromIndex(string dir)
    {
        var index = ImageService.ParseIndex(File.ReadAllBytes(Path.Join(dir, "index.json")));
        var entries = new List<ArchiveManifestEntry>();
        foreach (var d in index.Manifests)
        {
            if (!Digest.TryParse(d.Digest, out var digest))
            {
                throw BerthException.Invalid($"invalid image archive: index.json names \"{d.Digest}\", not a sha256 digest");
            }
            if (d.MediaType is MediaTypes.OciIndex or MediaTypes.DockerManifestList)
            {
                throw BerthException.Invalid("loading multi-platform image indexes is not supported");
            }
            var (config, layers) = ImageService.ParseManifest(File.ReadAllBytes(ArchiveExtractor.BlobPath(dir, digest.Value)));
            var name = d.Annotations?.GetValueOrDefault("io.containerd.image.name");
            entries.Add(new ArchiveManifestEntry
            {
                Config = "blobs/sha256/" + config.Digest.Hex,
                Layers = layers.Select(l => "blobs/sha256/" + l.Digest.Hex).ToList(),
                RepoTags = name is null ? [] : [Reference.Parse(name).Familiar],
            });
        }
        return entries;
    }

    private IEnumerable<string> LoadOne(string dir, ArchiveManifestEntry entry)
    {
        var configBytes = File.ReadAllBytes(ArchiveExtractor.Resolve(dir, entry.Config));
        var config = ImageService.DeserializeConfig(configBytes);
        var diffIds = config.Rootfs.DiffIds;
        if (diffIds.Count != entry.Layers.Count)
        {
            throw BerthException.Invalid($"invalid image archive: {entry.Layers.Count} layers but the config lists {diffIds.Count} diffIDs");
        }
        var tags = (entry.RepoTags ?? []).Select(Reference.ParseNormalizedTagged).ToList();
        var chains = ChainId.Of(diffIds);
        var layers = new List<Descriptor>();
        _unpack.Wait();
        try
        {
            for (var i = 0; i < diffIds.Count; i++)
            {
                var diffId = Digest.Parse(diffIds[i]);
                if (_snapshots.Stat(chains[i]) is null || !_content.Exists(diffId))
                {
                    using var layer = File.OpenRead(ArchiveExtractor.Resolve(dir, entry.Layers[i]));
                    var expected = diffIds[i];
                    var chain = chains[i];
                    ApplyLayer(layer, i == 0 ? null : chains[i - 1], d =>
                        d.Value == expected ? chain : throw BerthException.Invalid($"invalid image archive: layer {entry.Layers[i]} has diffID {d}, the config says {expected}"));
                }
                layers.Add(new Descriptor { MediaType = MediaTypes.OciLayer, Digest = diffId.Value, Size = _content.SizeOf(diffId) ?? 0 });
            }
        }
        finally
        {
            _unpack.Release();
        }
        var record = RegisterStored(configBytes, config, layers, tags);
        return tags.Count == 0 ? [$"Loaded image ID: {record.Id}"] : tags.Select(t => $"Loaded image: {t.Familiar}");
    }
}

/// <summary>An entry of Docker's <c>manifest.json</c> in a saved archive.</summary>
public sealed class ArchiveManifestEntry
{
    public string Config { get; set; } = "";
    public List<string>? RepoTags { get; set; } = [];
    public List<string> Layers { get; set; } = [];
}

[JsonSerializable(typeof(List<ArchiveManifestEntry>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
internal sealed partial class ArchiveJson : JsonSerializerContext;

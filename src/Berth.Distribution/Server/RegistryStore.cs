using System.Collections.Concurrent;
using System.Security.Cryptography;
using Berth.Common;

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
public sealed partial class RegistryStore
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
}

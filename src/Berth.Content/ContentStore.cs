using System.Security.Cryptography;
using Berth.Common;

namespace Berth.Content;

/// <summary>
/// Blobs addressed by their sha256 digest under <c>root/blobs/sha256/&lt;hex&gt;</c>. A blob becomes visible only
/// after its digest (and size, when known) is verified: it is written to <c>root/ingest</c>, fsync'd and renamed.
/// </summary>
public sealed class ContentStore
{
    private readonly string _blobs;
    private readonly string _ingest;

    public ContentStore(string root)
    {
        Root = root;
        _blobs = Path.Join(root, "blobs", "sha256");
        _ingest = Path.Join(root, "ingest");
        Directory.CreateDirectory(_blobs);
        Directory.CreateDirectory(_ingest);
        // Ingests left by a crash are garbage: nothing refers to them.
        foreach (var stale in Directory.EnumerateFiles(_ingest))
        {
            File.Delete(stale);
        }
    }

    public string Root { get; }

    public string PathOf(Digest digest) => Path.Join(_blobs, digest.Hex);

    public bool Exists(Digest digest) => File.Exists(PathOf(digest));

    public long? SizeOf(Digest digest)
    {
        var info = new FileInfo(PathOf(digest));
        return info.Exists ? info.Length : null;
    }

    public Stream Open(Digest digest)
    {
        try
        {
            return new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024);
        }
        catch (FileNotFoundException)
        {
            throw BerthException.NotFound($"content {digest}: not found");
        }
    }

    public byte[] ReadAll(Digest digest)
    {
        try
        {
            return File.ReadAllBytes(PathOf(digest));
        }
        catch (FileNotFoundException)
        {
            throw BerthException.NotFound($"content {digest}: not found");
        }
    }

    /// <summary>Opens a writer; dispose without <see cref="ContentWriter.Commit"/> to abandon the ingest.</summary>
    public ContentWriter CreateWriter() => new(this, Path.Join(_ingest, Ids.New()), hash: true);

    /// <summary>A writer for a caller that hashes the very bytes it writes itself (a layer's diffID is measured as it
    /// is unpacked): <see cref="ContentWriter.Commit"/> takes the caller's digest, which must be given.</summary>
    public ContentWriter CreateWriterHashedByCaller() => new(this, Path.Join(_ingest, Ids.New()), hash: false);

    public Digest Write(ReadOnlySpan<byte> content)
    {
        using var w = CreateWriter();
        w.Write(content);
        return w.Commit(expected: null, expectedSize: null);
    }

    public Digest Write(Stream content, Digest? expected = null, long? expectedSize = null)
    {
        using var w = CreateWriter();
        content.CopyTo(w, 64 * 1024);
        return w.Commit(expected, expectedSize);
    }

    public bool Delete(Digest digest)
    {
        var path = PathOf(digest);
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }

    public IEnumerable<(Digest Digest, long Size)> List()
    {
        foreach (var f in new DirectoryInfo(_blobs).EnumerateFiles())
        {
            if (Digest.IsHex64(f.Name))
            {
                yield return (Digest.FromHex(f.Name), f.Length);
            }
        }
    }

    internal void Publish(string ingestPath, Digest digest)
    {
        var target = PathOf(digest);
        if (File.Exists(target))
        {
            File.Delete(ingestPath); // same content already stored
            return;
        }
        try
        {
            File.Move(ingestPath, target);
        }
        catch (IOException) when (File.Exists(target))
        {
            // A concurrent writer of the same content published first (Move refuses to replace).
            File.Delete(ingestPath);
        }
    }
}

/// <summary>A blob being written: hashes as it goes, and becomes content only through <see cref="Commit"/>.</summary>
public sealed class ContentWriter : WriteOnlyStream
{
    private readonly ContentStore _store;
    private readonly string _path;
    private readonly FileStream _file;
    private readonly IncrementalHash? _hash;
    private bool _committed;

    internal ContentWriter(ContentStore store, string path, bool hash)
    {
        _store = store;
        _path = path;
        _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024);
    }

    public long Written { get; private set; }

    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }
    public override void Flush() => _file.Flush();

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash?.AppendData(buffer);
        _file.Write(buffer);
        Written += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash?.AppendData(buffer.Span);
        await _file.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        Written += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Verifies and publishes the blob; a digest or size mismatch discards it.</summary>
    public Digest Commit(Digest? expected, long? expectedSize)
    {
        var digest = _hash is null ? expected ?? throw new InvalidOperationException("a writer hashed by its caller needs the caller's digest")
            : Digest.FromHash(_hash.GetHashAndReset());
        if (expected is { } e && e != digest)
        {
            throw BerthException.Invalid($"content digest mismatch: expected {e}, got {digest}");
        }
        if (expectedSize is { } s && s != Written)
        {
            throw BerthException.Invalid($"content size mismatch for {digest}: expected {s} bytes, got {Written}");
        }
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _store.Publish(_path, digest);
        _committed = true;
        return digest;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _file.Dispose();
            _hash?.Dispose();
            if (!_committed)
            {
                File.Delete(_path);
            }
        }
        base.Dispose(disposing);
    }
}

using System.Globalization;
using System.Security.Cryptography;
using Berth.Common;

namespace Berth.Distribution.Server;

/// <summary>Upload sessions: <c>uploads/UUID/{data,offset,repository}</c>, resumable after a restart.</summary>
public sealed partial class RegistryStore
{
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
}

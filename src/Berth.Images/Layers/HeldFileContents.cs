using Berth.Linux;

namespace Berth.Images.Layers;

/// <summary>
/// Regular files' contents kept in memory instead of written while an archive is unpacked: the file is created
/// (name, owner, mode, times) but stays empty until someone needs what it holds. A build context is unpacked this
/// way, so a build whose steps all come from the cache never writes the context's data to disk; the files a step
/// copies are filled first (<see cref="Fill"/>).
/// </summary>
/// <remarks>A held file keeps the fd it was created with, so filling it writes to that inode whatever the archive
/// did to its name afterwards (replaced, hard-linked, reached through a symlinked directory): no path is resolved
/// again. Files are found for <see cref="Fill"/> by their inode.</remarks>
public sealed class HeldFileContents(long maxBytes, int maxFiles = 1024, long minFileBytes = 64 * 1024) : IDisposable
{
    private sealed class Held(SafeFd file, long start, long length, LibC.Timespec atime, LibC.Timespec mtime)
    {
        public SafeFd File { get; } = file;

        /// <summary>Where the data starts in the arena, and how long it is.</summary>
        public long Start { get; } = start;

        public long Length { get; } = length;

        public LibC.Timespec ATime { get; } = atime;

        public LibC.Timespec MTime { get; } = mtime;
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<(ulong Dev, ulong Ino), Held> _held = [];

    // Files whose contents the sender kept (sent by digest): filling one is a request for them. Only the inode is
    // kept; should a later entry replace one and its inode be reused, that file too asks for the contents (the
    // sender then sends everything), never the other way round.
    private readonly HashSet<(ulong Dev, ulong Ino)> _notSent = [];

    // The data of every held file, one after the other, in chunks from a pool shared by all holders.
    private readonly List<byte[]> _arena = [];
    private long _arenaEnd;
    private long _bytes;

    /// <summary>Bytes held and not yet written.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>Files held and not yet written.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _held.Count;
            }
        }
    }

    /// <summary>Files whose contents were not sent (<see cref="MarkNotSent"/>).</summary>
    public int NotSentCount
    {
        get
        {
            lock (_lock)
            {
                return _notSent.Count;
            }
        }
    }

    /// <summary>Marks the empty file just created as <paramref name="file"/> as one whose contents were not sent:
    /// <see cref="Fill"/> on it throws. The fd stays the caller's (only its inode is kept).</summary>
    internal void MarkNotSent(SafeFd file)
    {
        Sys.Check(LibC.fstat(file.Fd, out var st), "fstat");
        lock (_lock)
        {
            _notSent.Add((st.st_dev, st.st_ino));
        }
    }

    /// <summary>Takes the file just created as <paramref name="file"/> when it fits: the holder then owns the fd,
    /// and its <paramref name="size"/> bytes are to be given to <see cref="Append"/> instead of written. False when
    /// the file is small (written at once it costs nothing) or the holder is full.</summary>
    internal bool TryHold(SafeFd file, long size, LibC.Timespec atime, LibC.Timespec mtime)
    {
        lock (_lock)
        {
            if (size < minFileBytes || _held.Count >= maxFiles || _arenaEnd + size > maxBytes)
            {
                return false;
            }
            Sys.Check(LibC.fstat(file.Fd, out var st), "fstat");
            _held[(st.st_dev, st.st_ino)] = new Held(file, _arenaEnd, size, atime, mtime);
            _bytes += size;
            return true;
        }
    }

    /// <summary>The next bytes of the file held last.</summary>
    internal void Append(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            while (!data.IsEmpty)
            {
                var within = (int)(_arenaEnd % ChunkPool.ChunkSize);
                if (within == 0 && _arenaEnd / ChunkPool.ChunkSize == _arena.Count)
                {
                    _arena.Add(ChunkPool.Rent());
                }
                var chunk = _arena[(int)(_arenaEnd / ChunkPool.ChunkSize)];
                var n = Math.Min(data.Length, chunk.Length - within);
                data[..n].CopyTo(chunk.AsSpan(within));
                data = data[n..];
                _arenaEnd += n;
            }
        }
    }

    /// <summary>Writes the held contents of the file at <paramref name="path"/> (a host path; a symlink is not
    /// followed) into it, if it is a held one; nothing otherwise. Throws <see cref="ContentNotSentException"/> for a
    /// file whose contents were never sent.</summary>
    public void Fill(string path)
    {
        if (LibC.fstatat(LibC.AT_FDCWD, path, out var st, LibC.AT_SYMLINK_NOFOLLOW) < 0 || (st.st_mode & LibC.S_IFMT) != LibC.S_IFREG)
        {
            return;
        }
        lock (_lock)
        {
            if (_notSent.Contains((st.st_dev, st.st_ino)))
            {
                throw new ContentNotSentException(path);
            }
            if (!_held.Remove((st.st_dev, st.st_ino), out var held))
            {
                return;
            }
            _bytes -= held.Length;
            using (held.File)
            {
                for (var at = held.Start; at < held.Start + held.Length;)
                {
                    var within = (int)(at % ChunkPool.ChunkSize);
                    var n = (int)Math.Min(ChunkPool.ChunkSize - within, held.Start + held.Length - at);
                    Fs.WriteAll(held.File, _arena[(int)(at / ChunkPool.ChunkSize)].AsSpan(within, n), path);
                    at += n;
                }
                unsafe
                {
                    var times = stackalloc LibC.Timespec[2];
                    times[0] = held.ATime;
                    times[1] = held.MTime;
                    Sys.Check(LibC.futimens(held.File.Fd, times), "futimens", path);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var held in _held.Values)
            {
                held.File.Dispose();
            }
            _held.Clear();
            _notSent.Clear();
            _bytes = 0;
            foreach (var chunk in _arena)
            {
                ChunkPool.Return(chunk);
            }
            _arena.Clear();
            _arenaEnd = 0;
        }
    }

    /// <summary>
    /// Chunks kept between builds: memory fresh from the kernel costs a page fault per 4 KiB on first touch (30 ms
    /// for 50 MB here, as much as receiving it), so a run of builds reuses the same chunks. What is kept is
    /// bounded, and given back once no build has asked for a minute.
    /// </summary>
    private static class ChunkPool
    {
        public const int ChunkSize = 1 << 20;
        private const int MaxKept = 128;
        private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(1);

        private static readonly Lock Gate = new();
        private static readonly Stack<byte[]> Free = new();
        private static readonly Timer Trim = new(_ => TrimIfIdle(), null, Timeout.Infinite, Timeout.Infinite);
        private static long _lastUse;

        public static byte[] Rent()
        {
            lock (Gate)
            {
                _lastUse = Environment.TickCount64;
                if (Free.TryPop(out var chunk))
                {
                    return chunk;
                }
            }
            return GC.AllocateUninitializedArray<byte>(ChunkSize);
        }

        public static void Return(byte[] chunk)
        {
            lock (Gate)
            {
                _lastUse = Environment.TickCount64;
                if (Free.Count < MaxKept)
                {
                    Free.Push(chunk);
                    Trim.Change(KeepFor, Timeout.InfiniteTimeSpan);
                }
            }
        }

        private static void TrimIfIdle()
        {
            lock (Gate)
            {
                var idle = TimeSpan.FromMilliseconds(Environment.TickCount64 - _lastUse);
                if (idle < KeepFor)
                {
                    Trim.Change(KeepFor - idle, Timeout.InfiniteTimeSpan);
                    return;
                }
                Free.Clear();
            }
        }
    }
}

/// <summary>A file's contents were needed but its sender kept them (it sent only their digest).</summary>
public sealed class ContentNotSentException(string path) : Exception($"the contents of {path} were not sent")
{
    public string Path { get; } = path;
}

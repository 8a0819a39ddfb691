using Berth.Linux;

namespace Berth.Runtime.Logging;

/// <summary>
/// Reads a json-file log and the files rotated from it (<c>&lt;log&gt;.N</c> … <c>&lt;log&gt;.1</c>, then
/// <c>&lt;log&gt;</c>), oldest first, and then follows it: <see cref="ReadNew"/> returns what was written since,
/// across rotations (the file it holds open is found again among the rotated ones by its inode, and the files
/// rotated after it are read before the new <c>&lt;log&gt;</c>) and across a truncation in place (max-file 1).
/// </summary>
public sealed class JsonLogCursor : IDisposable
{
    private readonly string _path;
    private FileStream? _file;
    private ulong _inode;

    public JsonLogCursor(string path)
    {
        _path = path;
        TryOpenCurrent();
    }

    /// <summary>Every entry there is now, oldest first.</summary>
    public IEnumerable<LogEntry> ReadExisting()
    {
        // The open file is the newest; a rotation racing with this read shows it among the rotated ones, so stop
        // there: what follows it is read from the handle and by ReadNew.
        foreach (var rotated in RotatedOldestFirst())
        {
            if (_file is not null && Inode(rotated) == _inode)
            {
                break;
            }
            foreach (var e in JsonFileLog.ReadAll(rotated))
            {
                yield return e;
            }
        }
        if (_file is not null)
        {
            foreach (var e in JsonFileLog.ReadFrom(_file))
            {
                yield return e;
            }
        }
    }

    /// <summary>What was written since the last read.</summary>
    public IEnumerable<LogEntry> ReadNew()
    {
        if (_file is null)
        {
            if (!TryOpenCurrent())
            {
                yield break;
            }
            foreach (var e in JsonFileLog.ReadFrom(_file!))
            {
                yield return e;
            }
            yield break;
        }
        foreach (var e in JsonFileLog.ReadFrom(_file))
        {
            yield return e;
        }
        var current = Inode(_path);
        if (current == _inode)
        {
            if (_file.Length < _file.Position)
            {
                // compat(docker): max-file 1 truncates in place; start again from the top.
                _file.Position = 0;
                foreach (var e in JsonFileLog.ReadFrom(_file))
                {
                    yield return e;
                }
            }
            yield break;
        }
        if (current == 0)
        {
            yield break; // gone (the container is being removed), or between rename and create
        }
        // Rotated: what the shim wrote to our file before it moved is at its end; then the files rotated after it.
        foreach (var e in JsonFileLog.ReadFrom(_file))
        {
            yield return e;
        }
        var newer = new List<string>();
        foreach (var rotated in RotatedOldestFirst())
        {
            if (Inode(rotated) == _inode)
            {
                newer.Clear();
                continue;
            }
            newer.Add(rotated);
        }
        // If our file fell off the end (the reader lagged by max-file rotations), every rotated file is newer.
        foreach (var rotated in newer)
        {
            foreach (var e in JsonFileLog.ReadAll(rotated))
            {
                yield return e;
            }
        }
        _file.Dispose();
        _file = null;
        if (TryOpenCurrent())
        {
            foreach (var e in JsonFileLog.ReadFrom(_file!))
            {
                yield return e;
            }
        }
    }

    /// <summary><c>&lt;log&gt;.N</c> … <c>&lt;log&gt;.1</c> as they are on disk now.</summary>
    private List<string> RotatedOldestFirst()
    {
        var files = new List<string>();
        for (var n = 1; File.Exists(RotatingLogFile.Rotated(_path, n)); n++)
        {
            files.Add(RotatingLogFile.Rotated(_path, n));
        }
        files.Reverse();
        return files;
    }

    private bool TryOpenCurrent()
    {
        // Stat, open, stat: the inode is the open file's only when both agree (no rotation in between).
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var before = Inode(_path);
            if (before == 0)
            {
                return false;
            }
            FileStream f;
            try
            {
                f = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
            }
            catch (FileNotFoundException)
            {
                continue;
            }
            if (Inode(_path) == before)
            {
                _file = f;
                _inode = before;
                return true;
            }
            f.Dispose();
        }
        return false;
    }

    private static ulong Inode(string path) => Fs.TryLstat(path, out var st) ? st.st_ino : 0;

    public void Dispose() => _file?.Dispose();
}

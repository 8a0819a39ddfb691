using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Berth.Runtime.Logging;

/// <summary>
/// A container's json-file log with Docker's rotation (moby's <c>loggerutils.LogFile</c>): before each entry is
/// written, if the file has reached <see cref="JsonFileOptions.MaxSize"/>, <c>&lt;log&gt;.N-2</c> … <c>&lt;log&gt;.1</c>
/// move up one, the oldest (<c>.N-1</c>) is dropped, <c>&lt;log&gt;</c> becomes <c>&lt;log&gt;.1</c> and a new empty
/// <c>&lt;log&gt;</c> is started. With max-file 1 the file is truncated in place instead. Each entry is one
/// <c>write</c> of a whole line, so a reader never sees half of one unless it reads while that write lands.
/// </summary>
public sealed class RotatingLogFile : IDisposable
{
    private readonly string _path;
    private readonly JsonFileOptions _options;
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;
    private FileStream _file;
    private long _size;

    public RotatingLogFile(string path, JsonFileOptions options)
    {
        _path = path;
        _options = options;
        _json = new Utf8JsonWriter(_buffer);
        _file = Open(FileMode.Append);
        // compat(docker): the size so far counts, so a restarted container rotates a log that is already full.
        _size = _file.Length;
    }

    /// <summary>The name of the n-th rotated file: <c>&lt;log&gt;.n</c>.</summary>
    public static string Rotated(string path, int n) => path + "." + n.ToString(CultureInfo.InvariantCulture);

    public void Write(LogEntry e)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        JsonFileLog.Write(_json, e);
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        if (_options.MaxSize > 0 && _size >= _options.MaxSize)
        {
            Rotate();
        }
        _file.Write(_buffer.WrittenSpan);
        _size += _buffer.WrittenCount;
    }

    private void Rotate()
    {
        _file.Dispose();
        try
        {
            Shift();
        }
        finally
        {
            // max-file 1: compat(docker) truncate in place; readers see the file shrink. A failed shift (as in
            // Docker, logged there) still starts a fresh file, so the writer never stops.
            _file = Open(FileMode.Create);
            _size = 0;
        }
    }

    private void Shift()
    {
        if (_options.MaxFiles >= 2)
        {
            File.Delete(Rotated(_path, _options.MaxFiles - 1));
            for (var i = _options.MaxFiles - 1; i > 1; i--)
            {
                var from = Rotated(_path, i - 1);
                if (File.Exists(from))
                {
                    File.Move(from, Rotated(_path, i), overwrite: true);
                }
            }
            File.Move(_path, Rotated(_path, 1), overwrite: true);
        }
    }

    // compat(docker): log files are 0640.
    private FileStream Open(FileMode mode) => new(_path, new FileStreamOptions
    {
        Mode = mode,
        Access = FileAccess.Write,
        Share = FileShare.ReadWrite | FileShare.Delete,
        BufferSize = 0,
        UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead,
    });

    public void Flush() => _file.Flush();

    public void Dispose()
    {
        _file.Dispose();
        _json.Dispose();
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Berth.Runtime.Logging;

/// <summary>
/// Docker's json-file log driver format: one JSON object a line,
/// <c>{"log":"hi\n","stream":"stdout","time":"2026-11-25T11:52:59.137172722Z"}</c>.
/// </summary>
public static class JsonFileLog
{
    private static readonly JsonEncodedText LogName = JsonEncodedText.Encode("log");
    private static readonly JsonEncodedText StreamName = JsonEncodedText.Encode("stream");
    private static readonly JsonEncodedText TimeName = JsonEncodedText.Encode("time");

    public static void Write(Utf8JsonWriter w, LogEntry e)
    {
        w.Reset();
        w.WriteStartObject();
        w.WriteString(LogName, Encoding.UTF8.GetString(e.Line.Span));
        w.WriteString(StreamName, e.Stream == LogStream.Stderr ? "stderr" : "stdout");
        w.WriteString(TimeName, FormatTime(e.Time));
        w.WriteEndObject();
        w.Flush();
    }

    /// <summary>RFC 3339 with nanoseconds and trailing zeros trimmed, as Go's time.RFC3339Nano.</summary>
    public static string FormatTime(DateTimeOffset t)
    {
        var s = t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.');
        return s + "Z";
    }

    public static bool TryParse(ReadOnlySpan<byte> line, out LogEntry entry)
    {
        entry = default;
        try
        {
            var reader = new Utf8JsonReader(line);
            string? log = null, stream = null, time = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "log": log = reader.GetString(); break;
                    case "stream": stream = reader.GetString(); break;
                    case "time": time = reader.GetString(); break;
                    default: reader.Skip(); break;
                }
            }
            if (log is null)
            {
                return false;
            }
            var when = time is null ? default : DateTimeOffset.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
            entry = new LogEntry(stream == "stderr" ? LogStream.Stderr : LogStream.Stdout, when, Encoding.UTF8.GetBytes(log));
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return false;
        }
    }

    /// <summary>Reads every entry of a log file (and its rotated predecessors later), oldest first.</summary>
    public static IEnumerable<LogEntry> ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        foreach (var e in ReadFrom(f))
        {
            yield return e;
        }
    }

    /// <summary>Reads complete lines from the stream's position; a torn last line is left for a later read.</summary>
    public static IEnumerable<LogEntry> ReadFrom(Stream f)
    {
        var buffer = new byte[64 * 1024];
        var pending = new MemoryStream();
        while (true)
        {
            var n = f.Read(buffer, 0, buffer.Length);
            if (n == 0)
            {
                break;
            }
            var start = 0;
            for (var i = 0; i < n; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }
                LogEntry e;
                bool ok;
                if (pending.Length > 0)
                {
                    pending.Write(buffer, start, i - start);
                    ok = TryParse(pending.ToArray(), out e);
                    pending.SetLength(0);
                }
                else
                {
                    ok = TryParse(buffer.AsSpan(start, i - start), out e);
                }
                if (ok)
                {
                    yield return e;
                }
                start = i + 1;
            }
            pending.Write(buffer, start, n - start);
        }
        if (pending.Length > 0)
        {
            f.Seek(-pending.Length, SeekOrigin.Current);
        }
    }
}

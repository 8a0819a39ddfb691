using System.Globalization;
using System.Text;

namespace Berth.Common;

public enum LogLevel
{
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

/// <summary>
/// Structured log lines in dockerd's logfmt shape: <c>time="…" level=info msg="…" key=value</c>, on stderr.
/// The host sets the level once (<c>--log-level</c>); everything else only writes.
/// </summary>
public static class Log
{
    private static readonly Lock Gate = new();

    public static LogLevel Level { get; set; } = LogLevel.Info;

    public static TextWriter Output { get; set; } = Console.Error;

    public static bool Enabled(LogLevel level) => level >= Level;

    public static void Write(LogLevel level, string message, params (string Key, object? Value)[] fields)
    {
        if (level < Level)
        {
            return;
        }
        var sb = new StringBuilder(128);
        sb.Append("time=\"").Append(DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)).Append('"');
        sb.Append(" level=").Append(level.ToString().ToLowerInvariant());
        sb.Append(" msg=").Append(Quote(message));
        foreach (var (k, v) in fields)
        {
            sb.Append(' ').Append(k).Append('=').Append(Quote(Convert.ToString(v, CultureInfo.InvariantCulture) ?? ""));
        }
        lock (Gate)
        {
            Output.WriteLine(sb.ToString());
            Output.Flush();
        }
    }

    public static void Debug(string message, params (string, object?)[] fields) => Write(LogLevel.Debug, message, fields);
    public static void Info(string message, params (string, object?)[] fields) => Write(LogLevel.Info, message, fields);
    public static void Warn(string message, params (string, object?)[] fields) => Write(LogLevel.Warn, message, fields);
    public static void Error(string message, params (string, object?)[] fields) => Write(LogLevel.Error, message, fields);

    private static string Quote(string s)
    {
        if (s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_' or ':'))
        {
            return s;
        }
        return "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
    }
}

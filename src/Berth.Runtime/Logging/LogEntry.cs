namespace Berth.Runtime.Logging;

/// <summary>One line of a container's output: which stream, when, and the bytes (with their newline).</summary>
public readonly record struct LogEntry(LogStream Stream, DateTimeOffset Time, ReadOnlyMemory<byte> Line);

public enum LogStream
{
    Stdout = 1,
    Stderr = 2,
}

using System.Text;
using System.Text.Json;
using Berth.Runtime.Logging;

namespace Berth.Engine.Tests;

/// <summary>Docker's json-file format as the shim writes it and the engine reads it back.</summary>
public sealed class JsonFileLogTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 11, 25, 11, 52, 59, TimeSpan.Zero).AddTicks(1371727);

    private static byte[] Line(LogEntry e)
    {
        var ms = new MemoryStream();
        using var w = new Utf8JsonWriter(ms);
        JsonFileLog.Write(w, e);
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    public static TheoryData<string, string, LogStream> Lines => new()
    {
        { "plain line", "hi\n", LogStream.Stdout },
        { "stderr", "oops\n", LogStream.Stderr },
        { "no newline (a partial line)", "partial", LogStream.Stdout },
        { "empty", "", LogStream.Stdout },
        { "quotes and backslashes", "say \"hi\" \\o/\n", LogStream.Stdout },
        { "control characters", "\u0001\t\r\u001b[31mred\n", LogStream.Stdout },
        { "HTML characters", "<a href='x'>&</a>\n", LogStream.Stderr },
        { "non-ASCII", "héllo ✓ 日本\n", LogStream.Stdout },
        { "16 KiB", new string('x', 16 * 1024), LogStream.Stdout },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void An_entry_round_trips(string row, string text, LogStream stream)
    {
        var line = Line(new LogEntry(stream, T0, Encoding.UTF8.GetBytes(text)));
        Assert.Equal((byte)'\n', line[^1]);
        Assert.DoesNotContain((byte)'\n', line[..^1]); // one entry, one line
        Assert.True(JsonFileLog.TryParse(line.AsSpan(0, line.Length - 1), out var back), row);
        Assert.Equal(text, Encoding.UTF8.GetString(back.Line.Span));
        Assert.Equal(stream, back.Stream);
        Assert.Equal(T0, back.Time);
    }

    [Fact]
    public void The_shape_is_Dockers()
    {
        var line = Encoding.UTF8.GetString(Line(new LogEntry(LogStream.Stdout, T0, "hi\n"u8.ToArray())));
        Assert.Equal("{\"log\":\"hi\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-25T11:52:59.1371727Z\"}\n", line);
    }

    public static TheoryData<string, DateTimeOffset, string> Times => new()
    {
        { "100 ns", T0, "2026-11-25T11:52:59.1371727Z" },
        { "trailing zeros trimmed", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1_000_000), "2026-01-02T03:04:05.1Z" },
        { "whole second", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), "2026-01-02T03:04:05Z" },
        { "another offset becomes UTC", new DateTimeOffset(2026, 1, 2, 5, 4, 5, TimeSpan.FromHours(2)), "2026-01-02T03:04:05Z" },
    };

    [Theory]
    [MemberData(nameof(Times))]
    public void Times_are_RFC3339Nano_in_UTC(string row, DateTimeOffset t, string expected)
    {
        _ = row;
        Assert.Equal(expected, JsonFileLog.FormatTime(t));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("{\"stream\":\"stdout\"}")]
    [InlineData("{\"log\":\"x\",\"time\":\"yesterday\"}")]
    [InlineData("{\"log\":")]
    public void Lines_that_are_not_entries_are_refused(string text) =>
        Assert.False(JsonFileLog.TryParse(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void Docker_written_lines_parse_with_unknown_fields_skipped()
    {
        var docker = "{\"log\":\"\\u003cb\\u003e\\u0026\\n\",\"stream\":\"stderr\",\"attrs\":{\"tag\":\"x\"},\"time\":\"2026-11-25T11:52:59.137172722Z\"}"u8;
        Assert.True(JsonFileLog.TryParse(docker, out var e));
        Assert.Equal("<b>&\n", Encoding.UTF8.GetString(e.Line.Span));
        Assert.Equal(LogStream.Stderr, e.Stream);
        Assert.Equal(T0, e.Time); // nanoseconds beyond the 100 ns tick are dropped
    }

    [Fact]
    public void A_file_reads_back_in_order_and_a_torn_last_line_waits()
    {
        var path = _dir.Join("c-json.log");
        var entries = Enumerable.Range(0, 5000).Select(i => new LogEntry(i % 3 == 0 ? LogStream.Stderr : LogStream.Stdout, T0.AddSeconds(i), Encoding.UTF8.GetBytes($"line {i}\n"))).ToList();
        using (var f = File.Create(path))
        {
            foreach (var e in entries)
            {
                f.Write(Line(e));
            }
            f.Write("garbage that is not json\n"u8);
            f.Write(Line(entries[0]).AsSpan(0, 20)); // the shim is mid-write
        }
        var read = JsonFileLog.ReadAll(path).ToList();
        Assert.Equal(entries.Count, read.Count);
        Assert.Equal(entries.Select(e => Encoding.UTF8.GetString(e.Line.Span)), read.Select(e => Encoding.UTF8.GetString(e.Line.Span)));
        Assert.Equal(entries.Select(e => (e.Stream, e.Time)), read.Select(e => (e.Stream, e.Time)));

        // Following the file: the torn line is left unread, and read whole once the writer finishes it.
        using var follower = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        Assert.Equal(entries.Count, JsonFileLog.ReadFrom(follower).Count());
        using (var f = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite))
        {
            f.Write(Line(entries[0]).AsSpan(20));
        }
        var rest = Assert.Single(JsonFileLog.ReadFrom(follower));
        Assert.Equal("line 0\n", Encoding.UTF8.GetString(rest.Line.Span));
    }

    [Fact]
    public void A_missing_file_has_no_entries() => Assert.Empty(JsonFileLog.ReadAll(_dir.Join("missing.log")));
}

using System.Text;
using Berth.Runtime.Logging;

namespace Berth.Engine.Tests;

/// <summary>Output cut into log lines as Docker's copier does: at each newline, and at 16 KiB.</summary>
public sealed class LineSplitterTests
{
    private static List<string> Split(params string[] pushes)
    {
        var lines = new List<string>();
        var s = new LineSplitter();
        foreach (var p in pushes)
        {
            s.Push(Encoding.UTF8.GetBytes(p), l => lines.Add(Encoding.UTF8.GetString(l.Span)));
        }
        s.Flush(l => lines.Add("FLUSH:" + Encoding.UTF8.GetString(l.Span)));
        return lines;
    }

    public static TheoryData<string, string[], string[]> Cases => new()
    {
        // row, what the process wrote (one element per read), the lines logged
        { "one line", ["hi\n"], ["hi\n"] },
        { "several lines in one read", ["a\nb\nc\n"], ["a\n", "b\n", "c\n"] },
        { "a line over several reads", ["he", "ll", "o\nwor", "ld\n"], ["hello\n", "world\n"] },
        { "empty lines", ["\n\n"], ["\n", "\n"] },
        { "an unfinished line waits for the flush", ["done\npart"], ["done\n", "FLUSH:part"] },
        { "nothing", [], [] },
        { "carriage returns stay", ["a\r\n"], ["a\r\n"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Splits_at_newlines(string row, string[] pushes, string[] lines)
    {
        var actual = Split(pushes);
        Assert.True(lines.SequenceEqual(actual), $"{row}: {string.Join('|', actual)}");
    }

    [Fact]
    public void A_line_that_never_ends_is_cut_at_16_KiB()
    {
        var big = new string('x', 40 * 1024);
        var lines = Split(big[..1000], big[1000..], "\n");
        Assert.Equal([16 * 1024, 16 * 1024, 8 * 1024 + 1], lines.Select(l => l.Length));
        Assert.EndsWith("\n", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_line_of_exactly_16_KiB_with_its_newline_is_two_entries()
    {
        // 16384 bytes fill the buffer; the newline that follows is a line of its own, as in Docker's copier.
        var lines = Split(new string('y', 16 * 1024) + "\n");
        Assert.Equal([16 * 1024, 1], lines.Select(l => l.Length));
    }

    [Fact]
    public void Emitted_lines_are_copies()
    {
        var s = new LineSplitter();
        var kept = new List<ReadOnlyMemory<byte>>();
        s.Push("first\nsecond\n"u8, kept.Add);
        Assert.Equal("first\n", Encoding.UTF8.GetString(kept[0].Span));
        Assert.Equal("second\n", Encoding.UTF8.GetString(kept[1].Span));
    }
}

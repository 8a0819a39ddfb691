namespace Berth.Common.Tests;

/// <summary>Go's durations: parsed as docker's flags and HEALTHCHECK take them, written as dockerd writes them.</summary>
public sealed class GoDurationTests
{
    [Theory]
    [InlineData(1_000_000_000L, "1s")]
    [InlineData(30_000_000_000L, "30s")]
    [InlineData(500_000_000L, "500ms")]
    [InlineData(1_500_000_000L, "1.5s")]
    [InlineData(120_000_000_000L, "2m0s")]
    [InlineData(3_725_000_000_000L, "1h2m5s")]
    public void Timeouts_are_written_as_go_writes_durations(long nanos, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromTicks(nanos / 100)));

    [Theory]
    [InlineData("1s", 10_000_000L)]
    [InlineData("1m30s", 900_000_000L)]
    [InlineData("1.5h", 54_000_000_000L)]
    [InlineData("300ms", 3_000_000L)]
    [InlineData("0", 0L)]
    public void Durations_parse_as_go_parses_them(string text, long ticks)
    {
        Assert.True(GoDuration.TryParse(text, out var d));
        Assert.Equal(ticks, d.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("1x")]
    public void Bad_durations_do_not_parse(string text) => Assert.False(GoDuration.TryParse(text, out _));
}

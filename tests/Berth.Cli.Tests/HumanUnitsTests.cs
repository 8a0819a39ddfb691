using Berth.Cli.Formatting;

namespace Berth.Cli.Tests;

public sealed class HumanUnitsTests
{
    [Theory]
    [InlineData(0, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(3, "3 seconds")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(119, "About a minute")]
    [InlineData(120, "2 minutes")]
    [InlineData(3599, "59 minutes")]
    [InlineData(3600, "About an hour")]
    [InlineData(5399, "About an hour")]
    [InlineData(5400, "2 hours")]
    [InlineData(47 * 3600, "47 hours")]
    [InlineData(48 * 3600, "2 days")]
    [InlineData(14 * 86400, "2 weeks")]
    [InlineData(60 * 86400, "2 months")]
    [InlineData(730 * 86400, "2 years")]
    public void Durations(long seconds, string expected) => Assert.Equal(expected, HumanUnits.Duration(TimeSpan.FromSeconds(seconds)));

    [Theory]
    [InlineData(0, "0B")]
    [InlineData(6, "6B")]
    [InlineData(999, "999B")]
    [InlineData(1000, "1kB")]
    [InlineData(4260, "4.26kB")]
    [InlineData(1982361, "1.98MB")]
    [InlineData(999999, "1e+03kB")]
    [InlineData(123456789, "123MB")]
    [InlineData(1500000000, "1.5GB")]
    public void Sizes(double bytes, string expected) => Assert.Equal(expected, HumanUnits.Size(bytes));

    [Theory]
    [InlineData(25275629568d, "23.54GiB")]
    [InlineData(1024d, "1KiB")]
    [InlineData(512d, "512B")]
    public void BinarySizes(double bytes, string expected) => Assert.Equal(expected, HumanUnits.BytesSize(bytes));

    [Theory]
    [InlineData("64m", 67108864L)]
    [InlineData("1g", 1073741824L)]
    [InlineData("512k", 524288L)]
    [InlineData("100", 100L)]
    [InlineData("10b", 10L)]
    [InlineData("1.5KiB", 1536L)]
    [InlineData("2MB", 2097152L)]
    public void ParsesMemory(string text, long bytes)
    {
        Assert.True(HumanUnits.TryParseRam(text, out var b, out _));
        Assert.Equal(bytes, b);
    }

    [Theory]
    [InlineData("1q", "invalid suffix: 'q'")]
    [InlineData("m", "invalid size: 'm'")]
    [InlineData("1mm", "invalid suffix: 'mm'")]
    public void RejectsBadMemory(string text, string error)
    {
        Assert.False(HumanUnits.TryParseRam(text, out _, out var e));
        Assert.Equal(error, e);
    }

    [Theory]
    [InlineData("10s", 10)]
    [InlineData("1m30s", 90)]
    [InlineData("1.5h", 5400)]
    [InlineData("500ms", 0.5)]
    public void ParsesGoDurations(string text, double seconds)
    {
        Assert.True(GoTime.TryParseDuration(text, out var d));
        Assert.Equal(seconds, d.TotalSeconds, 6);
    }

    [Fact]
    public void TimestampsAreRelativeOrAbsolute()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1795608463);
        Assert.Equal("1795608453", GoTime.GetTimestamp("10s", now, out _));
        Assert.Equal("1795608000", GoTime.GetTimestamp("1795608000", now, out _));
        Assert.Equal("1795608000.000000000", GoTime.GetTimestamp(DateTimeOffset.FromUnixTimeSeconds(1795608000).ToString("yyyy-MM-ddTHH:mm:ssZ"), now, out _));
        Assert.Null(GoTime.GetTimestamp("yesterday", now, out var error));
        Assert.Equal("failed to parse value as time or duration: \"yesterday\"", error);
    }
}

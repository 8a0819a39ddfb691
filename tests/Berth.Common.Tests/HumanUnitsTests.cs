namespace Berth.Common.Tests;

/// <summary>The outputs of Docker's go-units (<c>HumanDuration</c>, <c>HumanSize</c>), from its own test tables.</summary>
public sealed class HumanUnitsTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private static readonly TimeSpan Week = 7 * Day;
    private static readonly TimeSpan Month = 30 * Day;
    private static readonly TimeSpan Year = 365 * Day;

    public static TheoryData<string, TimeSpan, string> Durations => new()
    {
        { "450ms", TimeSpan.FromMilliseconds(450), "Less than a second" },
        { "zero", TimeSpan.Zero, "Less than a second" },
        { "1s", TimeSpan.FromSeconds(1), "1 second" },
        { "1.9s", TimeSpan.FromMilliseconds(1900), "1 second" },
        { "45s", TimeSpan.FromSeconds(45), "45 seconds" },
        { "59s", TimeSpan.FromSeconds(59), "59 seconds" },
        { "60s", TimeSpan.FromSeconds(60), "About a minute" },
        { "1m59s", TimeSpan.FromSeconds(119), "About a minute" },
        { "3m", TimeSpan.FromMinutes(3), "3 minutes" },
        { "35m40s", TimeSpan.FromMinutes(35) + TimeSpan.FromSeconds(40), "35 minutes" },
        { "59m", TimeSpan.FromMinutes(59), "59 minutes" },
        { "1h", TimeSpan.FromHours(1), "About an hour" },
        { "1h29m", TimeSpan.FromHours(1) + TimeSpan.FromMinutes(29), "About an hour" },
        { "1h31m", TimeSpan.FromHours(1) + TimeSpan.FromMinutes(31), "2 hours" },
        { "3h29m", TimeSpan.FromHours(3) + TimeSpan.FromMinutes(29), "3 hours" },
        { "3h31m", TimeSpan.FromHours(3) + TimeSpan.FromMinutes(31), "4 hours" },
        { "24h", TimeSpan.FromHours(24), "24 hours" },
        { "36h", Day + TimeSpan.FromHours(12), "36 hours" },
        { "2d", 2 * Day, "2 days" },
        { "3d", 3 * Day, "3 days" },
        { "7d", 7 * Day, "7 days" },
        { "13d5h", 13 * Day + TimeSpan.FromHours(5), "13 days" },
        { "2w", 2 * Week, "2 weeks" },
        { "2w4d", 2 * Week + 4 * Day, "2 weeks" },
        { "4w3d", 4 * Week + 3 * Day, "4 weeks" },
        { "1 month", Month, "4 weeks" },
        { "1 month 2w", Month + 2 * Week, "6 weeks" },
        { "2 months", 2 * Month, "2 months" },
        { "3 months 1w", 3 * Month + Week, "3 months" },
        { "13 months", 13 * Month, "13 months" },
        { "24 months", 24 * Month, "24 months" },
        { "24 months 2w", 24 * Month + 2 * Week, "2 years" },
        { "3 years 2 months", 3 * Year + 2 * Month, "3 years" },
    };

    [Theory]
    [MemberData(nameof(Durations))]
    public void Duration_speaks_like_Docker(string row, TimeSpan d, string expected)
    {
        _ = row;
        Assert.Equal(expected, HumanUnits.Duration(d));
    }

    public static TheoryData<string, double, string> Sizes => new()
    {
        { "zero", 0, "0B" },
        { "999 bytes", 999, "999B" },
        { "1000 bytes", 1000, "1kB" },
        { "1024 bytes", 1024, "1.024kB" },
        { "4.26kB", 4260, "4.26kB" },
        { "1.98MB", 1_980_000, "1.98MB" },
        { "1MiB", 1_048_576, "1.049MB" },
        { "2MB", 2_000_000, "2MB" },
        { "3.42GB", 3.42e9, "3.42GB" },
        { "5.372TB", 5.372e12, "5.372TB" },
        { "2.22PB", 2.22e15, "2.22PB" },
        { "rounds to 4 digits", 123_456_789, "123.5MB" },
        { "beyond yottabytes", 1e28, "1e+04YB" },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Size_speaks_like_Docker(string row, double bytes, string expected)
    {
        _ = row;
        Assert.Equal(expected, HumanUnits.Size(bytes));
    }
}

using Berth.EndToEnd.Infrastructure;
using Xunit.Abstractions;

namespace Berth.EndToEnd;

/// <summary>The berth CLI is NativeAOT and must feel instant.</summary>
public sealed class CliStartupTests(ITestOutputHelper output)
{
    [Fact]
    public void BerthVersionStartsInUnderTenMilliseconds()
    {
        var berth = RepoLayout.Binary("berth");
        ProcessRunner.Run(berth, ["--version"]).Ok(); // warm the page cache

        var times = Enumerable.Range(0, 20).Select(_ => ProcessRunner.Run(berth, ["--version"]).ExpectExit(0).Elapsed.TotalMilliseconds).Order().ToList();
        var median = (times[9] + times[10]) / 2;

        output.WriteLine($"berth --version: median {median:F2} ms over 20 runs (min {times[0]:F2}, max {times[^1]:F2})");
        Assert.True(median < 10, $"berth --version took a median {median:F2} ms over 20 runs; all: {string.Join(", ", times.Select(t => t.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))}");
    }
}

using Berth.Api.Docker.Routes;

namespace Berth.Api.Docker.Tests;

/// <summary>The <c>progress</c> strings of pull and push messages, as recorded from dockerd
/// (../shared/reference/docker-api-traffic/pull.txt and push.txt).</summary>
public sealed class ProgressBarTests
{
    [Theory]
    [InlineData(36864, 1982361, "[>                                                  ]  36.86kB/1.982MB")]
    [InlineData(1871872, 1982361, "[===============================================>   ]  1.872MB/1.982MB")]
    [InlineData(161, 161, "[==================================================>]     161B/161B")]
    [InlineData(512, 25, "[==================================================>]     512B")]
    [InlineData(1996800, 1982361, "[==================================================>]  1.997MB")]
    [InlineData(1536, 0, " 1.536kB")]
    public void TheBarIsDockersJsonMessageBar(long current, long total, string expected) =>
        Assert.Equal(expected, DistributionRoutes.ProgressBar(current, total));
}

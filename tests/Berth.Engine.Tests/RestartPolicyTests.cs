using Berth.Engine.Model;

namespace Berth.Engine.Tests;

/// <summary>The restart rule and back-off, as moby's restart manager has them.</summary>
public sealed class RestartPolicyTests
{
    private static RestartPolicy Policy(string name, int max = 0) => new() { Name = name, MaximumRetryCount = max };

    [Theory]
    [InlineData("no", 1, false, 0, false)]
    [InlineData("always", 0, false, 0, true)]
    [InlineData("always", 0, true, 0, false)]
    [InlineData("unless-stopped", 0, false, 5, true)]
    [InlineData("unless-stopped", 0, true, 0, false)]
    [InlineData("on-failure", 0, false, 0, false)]
    [InlineData("on-failure", 3, false, 100, true)]
    [InlineData("on-failure", 3, true, 0, false)]
    public void WhenAnExitIsFollowedByARestart(string policy, int exitCode, bool manuallyStopped, int restartCount, bool expected) =>
        Assert.Equal(expected, ContainerService.ShouldRestart(Policy(policy), exitCode, manuallyStopped, restartCount));

    [Fact]
    public void OnFailureStopsAtItsMaximum()
    {
        Assert.True(ContainerService.ShouldRestart(Policy("on-failure", 2), 1, false, 1));
        Assert.False(ContainerService.ShouldRestart(Policy("on-failure", 2), 1, false, 2));
    }

    [Fact]
    public void AtDaemonStartAlwaysOverridesAStopButUnlessStoppedDoesNot()
    {
        Assert.True(ContainerService.ShouldRestart(Policy("always"), 0, manuallyStopped: true, 0, daemonStarting: true));
        Assert.False(ContainerService.ShouldRestart(Policy("unless-stopped"), 0, manuallyStopped: true, 0, daemonStarting: true));
    }

    [Fact]
    public void TheBackOffDoublesUpToAMinuteAndResetsAfterALongRun()
    {
        var quick = TimeSpan.FromSeconds(1);
        var delays = new List<TimeSpan>();
        var d = TimeSpan.Zero;
        for (var i = 0; i < 12; i++)
        {
            d = ContainerService.NextBackoff(d, quick);
            delays.Add(d);
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), delays[0]);
        Assert.Equal(TimeSpan.FromMilliseconds(200), delays[1]);
        Assert.Equal(TimeSpan.FromMilliseconds(400), delays[2]);
        Assert.Equal(TimeSpan.FromMinutes(1), delays[^1]);
        Assert.Equal(TimeSpan.FromMilliseconds(100), ContainerService.NextBackoff(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(10)));
    }
}

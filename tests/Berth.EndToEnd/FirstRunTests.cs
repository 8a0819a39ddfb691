using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// What a new installation does first, on a berthd of this class's own with no image and at <c>--log-level debug</c>:
/// <c>berth image bootstrap</c> builds busybox and hello-world on this machine and both run; the daemon's log has
/// the debug lines that the suite's berthd, at the default level, leaves out.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class FirstRunTests(BerthEngine suite, FirstRunTests.NewInstallation installation) : IClassFixture<FirstRunTests.NewInstallation>
{
    public sealed class NewInstallation : IDisposable
    {
        public BerthEngine Engine { get; } = new(["--log-level", "debug"], withBusybox: false);

        public void Dispose() => Engine.Dispose();
    }

    private BerthEngine Engine => installation.Engine;

    [Fact]
    public void DockerRunHelloWorldPrintsBerthsGreeting()
    {
        Engine.Cli("berth", "image", "bootstrap", "hello-world").Ok();

        var run = Engine.Docker("run", "hello-world");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("\nHello from Berth!\nThis message shows that your installation appears to be working correctly.\n", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("found the \"hello-world\" image, built on this machine\n    (no registry was needed).", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void BootstrappedBusyboxRunsEchoHi()
    {
        BusyboxRootfs.EnsureHostBusybox();
        Assert.Equal("", Engine.Docker("images", "-q", "busybox").Ok());

        var bootstrap = Engine.Cli("berth", "image", "bootstrap", "busybox").Ok();

        Assert.Matches("^sha256:[0-9a-f]{64}$", bootstrap);
        Assert.Equal("hi", Engine.Docker("run", "--rm", "busybox", "echo", "hi").Ok());
    }

    [Fact]
    public void DebugLevelLogsEveryApiCallTheDefaultLevelDoesNot()
    {
        Engine.Docker("version").Ok();
        suite.Docker("version").Ok();

        Assert.Contains(File.ReadAllLines(Engine.Daemon.LogFile), l => System.Text.RegularExpressions.Regex.IsMatch(l, @" level=debug msg=""API call"" method=GET path=/v[0-9.]+/version "));
        Assert.DoesNotContain(File.ReadAllLines(suite.Daemon.LogFile), l => l.Contains(" level=debug ", StringComparison.Ordinal));
    }
}

using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

[Collection(BerthCollection.Name)]
public sealed class VersionAndInfoTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void VersionShowsTheClientAndTheBerthServer(string client)
    {
        var version = engine.Cli(client, "version");

        version.ExpectExit(0);
        Assert.Contains("Client:", version.Lines);
        Assert.Contains(version.Lines, l => l.StartsWith("Server: Berth", StringComparison.Ordinal));
        // The docker CLI 28 speaks 1.50 and negotiates down to what berthd serves.
        Assert.Equal("1.44", engine.Cli(client, "version", "--format", "{{.Server.APIVersion}}").Ok());
        Assert.Equal("1.44", engine.Cli(client, "version", "--format", "{{.Client.APIVersion}}").Ok());
        Assert.Contains("Berth", engine.Cli(client, "version", "--format", "{{.Server.Platform.Name}}").Ok(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void InfoCountsContainersAndImages(string client)
    {
        var before = Counts(client);
        engine.Cli(client, "create", "--name", $"info-counted-{client}", "busybox").Ok();

        var after = Counts(client);

        Assert.Equal(before.Containers + 1, after.Containers);
        Assert.Equal(before.Stopped + 1, after.Stopped);
        Assert.Equal(engine.Docker("ps", "-aq").Lines.Count, after.Containers);
        Assert.Equal(engine.Docker("ps", "-q").Lines.Count, after.Running);
        Assert.Equal(engine.Docker("images", "-aq").Lines.Distinct().Count(), after.Images);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void InfoShowsTheStorageDriverAndTheCgroupVersion(string client)
    {
        var info = engine.Cli(client, "info");

        info.ExpectExit(0);
        Assert.Contains(" Storage Driver: overlay2", info.Lines);
        Assert.Contains($" Cgroup Version: {(HostTraces.CgroupV2 ? 2 : 1)}", info.Lines);
    }

    private (int Containers, int Running, int Stopped, int Images) Counts(string client)
    {
        var n = engine.Cli(client, "info", "--format", "{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}} {{.Images}}").Ok()
            .Split(' ').Select(int.Parse).ToArray();
        return (n[0], n[1], n[2], n[3]);
    }
}

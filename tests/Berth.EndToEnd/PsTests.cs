using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary><c>docker ps</c>: which containers it lists, how it filters, how it words their state.</summary>
[Collection(BerthCollection.Name)]
public sealed class PsTests(BerthEngine engine)
{
    private const string LongCommand = "echo a command long enough to be cut; exit 3";

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StatusIsWordedAsDockerWordsIt(string client)
    {
        var (running, exited, created) = OneInEachState(client, "status");

        var statuses = engine.Cli(client, "ps", "-a", "--format", "{{.Names}} {{.Status}}").Lines
            .Select(l => l.Split(' ', 2)).ToDictionary(f => f[0], f => f[1]);

        Assert.Matches("^Up ", statuses[running]);
        Assert.Matches(@"^Exited \(3\) .+ ago$", statuses[exited]);
        Assert.Equal("Created", statuses[created]);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void QuietListsTheShortIdsOfRunningContainersOnly(string client)
    {
        var (running, exited, created) = OneInEachState(client, "quiet");

        var quiet = engine.Cli(client, "ps", "-q").Lines;
        var all = engine.Cli(client, "ps", "-aq").Lines;

        Assert.All(all, id => Assert.Matches("^[0-9a-f]{12}$", id));
        Assert.Contains(ShortId(running), quiet);
        Assert.DoesNotContain(ShortId(exited), quiet);
        Assert.DoesNotContain(ShortId(created), quiet);
        Assert.Contains(ShortId(exited), all);
        Assert.Contains(ShortId(created), all);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void FilterByStatusExited(string client)
    {
        var (running, exited, created) = OneInEachState(client, "by-status");

        var names = engine.Cli(client, "ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}").Lines;

        Assert.Contains(exited, names);
        Assert.DoesNotContain(running, names);
        Assert.DoesNotContain(created, names);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void FilterByName(string client)
    {
        var (_, exited, _) = OneInEachState(client, "by-name");

        Assert.Equal([exited], engine.Cli(client, "ps", "-a", "--filter", $"name={exited}", "--format", "{{.Names}}").Lines);
        Assert.Equal([exited], engine.Cli(client, "ps", "-a", "--filter", $"name=^{exited}$", "--format", "{{.Names}}").Lines);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void NoTruncShowsTheFullIdAndCommand(string client)
    {
        var (_, exited, _) = OneInEachState(client, "no-trunc");
        var id = engine.Inspect(exited, "{{.Id}}");

        var truncated = Assert.Single(engine.Cli(client, "ps", "-a", "--filter", $"name={exited}").Lines.Skip(1));
        var full = Assert.Single(engine.Cli(client, "ps", "-a", "--no-trunc", "--filter", $"name={exited}").Lines.Skip(1));

        var command = $"sh -c '{LongCommand}'";
        Assert.StartsWith(id[..12] + " ", truncated, StringComparison.Ordinal);
        Assert.Contains($"\"{command[..19]}…\"", truncated, StringComparison.Ordinal);
        Assert.StartsWith(id + " ", full, StringComparison.Ordinal);
        Assert.Contains($"\"{command}\"", full, StringComparison.Ordinal);
    }

    /// <summary>Three containers of the test: one running, one exited with status 3, one created.</summary>
    private (string Running, string Exited, string Created) OneInEachState(string client, string test)
    {
        var (running, exited, created) = ($"ps-{test}-running-{client}", $"ps-{test}-exited-{client}", $"ps-{test}-created-{client}");
        engine.Cli(client, "run", "-d", "--name", running, "busybox", "sleep", "100").Ok();
        engine.Cli(client, "run", "--name", exited, "busybox", "sh", "-c", LongCommand).ExpectExit(3);
        engine.Cli(client, "create", "--name", created, "busybox").Ok();
        return (running, exited, created);
    }

    private string ShortId(string name) => engine.Inspect(name, "{{.Id}}")[..12];
}

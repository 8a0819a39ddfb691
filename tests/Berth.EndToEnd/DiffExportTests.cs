using System.Formats.Tar;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>docker diff and docker export through both clients; an export imported back runs.</summary>
[Collection(BerthCollection.Name)]
public sealed class DiffExportTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void DiffShowsAddedChangedAndDeletedPaths(string client)
    {
        var name = $"diff-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c",
            "touch /tmp/x && mkdir -p /newdir/sub && echo y > /newdir/sub/y && rm /etc/group && echo '# more' >> /etc/passwd").Ok();

        var lines = engine.Cli(client, "diff", name).ExpectExit(0).Lines;

        // compat(docker): the walk order of the writable layer; mount points made for the container are not shown.
        Assert.Equal(["C /etc", "D /etc/group", "C /etc/passwd", "A /newdir", "A /newdir/sub", "A /newdir/sub/y", "C /tmp", "A /tmp/x"], lines);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void DiffOfAnUntouchedContainerIsEmpty(string client)
    {
        var name = $"diff-none-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "true").Ok();

        Assert.Equal("", engine.Cli(client, "diff", name).Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void DiffOfAMissingContainerIsDockersError(string client)
    {
        var result = engine.Cli(client, "diff", "no-such-container-diff").ExpectExit(1);
        Assert.Equal("Error response from daemon: No such container: no-such-container-diff", result.Stderr.Trim());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExportImportedBackRuns(string client)
    {
        var name = $"export-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", "echo exported-data > /root/data.txt").Ok();
        var tar = engine.Scratch("export.tar");

        Assert.Equal("", engine.CliSlow(client, "export", "-o", tar, name).Ok());

        var names = new List<string>();
        using (var reader = new TarReader(File.OpenRead(tar)))
        {
            while (reader.GetNextEntry() is { } e)
            {
                names.Add(e.Name);
            }
        }
        Assert.Contains("bin/busybox", names);
        Assert.Contains("root/data.txt", names);
        Assert.Contains("etc/", names);
        Assert.DoesNotContain(names, n => n.StartsWith('/') || n.StartsWith("./", StringComparison.Ordinal));

        var image = $"exported-{client}:v1";
        engine.CliWithStdin(client, tar, "import", "-", image).Ok();
        Assert.Equal("exported-data", engine.Cli(client, "run", "--rm", image, "cat", "/root/data.txt").Ok());
        engine.Cli(client, "rmi", image).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExportToStdoutOfARunningContainer(string client)
    {
        var name = $"export-running-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c", "echo live > /tmp/live; echo ready; sleep 100").Ok();
        engine.WaitForLog(name, "ready");

        var output = engine.CliSlow(client, "export", name).ExpectExit(0);

        var entries = CopyTests.ReadTar(output.StdoutBytes);
        Assert.Equal("live\n", Assert.Single(entries, e => e.Name == "tmp/live").Text);
    }
}

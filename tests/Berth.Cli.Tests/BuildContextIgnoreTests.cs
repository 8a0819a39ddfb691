using System.Formats.Tar;
using System.Text;
using Berth.Cli.BuildContexts;

namespace Berth.Cli.Tests;

/// <summary>
/// .dockerignore as the CLI applies it while sending the context. These need <c>Berth.Common.DockerIgnore</c>, which
/// lands separately: until then they fail with NotImplementedException. Run them alone with
/// <c>--filter Category=NeedsDockerIgnore</c>.
/// </summary>
[Trait("Category", "NeedsDockerIgnore")]
public sealed class BuildContextIgnoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-build-ignore-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void WriteFile(string rel, string text)
    {
        var path = Path.Join(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private (string Rel, List<(string Name, int Mode, string Data)> Entries) Send(string dockerfile = "", string stdin = "")
    {
        var prepared = PreparedContext.Prepare("ctx", dockerfile, new MemoryStream(Encoding.UTF8.GetBytes(stdin)), _dir, false, DateTimeOffset.UnixEpoch);
        var list = new List<(string, int, string)>();
        using var reader = new TarReader(prepared.Body);
        while (reader.GetNextEntry() is { } e)
        {
            list.Add((e.Name, (int)e.Mode, e.DataStream is null ? "" : new StreamReader(e.DataStream).ReadToEnd()));
        }
        return (prepared.RelDockerfile, list);
    }

    [Fact]
    public void RecordedContextLeavesOutIgnoredFiles()
    {
        // build.txt: ignored.txt is listed in .dockerignore and not sent.
        WriteFile("ctx/.dockerignore", "ignored.txt\n");
        WriteFile("ctx/Dockerfile", "FROM busybox:local\n");
        WriteFile("ctx/hello.txt", "hello from build context\n");
        WriteFile("ctx/ignored.txt", "x\n");
        WriteFile("ctx/sub/s.txt", "sub file\n");
        Assert.Equal([".dockerignore", "Dockerfile", "hello.txt", "sub/", "sub/s.txt"], Send().Entries.Select(e => e.Name));
    }

    [Fact]
    public void DockerignoreAndDockerfileAreAlwaysSent()
    {
        WriteFile("ctx/.dockerignore", "*\n");
        WriteFile("ctx/Dockerfile", "FROM scratch\n");
        WriteFile("ctx/other", "x\n");
        Assert.Equal([".dockerignore", "Dockerfile"], Send().Entries.Select(e => e.Name));
    }

    [Fact]
    public void ExceptionsReachIntoExcludedDirectories()
    {
        WriteFile("ctx/.dockerignore", "docs\n!docs/keep.md\n");
        WriteFile("ctx/Dockerfile", "FROM scratch\n");
        WriteFile("ctx/docs/keep.md", "k\n");
        WriteFile("ctx/docs/drop.md", "d\n");
        Assert.Equal([".dockerignore", "Dockerfile", "docs/keep.md"], Send().Entries.Select(e => e.Name));
    }

    [Fact]
    public void StdinDockerfileIsAddedToTheExistingDockerignore()
    {
        // build-fail.txt: "ignored.txt\n" became "ignored.txt\n\n.dockerfile.<hex>\n", header (mode 644) kept.
        WriteFile("ctx/.dockerignore", "ignored.txt\n");
        File.SetUnixFileMode(Path.Join(_dir, "ctx/.dockerignore"), (UnixFileMode)0b110_100_100);
        WriteFile("ctx/Dockerfile", "FROM busybox:local\n");
        var (rel, entries) = Send("-", "FROM busybox:local\nRUN exit 9\n");
        Assert.Equal((".dockerignore", 0b110_100_100, "ignored.txt\n\n" + rel + "\n"), entries[0]);
        Assert.Equal((rel, 0b110_000_000, "FROM busybox:local\nRUN exit 9\n"), entries[^1]);
    }
}

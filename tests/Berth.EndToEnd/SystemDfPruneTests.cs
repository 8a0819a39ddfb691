using System.Text.Json;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// <c>system df</c> and the prunes through the real docker CLI and berth, on a berthd of this class's own (pruning
/// every unused image would take the suite's busybox from the tests that follow). A running container keeps
/// busybox in use throughout, so only the images a test makes can go.
/// </summary>
public sealed class SystemDfPruneTests(SystemDfPruneTests.OwnEngine own) : IClassFixture<SystemDfPruneTests.OwnEngine>
{
    public sealed class OwnEngine : IDisposable
    {
        public OwnEngine()
        {
            Engine = new BerthEngine([]);
            Engine.Docker("run", "-d", "--name", "keeps-busybox", "busybox", "sleep", "3600").Ok();
        }

        public BerthEngine Engine { get; }

        public void Dispose() => Engine.Dispose();
    }

    private BerthEngine Engine => own.Engine;

    /// <summary>A one-file image made by <c>import</c>; each call makes a new image (its config has the time).</summary>
    private string ImportTiny(string tag, string content)
    {
        var dir = Engine.Scratch("tiny");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Join(dir, "file"), content);
        var tar = dir + ".tar";
        ProcessRunner.Run("tar", ["-C", dir, "-cf", tar, "file"]).Ok();
        return Engine.CliWithStdin("docker", tar, "import", "-", tag).Ok();
    }

    /// <summary>The rows of <c>system df</c> by type: (total, active, size).</summary>
    private Dictionary<string, (string Total, string Active, string Size)> Df(string client) =>
        Engine.Cli(client, "system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}").Lines
            .Select(l => l.Split('|'))
            .ToDictionary(f => f[0], f => (f[1], f[2], f[3]));

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public async Task DfCountsTheImagesAndTheBytesAContainerWrote(string client)
    {
        var name = "df-writer-" + client;
        Engine.Docker("run", "--name", name, "busybox", "dd", "if=/dev/zero", "of=/written", "bs=1024", "count=300").Ok();
        try
        {
            var rows = Df(client);

            Assert.Equal(["Images", "Containers", "Local Volumes", "Build Cache"], rows.Keys);
            Assert.Equal(("1", "1"), (rows["Images"].Total, rows["Images"].Active));
            Assert.Equal(("2", "1", "307.2kB"), rows["Containers"]);
            using var df = JsonDocument.Parse((await Engine.Api.GetAsync("/v1.41/system/df")).Body);
            var busyboxLayer = new FileInfo(Engine.BusyboxTar).Length;
            Assert.InRange(df.RootElement.GetProperty("LayersSize").GetInt64(), busyboxLayer / 2, busyboxLayer);
            var writer = df.RootElement.GetProperty("Containers").EnumerateArray().Single(c => c.GetProperty("Names")[0].GetString() == "/" + name);
            Assert.Equal(300 * 1024, writer.GetProperty("SizeRw").GetInt64());
            Assert.Equal(0, df.RootElement.GetProperty("BuildCache").GetArrayLength());
        }
        finally
        {
            Engine.Docker("rm", "-f", name);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void DfCountsAVolumesBytesAndUsersAndSystemPruneVolumesRemovesItOnceUnused(string client)
    {
        var user = "df-vol-user-" + client;
        Engine.Docker("run", "--name", user, "-v", "/data", "busybox", "dd", "if=/dev/zero", "of=/data/f", "bs=1024", "count=100").Ok();
        var volume = Engine.Docker("inspect", "-f", "{{range .Mounts}}{{.Name}}{{end}}", user).Ok();
        try
        {
            Assert.Equal(("1", "1", "102.4kB"), Df(client)["Local Volumes"]);
            Assert.Matches($@"\n{volume}\s+1\s+102.4kB\n", Engine.Cli(client, "system", "df", "-v").Ok() + "\n");

            Engine.Docker("rm", user).Ok();
            var pruned = Engine.Cli(client, "system", "prune", "--volumes", "-f").Ok();

            // compat(docker): from API 1.42 volume prune takes anonymous volumes (this one, kept by a plain rm).
            Assert.Contains($"Deleted Volumes:\n{volume}\n\n", pruned, StringComparison.Ordinal);
            Assert.EndsWith("Total reclaimed space: 102.4kB", pruned, StringComparison.Ordinal);
            Assert.Equal(("0", "0", "0B"), Df(client)["Local Volumes"]);
        }
        finally
        {
            Engine.Docker("rm", "-f", user);
            Engine.Docker("volume", "rm", "-f", volume);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ImagePruneRemovesADanglingImageOnly(string client)
    {
        var tag = "prune-dangling-" + client + ":1";
        var first = ImportTiny(tag, "one");
        var second = ImportTiny(tag, "two");
        try
        {
            Assert.Equal("<none>", Engine.Docker("images", "--filter", "dangling=true", "--format", "{{.Repository}}", "--no-trunc").Ok());

            var pruned = Engine.Cli(client, "image", "prune", "-f").Ok();

            Assert.Equal($"Deleted Images:\ndeleted: {first}\n\nTotal reclaimed space: 3B", pruned);
            Assert.NotEqual(0, Engine.Docker("image", "inspect", first).ExitCode);
            Assert.Equal(second, Engine.Inspect(tag, "{{.Id}}"));
        }
        finally
        {
            Engine.Docker("rmi", "-f", first, second);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ImagePruneAllRemovesUnusedImagesButNotThoseAContainerUses(string client)
    {
        var unused = ImportTiny($"prune-unused-{client}:1", "unused");
        var used = ImportTiny($"prune-used-{client}:1", "used");
        var container = "prune-user-" + client;
        Engine.Docker("create", "--name", container, $"prune-used-{client}:1", "/file").Ok();
        try
        {
            var pruned = Engine.Cli(client, "image", "prune", "-a", "-f").Ok();

            Assert.Contains($"untagged: prune-unused-{client}:1\ndeleted: {unused}\n", pruned, StringComparison.Ordinal);
            Assert.DoesNotContain(used, pruned, StringComparison.Ordinal);
            Assert.NotEqual(0, Engine.Docker("image", "inspect", unused).ExitCode);
            Assert.Equal(used, Engine.Inspect($"prune-used-{client}:1", "{{.Id}}"));
            Assert.Equal(0, Engine.Docker("image", "inspect", "busybox").ExitCode);
        }
        finally
        {
            Engine.Docker("rm", "-f", container);
            Engine.Docker("rmi", "-f", unused, used);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void SystemPruneAllRemovesStoppedContainersAndUnusedImagesButLeavesImagesInUse(string client)
    {
        var unused = ImportTiny($"sp-unused-{client}:1", "unused");
        Engine.Docker("tag", "busybox", $"sp-used-{client}:1").Ok();
        var running = "sp-running-" + client;
        var stopped = "sp-stopped-" + client;
        Engine.Docker("run", "-d", "--name", running, $"sp-used-{client}:1", "sleep", "600").Ok();
        Engine.Docker("run", "--name", stopped, "busybox", "true").Ok();
        var stoppedId = Engine.Inspect(stopped, "{{.Id}}");
        try
        {
            var pruned = Engine.Cli(client, "system", "prune", "-a", "-f").Ok();

            Assert.StartsWith($"Deleted Containers:\n{stoppedId}\n\n", pruned, StringComparison.Ordinal);
            Assert.Contains($"deleted: {unused}\n", pruned, StringComparison.Ordinal);
            Assert.Matches(@"\nTotal reclaimed space: \d+(\.\d+)?[kMG]?B$", pruned);
            Assert.Equal("", Engine.PsStatus("docker", stopped));
            Assert.StartsWith("Up ", Engine.PsStatus("docker", running), StringComparison.Ordinal);
            Assert.NotEqual(0, Engine.Docker("image", "inspect", unused).ExitCode);
            Assert.Equal(0, Engine.Docker("image", "inspect", $"sp-used-{client}:1").ExitCode);
            Assert.Equal(0, Engine.Docker("image", "inspect", "busybox").ExitCode);
        }
        finally
        {
            Engine.Docker("rm", "-f", running, stopped);
            Engine.Docker("rmi", "-f", unused, $"sp-used-{client}:1");
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void BuilderPruneReclaimsNothingWithoutABuildCache(string client)
    {
        Assert.Equal("Total reclaimed space: 0B", Engine.Cli(client, "builder", "prune", "-f").Ok());
    }
}

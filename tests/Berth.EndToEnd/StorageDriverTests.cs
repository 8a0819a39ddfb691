using System.Text.Json;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// berthd's <c>--storage-driver</c>: a daemon of this class's own on vfs (full copies, no overlayfs) runs
/// containers whose writes show in <c>diff</c>, <c>export</c> and <c>system df</c>; an unknown driver stops
/// berthd with dockerd's words.
/// </summary>
public sealed class StorageDriverTests(StorageDriverTests.VfsEngine vfs) : IClassFixture<StorageDriverTests.VfsEngine>
{
    public sealed class VfsEngine : IDisposable
    {
        public BerthEngine Engine { get; } = new(["--storage-driver", "vfs"]);

        public void Dispose() => Engine.Dispose();
    }

    private BerthEngine Engine => vfs.Engine;

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public async Task AContainerOnVfsWritesInItsOwnLayer(string client)
    {
        var name = "vfs-writer-" + client;
        Assert.Contains("Storage Driver: vfs\n", Engine.Cli(client, "info").Ok() + "\n", StringComparison.Ordinal);
        Engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", "echo hi > /hello && mkdir /made && echo x > /made/f").Ok();
        try
        {
            var diff = Engine.Cli(client, "diff", name).Lines;
            Assert.Contains("A /hello", diff);
            Assert.Contains("A /made", diff);
            Assert.Contains("A /made/f", diff);
            var tar = Engine.Scratch("vfs-export.tar");
            Engine.Cli(client, "export", "-o", tar, name).Ok();
            var entries = ProcessRunner.Run("tar", ["-tf", tar]).Ok().Split('\n');
            Assert.Contains("hello", entries);
            Assert.Contains("bin/busybox", entries);
            Assert.Equal("vfs", Engine.Inspect(name, "{{.Driver}}"));

            using var df = JsonDocument.Parse((await Engine.Api.GetAsync("/v1.41/system/df")).Body);
            var written = df.RootElement.GetProperty("Containers").EnumerateArray().Single(c => c.GetProperty("Names")[0].GetString() == "/" + name);
            Assert.Equal("hi\n".Length + "x\n".Length, written.GetProperty("SizeRw").GetInt64());
            Assert.True(df.RootElement.GetProperty("LayersSize").GetInt64() > 0);
        }
        finally
        {
            Engine.Docker("rm", "-f", name);
        }
    }

    [Fact]
    public void AnUnknownDriverStopsBerthdWithDockerdsWords()
    {
        var dir = Engine.Scratch("bogus-driver");
        var result = ProcessRunner.Run(RepoLayout.Binary("berthd"),
            ["-H", "unix://" + Path.Join(dir, "s.sock"), "--data-root", Path.Join(dir, "data"), "--exec-root", Path.Join(dir, "exec"), "--pidfile", Path.Join(dir, "pid"), "-s", "bogus"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"failed to start daemon: error initializing graphdriver: failed to GetDriver graph bogus {Path.Join(dir, "data")}: driver not supported", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }
}

using Berth.EndToEnd.Infrastructure;
using Berth.EndToEnd.Infrastructure.Skipping;

namespace Berth.EndToEnd;

/// <summary>
/// <c>docker commit</c> and <c>berth commit</c>: a running container's changes (a file added, one deleted) become one
/// new layer with the message, author and config changes; and a built image travels to the real Docker and runs.
/// Every test names its containers and images after itself and removes them, whatever happened.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class CommitTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker", true)]
    [InlineData("berth", true)]
    [InlineData("docker", false)]
    [InlineData("berth", false)]
    public void ARunningContainerIsCommittedWithItsChanges(string client, bool pause)
    {
        var name = $"e2e-commit-{client}-{(pause ? "paused" : "live")}";
        var image = $"e2e-commit-{client}:{(pause ? "paused" : "live")}";
        try
        {
            engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c", "echo committed > /f; rm /etc/group; echo ready; sleep 300").Ok();
            engine.WaitForLog(name, "ready");

            var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
            var id = engine.Cli(client, ["commit", "-m", "the message", "-a", "E2E <e2e@example.com>", "-c", "ENV X=1", "-c", "CMD [\"cat\",\"/f\"]", .. pause ? Array.Empty<string>() : ["--pause=false"], name, image]).Ok();
            Assert.Matches("^sha256:[0-9a-f]{64}$", id);
            Assert.Equal("running", engine.Inspect(name, "{{.State.Status}}"));
            var until = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var actions = engine.Docker("events", "--since", since, "--until", until, "--filter", "container=" + name, "--format", "{{.Action}}").Lines;
            // compat(docker): the unpause is deferred, so it comes after the commit event.
            Assert.Equal(pause ? ["pause", "commit", "unpause"] : ["commit"], actions.Where(a => a is "pause" or "unpause" or "commit"));

            Assert.Equal("committed", engine.Cli(client, "run", "--rm", image).Ok());
            Assert.Equal("1|gone", engine.Cli(client, "run", "--rm", image, "sh", "-c", "echo \"$X|$(test -e /etc/group && echo there || echo gone)\"").Ok());
            Assert.Equal("E2E <e2e@example.com>|the message|[\"cat\",\"/f\"]", engine.Cli(client, "image", "inspect", "-f", "{{.Author}}|{{.Comment}}|{{json .Config.Cmd}}", image).Ok());
            var parentLayers = engine.Inspect("busybox", "{{len .RootFS.Layers}}");
            Assert.Equal((int.Parse(parentLayers, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                engine.Cli(client, "image", "inspect", "-f", "{{len .RootFS.Layers}}", image).Ok());
            Assert.Equal(engine.Inspect("busybox", "{{json .RootFS.Layers}}").TrimEnd(']'), engine.Inspect(image, "{{json .RootFS.Layers}}")[..engine.Inspect("busybox", "{{json .RootFS.Layers}}").TrimEnd(']').Length]);

            var top = engine.Cli(client, "history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Comment}}", image).Lines[0];
            Assert.Equal("sh -c echo committed > /f; rm /etc/group; echo ready; sleep 300|the message", top);
        }
        finally
        {
            engine.Docker("rm", "-f", name);
            engine.Docker("rmi", "-f", image);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AStoppedContainersReplacedAndDeletedDirectoriesAreCommitted(string client)
    {
        var name = "e2e-commit-dirs-" + client;
        var image = "e2e-commit-dirs:" + client;
        try
        {
            // First a layer with the directories, then one that replaces one of them and deletes the other.
            engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", "mkdir -p /data/sub /gone && echo a > /data/a && echo b > /data/sub/b && echo x > /gone/x").Ok();
            engine.Cli(client, "commit", name, image + "-base").Ok();
            engine.Docker("rm", name).Ok();
            engine.Cli(client, "run", "--name", name, image + "-base", "sh", "-c", "rm -rf /data /gone && mkdir /data && echo new > /data/only && ln -s /tmp /linked").Ok();
            engine.Cli(client, "commit", name, image).Ok();
            Assert.Equal("only|gone|/tmp", engine.Cli(client, "run", "--rm", image, "sh", "-c", "echo \"$(ls -A /data)|$(test -e /gone && echo there || echo gone)|$(readlink /linked)\"").Ok());
            // The parent's files are still in its own layer.
            Assert.Equal("a b", engine.Cli(client, "run", "--rm", image + "-base", "sh", "-c", "echo $(cat /data/a /data/sub/b)").Ok());
        }
        finally
        {
            engine.Docker("rm", "-f", name);
            engine.Docker("rmi", "-f", image, image + "-base");
        }
    }

    [SkippableTheory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ABuiltImageRunsOnTheRealDocker(string client)
    {
        var peer = PeerDocker.Start();
        var tag = "e2e-commit-built-to-peer:" + client;
        var dir = engine.Scratch("to-peer-context");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Join(dir, "Dockerfile"), "FROM busybox\nCOPY m.txt /m\nRUN echo ran >> /m\nCMD [\"cat\", \"/m\"]\n");
        File.WriteAllText(Path.Join(dir, "m.txt"), "copied\n");
        var archive = engine.Scratch("built-to-peer.tar");
        try
        {
            engine.CliWithin(TimeSpan.FromMinutes(3), client, "build", "-t", tag, dir).ExpectExit(0);
            engine.CliSlow(client, "save", "-o", archive, tag).Ok();
            Assert.Equal($"Loaded image: {tag}", PeerDocker.Docker(peer, "load", "-i", archive).Ok());
            Assert.Equal(engine.Inspect(tag, "{{.Id}}"), PeerDocker.Docker(peer, "inspect", "-f", "{{.Id}}", tag).Ok());
            Assert.Equal("copied\nran", PeerDocker.Docker(peer, "run", "--rm", tag).Ok());
        }
        finally
        {
            PeerDocker.Docker(peer, "rmi", "-f", tag);
            engine.Docker("rmi", "-f", tag);
        }
    }
}

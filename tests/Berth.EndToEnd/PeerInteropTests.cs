using Berth.EndToEnd.Infrastructure;
using Berth.EndToEnd.Infrastructure.Skipping;

namespace Berth.EndToEnd;

/// <summary>
/// Images travel between Berth and the real Docker (the peer dockerd) as <c>docker save</c> archives, keep their
/// ids, and run on the other side. Skipped, with the reason, when the peer cannot start.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class PeerInteropTests(BerthEngine engine)
{
    [SkippableTheory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnImageSavedFromBerthRunsOnTheRealDocker(string client)
    {
        var peer = PeerDocker.Start();
        var reference = $"berth-e2e-export:{client}";
        var archive = engine.Scratch("to-peer.tar");
        engine.Cli(client, "tag", "busybox", reference).Ok();
        try
        {
            engine.CliSlow(client, "save", "-o", archive, reference).Ok();

            Assert.Equal($"Loaded image: {reference}", PeerDocker.Docker(peer, "load", "-i", archive).Ok());
            Assert.Equal(engine.Inspect(reference, "{{.Id}}"), PeerDocker.Docker(peer, "inspect", "-f", "{{.Id}}", reference).Ok());
            Assert.Equal("from berth", PeerDocker.Docker(peer, "run", "--rm", reference, "echo", "from", "berth").Ok());
        }
        finally
        {
            PeerDocker.Docker(peer, "rmi", reference);
            engine.Cli(client, "rmi", reference);
        }
    }

    [SkippableTheory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnImageSavedFromTheRealDockerRunsOnBerth(string client)
    {
        var peer = PeerDocker.Start();
        var archive = engine.Scratch("from-peer.tar");
        PeerDocker.Docker(peer, "save", "-o", archive, "busybox:peer").Ok();
        try
        {
            Assert.Equal("Loaded image: busybox:peer", engine.CliSlow(client, "load", "-i", archive).Ok());
            Assert.Equal(PeerDocker.Docker(peer, "inspect", "-f", "{{.Id}}", "busybox:peer").Ok(), engine.Inspect("busybox:peer", "{{.Id}}"));
            Assert.Equal("from the peer", engine.Cli(client, "run", "--rm", "busybox:peer", "echo", "from", "the", "peer").Ok());
        }
        finally
        {
            engine.Cli(client, "rmi", "busybox:peer");
        }
    }
}

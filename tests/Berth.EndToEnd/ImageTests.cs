using System.Text.Json;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>images, import, tag, rmi, save and load: images in and out of Berth without a registry.</summary>
[Collection(BerthCollection.Name)]
public sealed class ImageTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ImagesQuietListsShortIds(string client)
    {
        var quiet = engine.Cli(client, "images", "-q").Lines;

        Assert.All(quiet, id => Assert.Matches("^[0-9a-f]{12}$", id));
        Assert.Contains(Short(BusyboxId()), quiet);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ImagesFilterByReference(string client)
    {
        engine.Cli(client, "tag", "busybox", $"not-busy-{client}:1").Ok();

        var busy = engine.Cli(client, "images", "--filter", "reference=busy*", "--format", "{{.Repository}}:{{.Tag}}").Lines;

        Assert.Contains("busybox:latest", busy);
        Assert.All(busy, r => Assert.StartsWith("busybox:", r, StringComparison.Ordinal));
        Assert.Contains($"not-busy-{client}:1", engine.Cli(client, "images", "--format", "{{.Repository}}:{{.Tag}}").Lines);
        engine.Cli(client, "rmi", $"not-busy-{client}:1").Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnImageWhoseTagMovesOnIsDangling(string client)
    {
        var reference = $"dangling-{client}:1";
        var first = Import(client, reference);
        var second = Import(client, reference);

        var dangling = engine.Cli(client, "images", "--filter", "dangling=true", "-q").Lines;

        Assert.Contains(Short(first), dangling);
        Assert.DoesNotContain(Short(second), dangling);
        Assert.Equal("<none>:<none>", Assert.Single(engine.Cli(client, "images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}").Lines,
            l => l.StartsWith(Short(first), StringComparison.Ordinal)).Split(' ')[1]);
        engine.Cli(client, "rmi", Short(first), reference).Ok();
    }

    [Theory]
    [InlineData("docker", "file")]
    [InlineData("berth", "file")]
    [InlineData("docker", "stdin")]
    [InlineData("berth", "stdin")]
    public void ImportMakesAnImageThatRuns(string client, string source)
    {
        var reference = $"imported-{source}-{client}:1";

        var import = source == "file"
            ? engine.CliSlow(client, "import", engine.BusyboxTar, reference)
            : engine.CliWithStdin(client, engine.BusyboxTar, "import", "-", reference);

        Assert.Matches("^sha256:[0-9a-f]{64}$", import.Ok());
        Assert.Equal(import.Text, engine.Inspect(reference, "{{.Id}}"));
        Assert.Equal(engine.Inspect("busybox", "{{.RootFS.Layers}}"), engine.Inspect(reference, "{{.RootFS.Layers}}"));
        Assert.Equal("imported", engine.Cli(client, "run", "--rm", reference, "/bin/echo", "imported").Ok());
        engine.Cli(client, "rmi", reference).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TagNamesTheSameImageAndRmiOfOneTagOnlyUntags(string client)
    {
        var reference = $"tagged-{client}:v1";

        engine.Cli(client, "tag", "busybox", reference).Ok();

        Assert.Equal(BusyboxId(), engine.Inspect(reference, "{{.Id}}"));
        Assert.Equal($"Untagged: {reference}", engine.Cli(client, "rmi", reference).Ok());
        Assert.Equal(BusyboxId(), engine.Inspect("busybox", "{{.Id}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RmiOfTheLastTagDeletesTheImage(string client)
    {
        var reference = $"deleted-{client}:1";
        var id = Import(client, reference);

        var rmi = engine.Cli(client, "rmi", reference).Ok();

        Assert.Equal($"Untagged: {reference}", rmi.Split('\n')[0]);
        Assert.Contains($"Deleted: {id}", rmi.Split('\n'));
        Assert.Contains($"No such object: {id}", engine.Cli(client, "inspect", id).Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RmiIsRefusedWhileAContainerUsesTheImage(string client)
    {
        var reference = $"in-use-{client}:1";
        var id = Import(client, reference);
        var container = engine.Cli(client, "create", reference, "/bin/true").Ok();

        var rmi = engine.Cli(client, "rmi", reference);

        rmi.ExpectExit(1);
        Assert.Contains($"conflict: unable to remove repository reference \"{reference}\" (must force) - container {container[..12]} is using its referenced image {Short(id)}",
            rmi.Stderr, StringComparison.Ordinal);
        Assert.Equal(id, engine.Inspect(reference, "{{.Id}}"));

        engine.Cli(client, "rm", container).Ok();
        engine.Cli(client, "rmi", reference).Ok();
    }

    [Theory]
    [InlineData("docker", "files")]
    [InlineData("berth", "files")]
    [InlineData("docker", "pipes")]
    [InlineData("berth", "pipes")]
    public void SaveThenLoadRestoresTheImage(string client, string via)
    {
        var reference = $"round-trip-{via}-{client}:1";
        var id = Import(client, reference);
        var archive = engine.Scratch("image.tar");

        if (via == "files")
        {
            engine.CliSlow(client, "save", "-o", archive, reference).Ok();
        }
        else
        {
            File.WriteAllBytes(archive, engine.CliSlow(client, "save", reference).ExpectExit(0).StdoutBytes);
        }
        Assert.Contains($"Deleted: {id}", engine.Cli(client, "rmi", reference).Ok().Split('\n'));
        var load = via == "files" ? engine.CliSlow(client, "load", "-i", archive) : engine.CliWithStdin(client, archive, "load");

        Assert.Equal($"Loaded image: {reference}", load.Ok());
        Assert.Equal(id, engine.Inspect(reference, "{{.Id}}"));
        Assert.Equal("loaded", engine.Cli(client, "run", "--rm", reference, "/bin/echo", "loaded").Ok());
        engine.Cli(client, "rmi", reference).Ok();
    }

    private string BusyboxId() => engine.Inspect("busybox", "{{.Id}}");

    /// <summary>An image id as <c>docker images</c> shows it: 12 hex digits, no "sha256:".</summary>
    [Fact]
    public async Task ImageAnswersFollowTheNegotiatedApiVersion()
    {
        var dangling = Import("docker", "versioned:1");
        Import("docker", "versioned:1");
        try
        {
            foreach (var (version, virtualSize, untagged) in new[] { ("1.42", true, "<none>:<none>"), ("1.44", false, "") })
            {
                using var list = JsonDocument.Parse((await engine.Api.GetAsync($"/v{version}/images/json")).Body);
                using var inspect = JsonDocument.Parse((await engine.Api.GetAsync($"/v{version}/images/busybox/json")).Body);
                using var df = JsonDocument.Parse((await engine.Api.GetAsync($"/v{version}/system/df?type=image")).Body);
                var images = list.RootElement.EnumerateArray().ToList();

                // compat(docker): API 1.44 drops VirtualSize; 1.43 lists an untagged image without <none>.
                Assert.True(images.All(i => i.TryGetProperty("VirtualSize", out _) == virtualSize), version);
                Assert.True(inspect.RootElement.TryGetProperty("VirtualSize", out _) == virtualSize, version);
                Assert.True(df.RootElement.GetProperty("Images").EnumerateArray().All(i => i.TryGetProperty("VirtualSize", out _) == virtualSize), version);
                Assert.Equal(untagged, string.Join(',', images.Single(i => i.GetProperty("Id").GetString() == dangling).GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString())));
            }
            // Both clients show the untagged image as <none> at 1.44.
            Assert.Contains($"{Short(dangling)} <none>:<none>", engine.Docker("images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}").Lines);
            Assert.Contains($"{Short(dangling)} <none>:<none>", engine.Cli("berth", "images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}").Lines);
        }
        finally
        {
            engine.Docker("rmi", Short(dangling), "versioned:1");
        }
    }

    private static string Short(string imageId) => imageId["sha256:".Length..][..12];

    /// <summary>A new image of the busybox files (its own id: the config records when it was made).</summary>
    private string Import(string client, string reference) => engine.CliSlow(client, "import", engine.BusyboxTar, reference).Ok();
}

using System.Globalization;
using System.Security.Cryptography;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary><c>docker inspect</c> with the fields the CLI's own templates and users' scripts read.</summary>
[Collection(BerthCollection.Name)]
public sealed class InspectTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ARunningContainer(string client)
    {
        var name = $"inspected-{client}";
        var id = engine.Cli(client, "run", "-d", "--name", name, "-m", "64m", "busybox", "sleep", "100").Ok();

        string Inspect(string template) => engine.Cli(client, "inspect", "-f", template, name).Ok();

        Assert.Equal("running 0", Inspect("{{.State.Status}} {{.State.ExitCode}}"));
        Assert.Equal("busybox", Inspect("{{.Config.Image}}"));
        Assert.Equal("67108864", Inspect("{{.HostConfig.Memory}}"));
        Assert.Equal("/" + name, Inspect("{{.Name}}"));
        Assert.Equal(id, Inspect("{{.Id}}"));
        Assert.Equal(id, Inspect("{{.ID}}"));
        var pid = Inspect("{{.State.Pid}}");
        Assert.Equal("sleep\0100\0", File.ReadAllText($"/proc/{pid}/cmdline"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnnotationsAreShownAndReachTheRuntime(string client)
    {
        var name = $"annotated-{client}";
        var id = engine.Cli(client, "run", "-d", "--name", name, "--annotation", "com.example.team=payments", "busybox", "sleep", "100").Ok();
        try
        {
            Assert.Equal("""{"com.example.team":"payments"}""", engine.Inspect(name, "{{json .HostConfig.Annotations}}"));
            var config = File.ReadAllText(Path.Join(engine.Daemon.ExecRoot, "containers", id, "config.json"));
            Assert.Contains("\"com.example.team\":\"payments\"", config, StringComparison.Ordinal);
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    [Fact]
    public async Task AnAnnotationWithAnEmptyKeyIsRefusedAtCreate()
    {
        var r = await engine.Api.PostJsonAsync("/containers/create?name=annotated-empty", """{"Image":"busybox","HostConfig":{"Annotations":{"":"x"}}}""");
        Assert.Equal(400, r.Status);
        Assert.Contains("invalid Annotations: the empty string is not permitted as an annotation key", r.Body, StringComparison.Ordinal);
        Assert.Equal("", engine.Docker("ps", "-aq", "--filter", "name=annotated-empty").Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AContainerFoundByAnIdPrefix(string client)
    {
        var id = engine.Cli(client, "create", "busybox").Ok();

        Assert.Equal(id, engine.Cli(client, "inspect", "-f", "{{.Id}}", id[..12]).Ok());
        Assert.Equal(id, engine.Cli(client, "inspect", "-f", "{{.Id}}", id[..6]).Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnExitedContainer(string client)
    {
        var name = $"inspected-exited-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", "exit 7").ExpectExit(7);

        Assert.Equal("exited 7 0 false", engine.Cli(client, "inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.State.Pid}} {{.State.Running}}", name).Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheBusyboxImage(string client)
    {
        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(engine.BusyboxTar)));

        string Inspect(string template) => engine.Cli(client, "image", "inspect", "-f", template, "busybox").Ok();

        Assert.Equal($"[{diffId}]", Inspect("{{.RootFS.Layers}}"));
        Assert.Equal("layers", Inspect("{{.RootFS.Type}}"));
        Assert.Equal("[sh]", Inspect("{{.Config.Cmd}}"));
        Assert.Equal("[busybox:latest]", Inspect("{{.RepoTags}}"));
        Assert.Equal(engine.Cli(client, "images", "-q", "--no-trunc", "busybox:latest").Ok(), Inspect("{{.Id}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void SizeShowsTheWritableLayerAndTheWholeRootfs(string client)
    {
        var name = $"inspected-size-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", "head -c 100000 /dev/zero > /written").Ok();
        var image = long.Parse(engine.Docker("image", "inspect", "-f", "{{.Size}}", "busybox").Ok(), CultureInfo.InvariantCulture);

        var sizes = engine.Cli(client, "inspect", "-s", "-f", "{{.SizeRw}} {{.SizeRootFs}}", name).Ok();

        Assert.Equal($"100000 {100_000 + image}", sizes);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void NoSuchObject(string client)
    {
        var inspect = engine.Cli(client, "inspect", "nosuch");

        inspect.ExpectExit(1);
        Assert.Equal("[]", inspect.Text);
        Assert.Equal("Error: No such object: nosuch\n", inspect.Stderr);
    }
}

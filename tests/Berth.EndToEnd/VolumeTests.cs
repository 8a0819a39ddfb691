using System.Text.Json;
using Berth.EndToEnd.Infrastructure;
using Berth.Volumes.Tests.Plugin;

namespace Berth.EndToEnd;

/// <summary>
/// <c>docker volume</c> and <c>berth volume</c> against berthd: the local driver's directories under the data root,
/// its options (a tmpfs), Docker's errors, prune, and a volume plugin on a socket in Docker's plugin directory.
/// Every test names its volumes after itself and removes them, whatever happened.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class VolumeTests(BerthEngine engine)
{
    private string VolumesRoot => Path.Join(engine.Daemon.DataRoot, "volumes");

    private void Remove(params string[] volumes) => engine.Docker(["volume", "rm", "-f", .. volumes]);

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void CreateListInspectAndRemoveALocalVolume(string client)
    {
        var name = "e2e-vol-" + client;
        try
        {
            Assert.Equal(name, engine.Cli(client, "volume", "create", "--label", "e2e=" + client, name).Ok());

            var listed = engine.Cli(client, "volume", "ls", "--filter", "label=e2e=" + client).Lines;
            Assert.Equal(["DRIVER    VOLUME NAME", "local     " + name], listed);
            Assert.Equal(name, engine.Cli(client, "volume", "ls", "-q", "--filter", "name=" + name).Ok());
            Assert.Equal("local|" + name + "|e2e=" + client, engine.Cli(client, "volume", "ls", "--filter", "label=e2e", "--filter", "driver=local", "--format", "{{.Driver}}|{{.Name}}|{{.Labels}}").Lines.Single(l => l.Contains(name, StringComparison.Ordinal)));

            var data = Path.Join(VolumesRoot, name, "_data");
            using (var doc = JsonDocument.Parse(engine.Cli(client, "volume", "inspect", name).Ok()))
            {
                var v = doc.RootElement[0];
                Assert.Equal(["CreatedAt", "Driver", "Labels", "Mountpoint", "Name", "Options", "Scope"], v.EnumerateObject().Select(p => p.Name));
                Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", v.GetProperty("CreatedAt").GetString());
                Assert.Equal((data, "local", client, JsonValueKind.Null), (v.GetProperty("Mountpoint").GetString(), v.GetProperty("Scope").GetString(), v.GetProperty("Labels").GetProperty("e2e").GetString(), v.GetProperty("Options").ValueKind));
            }
            Assert.True(Directory.Exists(data), data);
            // docker inspect (and berth inspect) fall back to volumes.
            Assert.Equal(data, engine.Cli(client, "inspect", "--format", "{{.Mountpoint}}", name).Ok());

            Assert.Equal(name, engine.Cli(client, "volume", "rm", name).Ok());

            Assert.False(Directory.Exists(Path.Join(VolumesRoot, name)), "the volume's directory is gone");
            var missing = engine.Cli(client, "volume", "inspect", name);
            missing.ExpectExit(1);
            Assert.Contains($"get {name}: no such volume", missing.Stderr, StringComparison.Ordinal);
            Assert.Equal("", engine.Cli(client, "volume", "rm", "-f", name).ExpectExit(0).Stderr.Trim());
        }
        finally
        {
            Remove(name);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnUnnamedVolumeGets64HexAndTheAnonymousLabel(string client)
    {
        var name = engine.Cli(client, "volume", "create").Ok();
        try
        {
            Assert.Matches("^[0-9a-f]{64}$", name);
            Assert.Equal("""{"com.docker.volume.anonymous":""}""", engine.Docker("volume", "inspect", "-f", "{{json .Labels}}", name).Ok());
        }
        finally
        {
            Remove(name);
        }
    }

    [Fact]
    public void CreatingAnExistingNameReturnsIt()
    {
        try
        {
            engine.Docker("volume", "create", "--label", "a=1", "e2e-vol-again").Ok();
            Assert.Equal("e2e-vol-again", engine.Docker("volume", "create", "e2e-vol-again").Ok());
            Assert.Equal("map[a:1]", engine.Docker("volume", "inspect", "-f", "{{.Labels}}", "e2e-vol-again").Ok());
        }
        finally
        {
            Remove("e2e-vol-again");
        }
    }

    [Theory]
    [InlineData("docker", "x1 xy", "name=x1", "x1")]
    [InlineData("berth", "x1 xy", "name=^x", "x1 xy")]
    [InlineData("docker", "x1 xy", "dangling=true", "x1 xy")]
    [InlineData("docker", "x1 xy", "dangling=false", "")]
    public void LsFilters(string client, string volumes, string filter, string expected)
    {
        var names = volumes.Split(' ').Select(v => "e2e-vol-f-" + v).ToArray();
        try
        {
            foreach (var v in names)
            {
                engine.Docker("volume", "create", "--label", "e2e-filter", v).Ok();
            }
            var eq = filter.IndexOf('=', StringComparison.Ordinal);
            var value = filter[(eq + 1)..];
            var f = filter[..eq] == "name" ? "name=" + (value.StartsWith('^') ? "^e2e-vol-f-" + value[1..] : "e2e-vol-f-" + value) : filter;

            var listed = engine.Cli(client, "volume", "ls", "-q", "--filter", "label=e2e-filter", "--filter", f).Lines;

            Assert.Equal(expected.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => "e2e-vol-f-" + v), listed);
        }
        finally
        {
            Remove(names);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PruneRemovesUnusedVolumesAndSaysWhatItFreed(string client)
    {
        var label = "e2e-prune-" + client;
        string[] names = ["e2e-vol-p1-" + client, "e2e-vol-p2-" + client];
        try
        {
            foreach (var v in names)
            {
                engine.Docker("volume", "create", "--label", label, v).Ok();
            }
            File.WriteAllBytes(Path.Join(VolumesRoot, names[0], "_data", "f"), new byte[2000]);
            engine.Docker("volume", "create", "--label", label, "-o", "type=tmpfs", "-o", "device=tmpfs", "e2e-vol-p3-" + client).Ok();

            // compat(docker): at API 1.42 prune takes only anonymous volumes unless --all; a volume with options
            // (here a tmpfs) is never a candidate.
            Assert.Equal("Total reclaimed space: 0B", engine.Cli(client, "volume", "prune", "-f", "--filter", "label=" + label).Ok());
            var output = engine.Cli(client, "volume", "prune", "-f", "--all", "--filter", "label=" + label).Ok();

            Assert.Equal($"Deleted Volumes:\n{names[0]}\n{names[1]}\n\nTotal reclaimed space: 2kB", output);
            Assert.Equal(["e2e-vol-p3-" + client], engine.Docker("volume", "ls", "-q", "--filter", "label=" + label).Lines);
            Assert.False(Directory.Exists(Path.Join(VolumesRoot, names[0])));
        }
        finally
        {
            Remove([.. names, "e2e-vol-p3-" + client]);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PruneTakesAnonymousVolumesUnlessAll(string client)
    {
        var name = "e2e-prune-anon-" + client;
        engine.Cli(client, "run", "--name", name, "-v", "/anon", "busybox", "true").Ok();
        var anonymous = engine.Inspect(name, "{{range .Mounts}}{{.Name}}{{end}}");
        engine.Cli(client, "volume", "create", "e2e-prune-named-" + client).Ok();
        try
        {
            // In use by a stopped container: kept.
            Assert.DoesNotContain(anonymous, engine.Cli(client, "volume", "prune", "-f").Stdout, StringComparison.Ordinal);
            engine.Cli(client, "rm", name).Ok();

            var output = engine.Cli(client, "volume", "prune", "-f").Ok();

            Assert.Contains(anonymous, output, StringComparison.Ordinal);
            Assert.DoesNotContain("e2e-prune-named-" + client, output, StringComparison.Ordinal);
            Assert.Equal("e2e-prune-named-" + client, engine.Docker("volume", "ls", "-q", "--filter", "name=e2e-prune-named-" + client).Ok());
        }
        finally
        {
            engine.Docker("rm", "-f", name);
            Remove("e2e-prune-named-" + client);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ATmpfsVolumeKeepsItsOptionsAndLeavesNothing(string client)
    {
        var name = "e2e-vol-tmpfs-" + client;
        try
        {
            engine.Cli(client, "volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", "-o", "o=size=100m,uid=1000", name).Ok();

            Assert.Equal("""{"device":"tmpfs","o":"size=100m,uid=1000","type":"tmpfs"}""", engine.Docker("volume", "inspect", "-f", "{{json .Options}}", name).Ok());
            var opts = File.ReadAllText(Path.Join(VolumesRoot, name, "opts.json"));
            Assert.Equal("""{"MountType":"tmpfs","MountOpts":"size=100m,uid=1000","MountDevice":"tmpfs","Quota":{"Size":0}}""", opts);

            engine.Cli(client, "volume", "rm", name).Ok();
            Assert.False(Directory.Exists(Path.Join(VolumesRoot, name)));
        }
        finally
        {
            Remove(name);
        }
    }

    [Theory]
    [InlineData("docker", "-d nosuch-driver e2e-vol-nd", "Error response from daemon: create e2e-vol-nd: error looking up volume plugin nosuch-driver: plugin \"nosuch-driver\" not found")]
    [InlineData("berth", "-d nosuch-driver e2e-vol-nd", "Error response from daemon: create e2e-vol-nd: error looking up volume plugin nosuch-driver: plugin \"nosuch-driver\" not found")]
    [InlineData("docker", "a", "Error response from daemon: create a: volume name is too short, names should be at least two alphanumeric characters")]
    [InlineData("docker", "-x.y", "unknown shorthand flag: 'x' in -x.y")]
    [InlineData("docker", "_x", "Error response from daemon: create _x: \"_x\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")]
    [InlineData("berth", "a:b", "Error response from daemon: create a:b: \"a:b\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path")]
    [InlineData("docker", "-o x=1 e2e-vol-bad", "Error response from daemon: create e2e-vol-bad: invalid option: \"x\"")]
    [InlineData("berth", "-o device=/dev/null e2e-vol-bad", "Error response from daemon: create e2e-vol-bad: missing required option: \"type\"")]
    public void BadCreatesAreRefusedInDockersWords(string client, string args, string error)
    {
        var result = engine.Cli(client, ["volume", "create", .. args.Split(' ')]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(error, result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Join(VolumesRoot, "e2e-vol-bad")) || Directory.Exists(Path.Join(VolumesRoot, "e2e-vol-nd")));
    }

    [Fact]
    public async Task TheApiAnswersWithDockersStatusesAndShapes()
    {
        var created = await engine.Api.PostJsonAsync("/v1.41/volumes/create", """{"Name":"e2e-vol-api","Labels":{"rec":"1"}}""");
        try
        {
            Assert.Equal(201, created.Status);
            Assert.Equal(404, (await engine.Api.GetAsync("/v1.41/volumes/e2e-vol-nope")).Status);
            var list = await engine.Api.GetAsync("/v1.41/volumes?filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D");
            Assert.Equal(200, list.Status);
            Assert.Contains("\"Warnings\":null", list.Body, StringComparison.Ordinal);
            Assert.Equal(400, (await engine.Api.GetAsync("/v1.41/volumes?filters=%7B%22nope%22%3A%7B%22x%22%3Atrue%7D%7D")).Status);
            var otherDriver = await engine.Api.PostJsonAsync("/v1.41/volumes/create", """{"Name":"e2e-vol-api","Driver":"nosuch"}""");
            Assert.Equal(404, otherDriver.Status);
            Assert.Contains("error looking up volume plugin nosuch", otherDriver.Body, StringComparison.Ordinal);
            Assert.Contains("local", engine.Docker("info", "--format", "{{.Plugins.Volume}}").Ok(), StringComparison.Ordinal);
        }
        finally
        {
            Remove("e2e-vol-api");
        }
    }

    [Fact]
    public async Task AVolumePluginInDockersPluginDirectoryDrivesVolumes()
    {
        var name = "berth-e2e-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));
        var socket = Path.Join("/run/docker/plugins", name + ".sock");
        var data = Path.Join(engine.Daemon.Directory, "plugin-" + name);
        await using var plugin = new TestVolumePlugin(name, socket, data);
        try
        {
            Assert.Equal("e2e-vol-plug", engine.Docker("volume", "create", "-d", name, "-o", "size=1g", "e2e-vol-plug").Ok());

            Assert.Equal($"{name}|{Path.Join(plugin.DataDir, "e2e-vol-plug")}|local", engine.Docker("volume", "inspect", "-f", "{{.Driver}}|{{.Mountpoint}}|{{.Scope}}", "e2e-vol-plug").Ok());
            Assert.Equal("""{"size":"1g"}""", plugin.CreateOptions["e2e-vol-plug"]!.ToJsonString());
            Assert.Contains(name + "     e2e-vol-plug", engine.Cli("berth", "volume", "ls").Lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, " {2,}", "     ")));
            Assert.Contains(name, engine.Docker("info", "--format", "{{.Plugins.Volume}}").Ok(), StringComparison.Ordinal);

            // A volume the plugin has that berthd was never told of is listed too (Docker asks the plugin).
            Directory.CreateDirectory(Path.Join(plugin.DataDir, "e2e-vol-plug-own"));
            Assert.Contains("e2e-vol-plug-own", engine.Docker("volume", "ls", "-q", "--filter", "driver=" + name).Lines);

            engine.Docker("volume", "rm", "e2e-vol-plug").Ok();
            Assert.False(Directory.Exists(Path.Join(plugin.DataDir, "e2e-vol-plug")));
            Assert.Contains("VolumeDriver.Remove", plugin.Methods);

            engine.Docker("volume", "rm", "e2e-vol-plug-own").Ok();
            Assert.False(Directory.Exists(Path.Join(plugin.DataDir, "e2e-vol-plug-own")));
        }
        finally
        {
            Remove("e2e-vol-plug", "e2e-vol-plug-own");
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AStartThatFailsKeepsTheFilesOfAVolumeSubpath(string client)
    {
        // The subpath is bound in the bundle for the start; removing the bundle of a failed start must not
        // delete through that bind into the volume.
        var volume = $"subpath-keep-{client}";
        engine.Docker("volume", "create", volume).Ok();
        try
        {
            engine.Docker("run", "--rm", "-v", volume + ":/v", "busybox", "sh", "-c", "mkdir /v/sub && echo kept > /v/sub/file").Ok();
            var r = engine.Cli(client, "run", "--rm", "--mount", $"type=volume,src={volume},dst=/data,volume-subpath=sub", "busybox", "/no/such/program");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Equal("kept", engine.Docker("run", "--rm", "-v", volume + ":/v", "busybox", "cat", "/v/sub/file").Ok());
        }
        finally
        {
            engine.Docker("volume", "rm", "-f", volume);
        }
    }
}

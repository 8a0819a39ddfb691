namespace Berth.Cli.Tests;

/// <summary>
/// <c>berth volume ...</c> against a stand-in daemon: request bodies byte for byte and outputs as the docker CLI's
/// in docker-api-traffic/volume-*.txt and inspect-volume.txt.
/// </summary>
public sealed class VolumeCommandTests
{
    private const string Anonymous = "3e64535025ac4e4c1877b259680031a6c87095818543c2c008a443e350ce44ae";

    // volume-create.txt
    private const string RecVol = """{"CreatedAt":"2026-11-25T11:52:46Z","Driver":"local","Labels":{"rec":"1"},"Mountpoint":"/var/lib/docker/volumes/rec-vol/_data","Name":"rec-vol","Options":null,"Scope":"local"}""";

    private const string Other = """{"CreatedAt":"2026-11-25T11:52:47Z","Driver":"plug","Labels":null,"Mountpoint":"/p/other","Name":"other10","Options":{"type":"tmpfs"},"Scope":"global","UsageData":{"Size":2048,"RefCount":2}}""";

    private const string Other2 = """{"CreatedAt":"2026-11-25T11:52:47Z","Driver":"local","Labels":{"b":"2","a":"1"},"Mountpoint":"/p/other2","Name":"other2","Options":null,"Scope":"local"}""";

    private static FakeDaemon Daemon(string apiVersion = "1.41") => new FakeDaemon(apiVersion)
        .On("POST /volumes/create", 201, RecVol)
        .On("GET /volumes", 200, "{\"Volumes\":[" + Other + "," + RecVol + "," + Other2 + "],\"Warnings\":null}")
        .On("GET /volumes/rec-vol", 200, RecVol)
        .On("GET /volumes/missing", 404, """{"message":"get missing: no such volume"}""")
        .On("DELETE /volumes/rec-vol-tmp", 204)
        .On("DELETE /volumes/used", 409, """{"message":"remove used: volume is in use - [abc]"}""")
        .On("DELETE /volumes/missing", 404, """{"message":"get missing: no such volume"}""")
        .On("POST /volumes/prune", 200, """{"VolumesDeleted":["rec-vol-prune"],"SpaceReclaimed":0}""");

    [Fact]
    public void CreateSendsTheRecordedBody()
    {
        using var d = Daemon();
        Assert.Equal((0, "rec-vol\n", ""), CliRunner.Run(d, "volume", "create", "--label", "rec=1", "rec-vol"));
        var request = Assert.Single(d.Requests);
        Assert.Equal(("POST", "1.41", "/volumes/create", "application/json"), (request.Method, request.Version, request.Target, request.ContentType));
        Assert.Equal("""{"Driver":"local","Labels":{"rec":"1"},"Name":"rec-vol"}""" + "\n", request.BodyText);
        Assert.Equal(57, request.Body.Length);
    }

    [Theory]
    [InlineData("", """{"Driver":"local"}""")]
    [InlineData("--name n1 -d plug", """{"Driver":"plug","Name":"n1"}""")]
    [InlineData("-o type=tmpfs -o device=tmpfs -o o=size=100m,uid=1000 --label b --label a=1 t", """{"Driver":"local","DriverOpts":{"device":"tmpfs","o":"size=100m,uid=1000","type":"tmpfs"},"Labels":{"a":"1","b":""},"Name":"t"}""")]
    public void CreateBodies(string args, string body)
    {
        using var d = Daemon();
        var (code, _, err) = CliRunner.Run(d, ["volume", "create", .. args.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        Assert.Equal((0, ""), (code, err));
        Assert.Equal(body + "\n", Assert.Single(d.Requests).BodyText);
    }

    [Theory]
    [InlineData("--name a b", 1, "conflicting options: cannot specify a volume-name through both --name and as a positional arg\n")]
    [InlineData("a b", 1, "berth: 'berth volume create' requires at most 1 argument\n\nUsage:  berth volume create [OPTIONS] [VOLUME]\n\nRun 'berth volume create --help' for more information\n")]
    public void CreateErrors(string args, int code, string stderr)
    {
        using var d = Daemon();
        Assert.Equal((code, "", stderr), CliRunner.Run(d, ["volume", "create", .. args.Split(' ')]));
        Assert.Empty(d.Requests);
    }

    [Fact]
    public void LsPrintsDockersTableSortedByName()
    {
        using var d = Daemon();
        Assert.Equal((0, "DRIVER    VOLUME NAME\nlocal     other2\nplug      other10\nlocal     rec-vol\n", ""), CliRunner.Run(d, "volume", "ls"));
    }

    [Theory]
    [InlineData("-q", "other2\nother10\nrec-vol\n")]
    [InlineData("--format {{.Name}}:{{.Labels}}:{{.Label \"a\"}}:{{.Scope}}:{{.Links}}:{{.Size}}", "other2:a=1,b=2:1:local:N/A:N/A\nother10:::global:2:2.048kB\nrec-vol:rec=1::local:N/A:N/A\n")]
    [InlineData("--format table {{.Name}}\t{{.Mountpoint}}", "VOLUME NAME   MOUNTPOINT\nother2        /p/other2\nother10       /p/other\nrec-vol       /var/lib/docker/volumes/rec-vol/_data\n")]
    [InlineData("--format raw -q", "name: other2\nname: other10\nname: rec-vol\n")]
    public void LsFormats(string args, string output)
    {
        using var d = Daemon();
        var argv = args.StartsWith("--format ", StringComparison.Ordinal) && !args.EndsWith("-q", StringComparison.Ordinal) ? ["--format", args["--format ".Length..]] : args.Split(' ');
        Assert.Equal((0, output, ""), CliRunner.Run(d, ["volume", "ls", .. argv]));
    }

    [Fact]
    public void LsJsonIsDockersVolumeContext()
    {
        using var d = Daemon().On("GET /volumes", 200, "{\"Volumes\":[" + RecVol + "],\"Warnings\":null}");
        Assert.Equal((0, """{"Availability":"N/A","Driver":"local","Group":"N/A","Labels":"rec=1","Links":"N/A","Mountpoint":"/var/lib/docker/volumes/rec-vol/_data","Name":"rec-vol","Scope":"local","Size":"N/A","Status":"N/A"}""" + "\n", ""),
            CliRunner.Run(d, "volume", "ls", "--format", "{{json .}}"));
    }

    [Fact]
    public void LsSendsTheRecordedFilters()
    {
        using var d = Daemon();
        CliRunner.Run(d, "volume", "ls", "--filter", "label=rec=1", "--filter", "dangling=false");
        Assert.Equal("/volumes?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%2C%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D", Assert.Single(d.Requests).Target);
    }

    [Fact]
    public void InspectPrintsTheObjectIndented()
    {
        using var d = Daemon();
        Assert.Equal((0, """
            [
                {
                    "CreatedAt": "2026-11-25T11:52:46Z",
                    "Driver": "local",
                    "Labels": {
                        "rec": "1"
                    },
                    "Mountpoint": "/var/lib/docker/volumes/rec-vol/_data",
                    "Name": "rec-vol",
                    "Options": null,
                    "Scope": "local"
                }
            ]

            """, ""), CliRunner.Run(d, "volume", "inspect", "rec-vol"));
        Assert.Equal((1, "local\n", "Error response from daemon: get missing: no such volume\n"), CliRunner.Run(d, "volume", "inspect", "-f", "{{.Driver}}", "rec-vol", "missing"));
    }

    [Fact]
    public void TopLevelInspectFindsAVolume()
    {
        using var d = Daemon()
            .On("GET /containers/rec-vol/json", 404, """{"message":"No such container: rec-vol"}""")
            .On("GET /images/rec-vol/json", 404, """{"message":"No such image: rec-vol:latest"}""")
            .On("GET /networks/rec-vol", 404, """{"message":"network rec-vol not found"}""");
        Assert.Equal((0, "/var/lib/docker/volumes/rec-vol/_data\n", ""), CliRunner.Run(d, "inspect", "--format", "{{.Mountpoint}}", "rec-vol"));
    }

    [Fact]
    public void RmJoinsTheFailures()
    {
        using var d = Daemon();
        var (code, output, err) = CliRunner.Run(d, "volume", "rm", "missing", "rec-vol-tmp", "used");
        Assert.Equal((1, "rec-vol-tmp\n"), (code, output));
        Assert.Equal("Error response from daemon: get missing: no such volume\nError response from daemon: remove used: volume is in use - [abc]\n", err);
        Assert.Equal(["DELETE /volumes/missing", "DELETE /volumes/rec-vol-tmp", "DELETE /volumes/used"], d.Requests.Select(r => r.ToString()));
    }

    [Fact]
    public void RmForceSendsForce()
    {
        using var d = Daemon().On("DELETE /volumes/missing", 204);
        Assert.Equal((0, "missing\n", ""), CliRunner.Run(d, "volume", "rm", "-f", "missing"));
        Assert.Equal("/volumes/missing?force=1", Assert.Single(d.Requests).Target);
    }

    [Fact]
    public void PruneSendsFiltersAndListsWhatWent()
    {
        using var d = Daemon();
        Assert.Equal((0, "Deleted Volumes:\nrec-vol-prune\n\nTotal reclaimed space: 0B\n", ""), CliRunner.Run(d, "volume", "prune", "-f", "--filter", "label=rec=1"));
        Assert.Equal("/volumes/prune?filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D", Assert.Single(d.Requests).Target);
    }

    [Theory]
    [InlineData("1.41", "", "WARNING! This will remove all local volumes not used by at least one container.", "/volumes/prune")]
    [InlineData("1.41", "--all", "WARNING! This will remove all local volumes not used by at least one container.", "/volumes/prune")]
    [InlineData("1.42", "", "WARNING! This will remove anonymous local volumes not used by at least one container.", "/volumes/prune")]
    [InlineData("1.42", "-a", "WARNING! This will remove all local volumes not used by at least one container.", "/volumes/prune?filters=%7B%22all%22%3A%7B%22true%22%3Atrue%7D%7D")]
    public void PruneAsksAsDockerAtEachVersion(string apiVersion, string flag, string warning, string target)
    {
        using var d = Daemon(apiVersion).On("POST /volumes/prune", 200, """{"VolumesDeleted":["a","b"],"SpaceReclaimed":123456}""");
        var (code, output, _) = CliRunner.Run("y\n", ["-H", d.Host, "volume", "prune", .. flag.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);
        Assert.Equal(0, code);
        Assert.Equal(warning + "\nAre you sure you want to continue? [y/N] Deleted Volumes:\na\nb\n\nTotal reclaimed space: 123.5kB\n", output);
        Assert.Equal(target, Assert.Single(d.Requests).Target);
    }

    [Fact]
    public void PruneNoIsCancelledQuietly()
    {
        using var d = Daemon();
        var (code, _, err) = CliRunner.Run("n\n", "-H", d.Host, "volume", "prune");
        Assert.Equal((0, ""), (code, err));
        Assert.Empty(d.Requests);
    }

    [Fact]
    public void PruneRefusesAllTwice()
    {
        using var d = Daemon("1.42");
        Assert.Equal((1, "", "conflicting options: cannot specify both --all and --filter all=1\n"), CliRunner.Run(d, "volume", "prune", "-a", "--filter", "all=1"));
    }

    [Fact]
    public void VolumeWithoutSubcommandShowsHelp()
    {
        var (code, output, err) = CliRunner.Run("", "volume");
        Assert.Equal((0, ""), (code, output));
        Assert.Contains("  prune       Remove unused local volumes\n", err, StringComparison.Ordinal);
    }
}

namespace Berth.Cli.Tests;

/// <summary>
/// <c>berth system df</c>, <c>system prune</c> and the image, container and builder prunes against a stand-in
/// daemon: the requests the docker CLI sends (docker-api-traffic/system-df*.txt, image-prune.txt,
/// container-prune.txt) and its outputs (their layout compared with docker 28.2.2 against berthd and dockerd).
/// </summary>
public sealed class DiskUsageCommandTests
{
    private const string Busybox = "sha256:b2f80f6502324ed0c608d64ebfc48f607ad51c4cb0abd954bb2dc77edea14da1";
    private const string Imported = "sha256:65548ad561296175fe48325159c1b885780748935730792010e6fa8a3e4ac083";

    // system-df.txt, cut to two images, two containers and two volumes.
    private static readonly string Df = """
        {"LayersSize":1982430,
         "Images":[
          {"Containers":0,"Created":1795608324,"Id":"IMPORTED","Labels":null,"ParentId":"","RepoDigests":["localhost:5000/rec/imported@sha256:f27c60bf65fb2e0e5f6f49a39a51e2f5b31c3bf6e10ffe2e7bcb2990d42936ab"],"RepoTags":["localhost:5000/rec/imported:v1"],"SharedSize":0,"Size":9,"VirtualSize":9},
          {"Containers":2,"Created":1795607277,"Id":"BUSYBOX","Labels":null,"ParentId":"","RepoDigests":null,"RepoTags":["busybox:local"],"SharedSize":1982361,"Size":1982361,"VirtualSize":1982361}],
         "Containers":[
          {"Id":"cce4fae8191a42fdaa300637c09eefa54825dbc6a858158c6f68f7084fd44787","Names":["/rec-cat"],"Image":"busybox:local","ImageID":"BUSYBOX","Command":"cat","Created":1795607609,"Ports":[],"SizeRootFs":1982361,"Labels":{},"State":"running","Status":"Up 13 minutes","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[{"Type":"volume","Name":"rec-vol","Driver":"local","Destination":"/vol","RW":true}]},
          {"Id":"991f01449356f7157495472784e4356517e765c3eae59ebcdcf1e1c64bc1937d","Names":["/rec-exited"],"Image":"busybox:local","ImageID":"BUSYBOX","Command":"sh -c 'exit 3'","Created":1795607575,"Ports":[],"SizeRw":307200,"SizeRootFs":2289561,"Labels":{},"State":"exited","Status":"Exited (3) 13 minutes ago","HostConfig":{"NetworkMode":"default"},"NetworkSettings":{"Networks":{}},"Mounts":[]}],
         "Volumes":[
          {"CreatedAt":"2026-11-25T12:05:12Z","Driver":"local","Labels":{"rec":"1"},"Mountpoint":"/var/lib/docker/volumes/rec-vol/_data","Name":"rec-vol","Options":null,"Scope":"local","UsageData":{"RefCount":1,"Size":14}},
          {"CreatedAt":"2026-11-25T12:06:32Z","Driver":"local","Labels":null,"Mountpoint":"/var/lib/docker/volumes/3e64/_data","Name":"3e64535025ac4e4c1877b259680031a6c87095818543c2c008a443e350ce44ae","Options":null,"Scope":"local","UsageData":{"RefCount":0,"Size":1000}}],
         "BuildCache":[],"BuilderSize":0}
        """.Replace("IMPORTED", Imported, StringComparison.Ordinal).Replace("BUSYBOX", Busybox, StringComparison.Ordinal);

    private static FakeDaemon Daemon() => new FakeDaemon()
        .On("GET /system/df", 200, Df)
        .On("POST /containers/prune", 200, """{"ContainersDeleted":["288ab57194c473b2504cfcb5d56d08576ca97b65146578a26fb8440c6f02bc34"],"SpaceReclaimed":307200}""")
        .On("POST /networks/prune", 200, """{"NetworksDeleted":null}""")
        .On("POST /volumes/prune", 200, """{"VolumesDeleted":["rec-vol-prune"],"SpaceReclaimed":14}""")
        .On("POST /images/prune", 200, """{"ImagesDeleted":[{"Untagged":"localhost:5000/rec/imported:v1"},{"Deleted":"IMPORTED"}],"SpaceReclaimed":9}""".Replace("IMPORTED", Imported, StringComparison.Ordinal))
        .On("POST /build/prune", 200, """{"CachesDeleted":null,"SpaceReclaimed":0}""");

    [Fact]
    public void DfSumsUpAsDockerDoes()
    {
        using var d = Daemon();
        const string expected = """
            TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE
            Images          2         1         1.982MB   1.982MB (100%)
            Containers      2         1         307.2kB   307.2kB (100%)
            Local Volumes   2         1         1.014kB   1kB (98%)
            Build Cache     0         0         0B        0B

            """;
        Assert.Equal((0, expected, ""), CliRunner.Run(d, "system", "df"));
        Assert.Equal(("GET", "/system/df"), (d.Requests[0].Method, d.Requests[0].Target));
    }

    [Fact]
    public void DfFormatsEachLine()
    {
        using var d = Daemon();
        const string expected = """
            {"Active":"1","Reclaimable":"1.982MB (100%)","Size":"1.982MB","TotalCount":"2","Type":"Images"}
            {"Active":"1","Reclaimable":"307.2kB (100%)","Size":"307.2kB","TotalCount":"2","Type":"Containers"}
            {"Active":"1","Reclaimable":"1kB (98%)","Size":"1.014kB","TotalCount":"2","Type":"Local Volumes"}
            {"Active":"0","Reclaimable":"0B","Size":"0B","TotalCount":"0","Type":"Build Cache"}

            """;
        Assert.Equal((0, expected, ""), CliRunner.Run(d, "system", "df", "--format", "json"));
    }

    [Fact]
    public void DfVerboseListsEachKind()
    {
        using var d = Daemon();
        var (code, output, _) = CliRunner.Run(d, "system", "df", "-v");

        Assert.Equal(0, code);
        var lines = output.Split('\n');
        Assert.Equal("Images space usage:", lines[0]);
        Assert.Matches(@"^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\s+SHARED SIZE\s+UNIQUE SIZE\s+CONTAINERS$", lines[2]);
        Assert.Matches(@"^localhost:5000/rec/imported\s+v1\s+65548ad56129\s+.+ ago\s+9B\s+0B\s+9B\s+0$", lines[3]);
        Assert.Matches(@"^busybox\s+local\s+b2f80f650232\s+.+ ago\s+1.98MB\s+1.982MB\s+0B\s+2$", lines[4]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^cce4fae8191a\s+busybox:local\s+""cat""\s+1\s+0B\s+.+ ago\s+Up 13 minutes\s+rec-cat$"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^991f01449356\s+busybox:local\s+""sh -c 'exit 3'""\s+0\s+307kB\s+.+ ago\s+Exited \(3\) 13 minutes ago\s+rec-exited$"));
        Assert.Contains("rec-vol                                                            1         14B", lines);
        Assert.Contains("Build cache usage: 0B", lines);
        Assert.Equal("CACHE ID   CACHE TYPE   SIZE      CREATED   LAST USED   USAGE     SHARED", lines[^2]);
    }

    [Fact]
    public void SystemPruneCallsEachPrunerThenTotals()
    {
        using var d = Daemon();
        const string expected = """
            Deleted Containers:
            288ab57194c473b2504cfcb5d56d08576ca97b65146578a26fb8440c6f02bc34

            Deleted Volumes:
            rec-vol-prune

            Deleted Images:
            untagged: localhost:5000/rec/imported:v1
            deleted: sha256:65548ad561296175fe48325159c1b885780748935730792010e6fa8a3e4ac083

            Total reclaimed space: 307.2kB

            """;
        Assert.Equal((0, expected, ""), CliRunner.Run(d, "system", "prune", "-a", "-f", "--volumes", "--filter", "label=rec=1"));
        Assert.Equal(
        [
            "POST /containers/prune?filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D",
            "POST /networks/prune?filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D",
            "POST /volumes/prune?filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D",
            "POST /images/prune?filters=%7B%22dangling%22%3A%7B%22false%22%3Atrue%7D%2C%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D",
            "POST /build/prune?all=1&filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D",
        ], d.Requests.Select(r => r.ToString()));
    }

    [Theory]
    [InlineData(false, false, new string[0], "  - all stopped containers\n  - all networks not used by at least one container\n  - all dangling images\n  - unused build cache\n\nAre you sure")]
    [InlineData(true, true, new[] { "until=24h", "label=b", "label=a", "dangling=true" }, "  - all anonymous volumes not used by at least one container\n  - all images without at least one container associated to them\n  - all build cache\n\n  Items to be pruned will be filtered with:\n  - label=a\n  - label=b\n  - until=24h\n\nAre you sure")]
    public void SystemPruneSaysWhatWillGo(bool all, bool volumes, string[] filters, string tail)
    {
        var message = Commands.SystemPruneCommand.Confirmation(all, volumes, filters);

        Assert.StartsWith("WARNING! This will remove:\n  - all stopped containers\n", message, StringComparison.Ordinal);
        Assert.EndsWith(tail + " you want to continue?", message, StringComparison.Ordinal);
    }

    [Fact]
    public void SystemPruneRefusesUntilWithVolumes()
    {
        using var d = Daemon();
        Assert.Equal((1, "", "ERROR: The \"until\" filter is not supported with \"--volumes\"\n"), CliRunner.Run(d, "system", "prune", "--volumes", "--filter", "until=1h"));
        Assert.Empty(d.Requests);
    }

    [Theory]
    [InlineData(new[] { "image", "prune", "-f", "--filter", "label=rec=1" }, "POST /images/prune?filters=%7B%22dangling%22%3A%7B%22true%22%3Atrue%7D%2C%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D", "Deleted Images:\nuntagged: localhost:5000/rec/imported:v1\ndeleted: " + Imported + "\n\nTotal reclaimed space: 9B\n")]
    [InlineData(new[] { "container", "prune", "-f", "--filter", "label=rec=1" }, "POST /containers/prune?filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D", "Deleted Containers:\n288ab57194c473b2504cfcb5d56d08576ca97b65146578a26fb8440c6f02bc34\n\nTotal reclaimed space: 307.2kB\n")]
    [InlineData(new[] { "builder", "prune", "-f" }, "POST /build/prune", "Total reclaimed space: 0B\n")]
    public void PrunesSendTheirFiltersAndReport(string[] args, string request, string output)
    {
        using var d = Daemon();
        Assert.Equal((0, output, ""), CliRunner.Run(d, args));
        Assert.Equal(request, Assert.Single(d.Requests).ToString());
    }

    [Theory]
    [InlineData(new[] { "image", "prune" }, "WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ")]
    [InlineData(new[] { "image", "prune", "-a" }, "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue? [y/N] ")]
    [InlineData(new[] { "container", "prune" }, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ")]
    [InlineData(new[] { "builder", "prune" }, "WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] ")]
    public void PrunesAskFirstAndANoSendsNothing(string[] args, string question)
    {
        using var d = Daemon();
        Assert.Equal((0, question, ""), CliRunner.Run("n\n", ["-H", d.Host, .. args]));
        Assert.Empty(d.Requests);
    }
}

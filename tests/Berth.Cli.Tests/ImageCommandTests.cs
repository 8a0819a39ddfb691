using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Commands;
using Berth.Cli.Flags;

namespace Berth.Cli.Tests;

/// <summary>
/// <c>build</c>, <c>commit</c> and <c>history</c>: query strings and outputs as the docker CLI's in
/// docker-api-traffic/build*.txt, commit.txt, history*.txt.
/// </summary>
public sealed class ImageCommandTests : IDisposable
{
    private const string CommittedId = "sha256:ee5e8338f1a9f05f43b07c2184c783dbe093bf5b1999a6a5645ec77fba337f09";

    // history.txt
    private const string History = """
        [{"Comment":"rec commit","Created":1795608319,"CreatedBy":"httpd -f -v -p 80 -h /www","Id":"sha256:ee5e8338f1a9f05f43b07c2184c783dbe093bf5b1999a6a5645ec77fba337f09","Size":0,"Tags":["rec-committed:v1","rec-tagged:latest"]},
         {"Comment":"Imported from -","Created":1795607277,"CreatedBy":"","Id":"sha256:b2f80f6502324ed0c608d64ebfc48f607ad51c4cb0abd954bb2dc77edea14da1","Size":1982361,"Tags":["busybox:local"]}]
        """;

    private const string LayeredHistory = """
        [{"Comment":"","Created":1795608319,"CreatedBy":"/bin/sh -c #(nop)  CMD [\"cat\" \"/app/hello.txt\"]\tand more words here","Id":"sha256:2af6de1d4eb8","Size":0,"Tags":null},
         {"Comment":"","Created":1795608300,"CreatedBy":"/bin/sh -c echo hi","Id":"<missing>","Size":123456789,"Tags":null},
         {"Comment":"","Created":0,"CreatedBy":"","Id":"<missing>","Size":5,"Tags":null}]
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("berth-build-cmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string HistoryTable(string json, string format = "table", bool quiet = false, bool human = true, bool trunc = true)
    {
        using var doc = JsonDocument.Parse(json);
        return HistoryCommand.Render(doc.RootElement, HistoryCommand.Format(format, quiet, human), trunc, human, DateTimeOffset.FromUnixTimeSeconds(1795608321));
    }

    [Fact]
    public void HistoryTableMatchesDocker()
    {
        const string expected = """
            IMAGE          CREATED          CREATED BY                  SIZE      COMMENT
            ee5e8338f1a9   2 seconds ago    httpd -f -v -p 80 -h /www   0B        rec commit
            b2f80f650232   17 minutes ago                               1.98MB    Imported from -

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), HistoryTable(History));
    }

    [Fact]
    public void HistoryNoTruncFormatMatchesDocker() =>
        // history-notrunc.txt: --no-trunc --format '{{.ID}} {{.CreatedBy}}' busybox:local
        Assert.Equal("sha256:b2f80f6502324ed0c608d64ebfc48f607ad51c4cb0abd954bb2dc77edea14da1 \n",
            HistoryTable("[" + History.Split('\n')[1].Trim(), "{{.ID}} {{.CreatedBy}}", trunc: false));

    [Fact]
    public void HistoryTruncatesCreatedByAndKeepsMissing()
    {
        var table = HistoryTable(LayeredHistory).Split('\n');
        Assert.Equal("IMAGE          CREATED          CREATED BY                                      SIZE      COMMENT", table[0]);
        Assert.Equal("2af6de1d4eb8   2 seconds ago    /bin/sh -c #(nop)  CMD [\"cat\" \"/app/hello.tx…   0B        ", table[1]);
        Assert.Equal("<missing>      21 seconds ago   /bin/sh -c echo hi                              123MB     ", table[2]);
        Assert.Equal("<missing>      N/A                                                              5B        ", table[3]);
        Assert.Equal("2af6de1d4eb8\n<missing>\n<missing>\n", HistoryTable(LayeredHistory, quiet: true));
        Assert.Contains("/bin/sh -c #(nop)  CMD [\"cat\" \"/app/hello.txt\"] and more words here", HistoryTable(LayeredHistory, trunc: false), StringComparison.Ordinal);
    }

    [Fact]
    public void HistoryWithoutHumanPrintsRfc3339AndBytes()
    {
        var table = HistoryTable(History, human: false).Split('\n');
        Assert.StartsWith("IMAGE          CREATED AT ", table[0], StringComparison.Ordinal);
        var created = Formatting.HistoryRow.Rfc3339(1795607277);
        Assert.Matches("^2026-11-2[45]T\\d\\d:\\d\\d:57(Z|[+-]\\d\\d:\\d\\d)$", created);
        Assert.StartsWith("b2f80f650232   " + created + " ", table[2], StringComparison.Ordinal);
        Assert.Contains("   1982361   Imported from -", table[2], StringComparison.Ordinal);
        Assert.Equal("{\"Comment\":\"rec commit\",\"CreatedAt\":\"" + Formatting.HistoryRow.Rfc3339(1795608319) +
            "\",\"CreatedBy\":\"httpd -f -v -p 80 -h /www\",\"CreatedSince\":\"2 seconds ago\",\"ID\":\"ee5e8338f1a9\",\"Size\":\"0B\"}\n",
            HistoryTable("[" + History.Split('\n')[0].Trim().TrimStart('[').TrimEnd(',') + "]", "{{json .}}"));
    }

    [Fact]
    public void HistoryRequestsTheImage()
    {
        using var d = new FakeDaemon().On("GET /images/busybox:local/history", 200, History.ReplaceLineEndings(""));
        var (code, stdout, stderr) = CliRunner.Run(d, "image", "history", "-q", "busybox:local");
        Assert.Equal((0, "ee5e8338f1a9\nb2f80f650232\n", ""), (code, stdout, stderr));
        Assert.Equal("/images/busybox:local/history", Assert.Single(d.Requests).Target);
    }

    [Fact]
    public void CommitSendsTheRecordedQuery()
    {
        using var d = new FakeDaemon().On("POST /commit", 201, "{\"Id\":\"" + CommittedId + "\"}");
        var result = CliRunner.Run(d, "commit", "-m", "rec commit", "-a", "rec author", "-c", "ENV COMMITTED=1", "-c", "CMD [\"sh\"]", "rec-web", "rec-committed:v1");
        Assert.Equal((0, CommittedId + "\n", ""), result);
        var request = Assert.Single(d.Requests);
        Assert.Equal("POST /commit?author=rec+author&changes=ENV+COMMITTED%3D1&changes=CMD+%5B%22sh%22%5D&comment=rec+commit&container=rec-web&repo=docker.io%2Flibrary%2Frec-committed&tag=v1",
            request.Method + " " + request.Target);
    }

    [Theory]
    [InlineData("rec-web", "author=&comment=&container=rec-web&repo=&tag=")]
    [InlineData("--pause=false rec-web x", "author=&comment=&container=rec-web&pause=0&repo=docker.io%2Flibrary%2Fx&tag=latest")]
    [InlineData("-p=false rec-web localhost:5000/a/b:v2", "author=&comment=&container=rec-web&pause=0&repo=localhost%3A5000%2Fa%2Fb&tag=v2")]
    public void CommitQueries(string args, string query)
    {
        using var d = new FakeDaemon().On("POST /commit", 201, "{\"Id\":\"" + CommittedId + "\"}");
        Assert.Equal(0, CliRunner.Run(d, ["container", "commit", .. args.Split(' ')]).Code);
        Assert.Equal("/commit?" + query, Assert.Single(d.Requests).Target);
    }

    [Theory]
    [InlineData("c x@sha256:0000000000000000000000000000000000000000000000000000000000000000", "refusing to create a tag with a digest reference\n")]
    [InlineData("c Upper", "invalid reference format: repository name (library/Upper) must be lowercase\n")]
    public void CommitRefusesBadReferences(string args, string stderr)
    {
        using var d = new FakeDaemon();
        Assert.Equal((1, "", stderr), CliRunner.Run(d, ["commit", .. args.Split(' ')]));
        Assert.Empty(d.Requests);
    }

    private static FlagSet BuildFlags(string args)
    {
        var flags = new FlagSet();
        new BuildCommand().DefineFlags(flags);
        flags.Parse(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return flags;
    }

    [Theory]
    // build.txt
    [InlineData("-t rec-built:v1 --build-arg BUILD_ARG=fromcli --label extra=yes", "Dockerfile",
        "buildargs=%7B%22BUILD_ARG%22%3A%22fromcli%22%7D&dockerfile=Dockerfile&labels=%7B%22extra%22%3A%22yes%22%7D&t=rec-built%3Av1&version=1")]
    // build-quiet-stdin-dockerfile.txt
    [InlineData("-q -t rec-built:v2 -f -", ".dockerfile.b661145c1c709369434c", "dockerfile=.dockerfile.b661145c1c709369434c&q=1&t=rec-built%3Av2&version=1")]
    [InlineData("", "", "version=1")]
    [InlineData("--no-cache --pull --rm=false --force-rm -t a -t b:2 --target stage1 --network host --platform Linux/ARM64 --shm-size 64m",
        "Dockerfile", "dockerfile=Dockerfile&forcerm=1&networkmode=host&nocache=1&platform=linux%2Farm64&pull=1&rm=0&shmsize=67108864&t=a&t=b%3A2&target=stage1&version=1")]
    [InlineData("--build-arg FROM_ENV --build-arg UNSET --build-arg B=<&> --label flag --label z=1 --label flag=2", "",
        "buildargs=%7B%22B%22%3A%22%5Cu003c%5Cu0026%5Cu003e%22%2C%22FROM_ENV%22%3A%22env+value%22%2C%22UNSET%22%3Anull%7D&labels=%7B%22flag%22%3A%222%22%2C%22z%22%3A%221%22%7D&version=1")]
    [InlineData("--network default --rm --cache-from a,b -m 1g --cpu-shares 512", "",
        "cachefrom=%5B%22a%22%2C%22b%22%5D&cpushares=512&memory=1073741824&version=1")]
    public void BuildQueries(string args, string relDockerfile, string query) =>
        Assert.Equal(query, BuildCommand.Query(BuildFlags(args), relDockerfile, name => name == "FROM_ENV" ? "env value" : null).Encode());

    [Fact]
    public void BuildPlatformDefaultsToTheEnvironment() =>
        Assert.Equal("platform=linux%2Famd64&version=1",
            BuildCommand.Query(BuildFlags(""), "", name => name == "DOCKER_DEFAULT_PLATFORM" ? "linux/amd64" : null).Encode());

    [Theory]
    [InlineData(5632, true, "Sending build context to Docker daemon  5.632kB\r\r\n")]
    [InlineData(5150, true, "Sending build context to Docker daemon   5.15kB\r\r\n")]
    [InlineData(2_500_000, false, "Sending build context to Docker daemon    2.5MB\r")]
    public void ProgressLineMatchesDocker(long total, bool last, string line) => Assert.Equal(line, BuildCommand.ProgressLine(total, last));

    private const string BuildStream = """
        {"stream":"Step 1/2 : FROM busybox:local"}
        {"stream":"\n"}
        {"stream":" ---\u003e b2f80f650232\n"}
        {"stream":"Step 2/2 : LABEL extra=yes"}
        {"stream":"\n"}
        {"aux":{"ID":"sha256:ddc7f30ed6537596001a10ee6f8670e9ccef0772c0cb7a00958c303bfe62f71d"}}
        {"stream":"Successfully built ddc7f30ed653\n"}
        {"stream":"Successfully tagged rec-built:v1\n"}
        """;

    private void Context()
    {
        Directory.CreateDirectory(Path.Join(_dir, "sub"));
        File.WriteAllText(Path.Join(_dir, "Dockerfile"), "FROM busybox:local\n");
        File.WriteAllText(Path.Join(_dir, "sub/s.txt"), "sub file\n");
    }

    [Fact]
    public void BuildSendsTheContextAndPrintsTheStream()
    {
        Context();
        using var d = new FakeDaemon().On("POST /build", 200, BuildStream.ReplaceLineEndings("\n"));
        var iid = Path.Join(_dir, "iid");
        File.WriteAllText(iid, "stale");
        var (code, stdout, stderr) = CliRunner.Run(d, "build", "-t", "rec-built:v1", "--label", "extra=yes", "--iidfile", iid, _dir);
        Assert.Equal((0, ""), (code, stderr));
        Assert.Equal("Sending build context to Docker daemon  3.584kB\r\r\nStep 1/2 : FROM busybox:local\n ---> b2f80f650232\nStep 2/2 : LABEL extra=yes\n" +
            "Successfully built ddc7f30ed653\nSuccessfully tagged rec-built:v1\n", stdout);
        Assert.Equal("sha256:ddc7f30ed6537596001a10ee6f8670e9ccef0772c0cb7a00958c303bfe62f71d", File.ReadAllText(iid));
        var request = Assert.Single(d.Requests);
        Assert.Equal("/build?dockerfile=Dockerfile&labels=%7B%22extra%22%3A%22yes%22%7D&t=rec-built%3Av1&version=1", request.Target);
        Assert.Equal(("application/x-tar", "e30=", "chunked"), (request.ContentType, request.Headers["X-Registry-Config"], request.Headers["Transfer-Encoding"]));
        Assert.Equal(3584, request.Body.Length); // two headers and data blocks for the files, one for sub/, 1024 bytes of end
        using var reader = new System.Formats.Tar.TarReader(new MemoryStream(request.Body));
        var names = new List<string>();
        while (reader.GetNextEntry() is { } e)
        {
            names.Add(e.Name);
        }
        Assert.Equal(["Dockerfile", "sub/", "sub/s.txt"], names);
    }

    [Fact]
    public void BuildFailureExitsWithTheErrorCode()
    {
        // build-fail.txt: exit 9, the message on stderr.
        Context();
        using var d = new FakeDaemon().On("POST /build", 200, """
            {"stream":"Step 2/2 : RUN exit 9"}
            {"stream":"\n"}
            {"errorDetail":{"code":9,"message":"The command '/bin/sh -c exit 9' returned a non-zero code: 9"},"error":"The command '/bin/sh -c exit 9' returned a non-zero code: 9"}
            """.ReplaceLineEndings("\n"));
        var iid = Path.Join(_dir, "iid");
        File.WriteAllText(iid, "stale");
        var (code, stdout, stderr) = CliRunner.Run("FROM busybox:local\nRUN exit 9\n", "-H", d.Host, "build", "-f", "-", "--iidfile", iid, _dir);
        Assert.Equal(9, code);
        Assert.EndsWith("Step 2/2 : RUN exit 9\n", stdout, StringComparison.Ordinal);
        Assert.Equal("The command '/bin/sh -c exit 9' returned a non-zero code: 9\n", stderr);
        Assert.False(File.Exists(iid));
        Assert.Matches("^/build\\?dockerfile=\\.dockerfile\\.[0-9a-f]{20}&version=1$", Assert.Single(d.Requests).Target);
    }

    [Fact]
    public void BuildErrorWithoutCodeExitsOne()
    {
        Context();
        using var d = new FakeDaemon().On("POST /build", 200, """{"errorDetail":{"message":"bad"},"error":"bad"}""");
        Assert.Equal((1, "bad\n"), CliRunner.Run(d, "build", _dir) is var r ? (r.Code, r.Err) : default);
    }

    [Fact]
    public void QuietBuildPrintsOnlyTheId()
    {
        // build-quiet-stdin-dockerfile.txt: a Dockerfile on stdin as the whole context here.
        using var d = new FakeDaemon().On("POST /build", 200, """{"stream":"sha256:6423e2f92e255a4b2d5b9fe07d1081ee1fa5cec57647f8dd0cdcd9836f3fee94\n"}""");
        var iid = Path.Join(_dir, "iid");
        var result = CliRunner.Run("FROM busybox:local\nRUN echo hi\n", "-H", d.Host, "builder", "build", "-q", "--iidfile", iid, "-");
        Assert.Equal((0, "sha256:6423e2f92e255a4b2d5b9fe07d1081ee1fa5cec57647f8dd0cdcd9836f3fee94\n", ""), result);
        Assert.Equal("sha256:6423e2f92e255a4b2d5b9fe07d1081ee1fa5cec57647f8dd0cdcd9836f3fee94\n", File.ReadAllText(iid));
        Assert.Equal("/build?dockerfile=Dockerfile&q=1&version=1", Assert.Single(d.Requests).Target);
    }

    [Fact]
    public void QuietBuildFailureShowsWhatWasKept()
    {
        Context();
        using var d = new FakeDaemon().On("POST /build", 200, """{"errorDetail":{"code":2,"message":"boom"},"error":"boom"}""");
        var (code, stdout, stderr) = CliRunner.Run(d, "image", "build", "-q", _dir);
        Assert.Equal((2, ""), (code, stdout));
        Assert.Equal("Sending build context to Docker daemon  3.584kB\r\r\nboom\n", stderr);
    }

    [Theory]
    [InlineData("does-not-exist", "unable to prepare context: path \"does-not-exist\" not found\n")]
    [InlineData("-t Bad:tag .", "invalid argument \"Bad:tag\" for \"-t, --tag\" flag: invalid reference format: repository name (library/Bad) must be lowercase\n\nUsage:  berth build [OPTIONS] PATH | URL | -\n\nRun 'berth build --help' for more information\n")]
    public void BuildErrors(string args, string stderr)
    {
        using var d = new FakeDaemon();
        var (_, stdout, err) = CliRunner.Run(d, ["build", .. args.Split(' ')]);
        Assert.Equal(("", stderr), (stdout, err));
        Assert.Empty(d.Requests);
    }
}

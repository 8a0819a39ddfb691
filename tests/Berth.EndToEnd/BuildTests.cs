using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Berth.EndToEnd.Infrastructure;
using Berth.EndToEnd.Infrastructure.Skipping;

namespace Berth.EndToEnd;

/// <summary>
/// <c>docker build</c> and <c>berth build</c> against berthd's legacy builder, as a new user would use them: the
/// recorded build (steps, cache, history, intermediate images), a table of Dockerfiles, the build's inputs (stdin,
/// -f, URLs), its failures and what they leave behind (nothing), and the same Dockerfile built by the real Docker.
/// Every test names its images after itself and removes them, whatever happened.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed partial class BuildTests(BerthEngine engine)
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    private string BuilderDir => Path.Join(engine.Daemon.DataRoot, "builder");

    /// <summary>A context directory of the test's own with the files given (a name ending in "/" is a directory).</summary>
    private string Context(string name, IReadOnlyDictionary<string, byte[]> files)
    {
        var dir = engine.Scratch(name);
        Directory.CreateDirectory(dir);
        foreach (var (path, content) in files)
        {
            var host = Path.Join(dir, path);
            if (path.EndsWith('/'))
            {
                Directory.CreateDirectory(host);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(host)!);
            File.WriteAllBytes(host, content);
        }
        return dir;
    }

    /// <summary>Incompressible bytes, the same for the same seed.</summary>
    private static byte[] RandomBytes(int seed, int size)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Dictionary<string, byte[]> Files(params (string Name, string Text)[] files) =>
        files.ToDictionary(f => f.Name, f => Encoding.UTF8.GetBytes(f.Text));

    private CommandResult Build(string client, params string[] args) => engine.CliWithin(BuildTimeout, client, ["build", .. args]);

    private CommandResult BuildStdin(string client, string stdin, params string[] args) =>
        ProcessRunner.Run(client == "berth" ? RepoLayout.Binary("berth") : "docker", ["build", .. args],
            new Dictionary<string, string> { ["DOCKER_HOST"] = engine.Daemon.Host, ["XDG_CACHE_HOME"] = engine.ClientCache }, stdin, BuildTimeout);

    private void RemoveImages(params string[] images)
    {
        foreach (var image in images)
        {
            engine.Docker("rmi", "-f", image);
        }
    }

    // ---------------------------------------------------------------- 1. the recorded build

    private const string RecordedDockerfile = """
        FROM busybox
        ENV GREETING=hello APP_HOME=/app
        WORKDIR /app
        COPY hello.txt ./
        COPY sub/ ./sub/
        RUN echo "built at build time" > built.txt && ls -la /app
        ARG BUILD_ARG=default
        RUN echo "arg=$BUILD_ARG"
        EXPOSE 8080
        LABEL org.example.rec=1
        CMD ["cat", "/app/hello.txt"]

        """;

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheRecordedBuildBuildsCachesAndCleansUp(string client)
    {
        var tag = "e2e-build-recorded-" + client + ":v1";
        var noCacheTag = "e2e-build-recorded-" + client + ":nocache";
        var dir = Context("recorded", Files(
            (".dockerignore", "ignored.txt\nsub/ignored.txt\n"),
            ("Dockerfile", RecordedDockerfile),
            ("hello.txt", "hello from build context\n"),
            ("ignored.txt", "must not be sent\n"),
            ("sub/s.txt", "sub file\n"),
            ("sub/ignored.txt", "must not be sent either\n")));
        var iidFile = engine.Scratch("recorded.iid");
        var busyboxId = engine.Inspect("busybox", "{{.Id}}");
        try
        {
            var first = Build(client, "-t", tag, "--build-arg", "BUILD_ARG=fromcli", "--label", "extra=yes", "--iidfile", iidFile, dir);
            first.ExpectExit(0);
            var lines = first.Lines;
            // The steps as the recording shows them (the build args and --label add the last one), each ending
            // with the image it made; a RUN step's container is named and removed.
            Assert.Equal(
                [
                    "Step 1/12 : FROM busybox", "Step 2/12 : ENV GREETING=hello APP_HOME=/app", "Step 3/12 : WORKDIR /app",
                    "Step 4/12 : COPY hello.txt ./", "Step 5/12 : COPY sub/ ./sub/", "Step 6/12 : RUN echo \"built at build time\" > built.txt && ls -la /app",
                    "Step 7/12 : ARG BUILD_ARG=default", "Step 8/12 : RUN echo \"arg=$BUILD_ARG\"", "Step 9/12 : EXPOSE 8080",
                    "Step 10/12 : LABEL org.example.rec=1", "Step 11/12 : CMD [\"cat\", \"/app/hello.txt\"]", "Step 12/12 : LABEL extra=yes",
                ],
                lines.Where(l => l.StartsWith("Step ", StringComparison.Ordinal)));
            Assert.Equal(12, lines.Count(l => Regex.IsMatch(l, "^ ---> [0-9a-f]{12}$")));
            var running = lines.Where(l => l.StartsWith(" ---> Running in ", StringComparison.Ordinal)).Select(l => l[" ---> Running in ".Length..]).ToList();
            Assert.True(running.Count >= 2, first.ToString());
            Assert.All(running, c => Assert.Contains("Removing intermediate container " + c, lines));
            Assert.Contains("arg=fromcli", lines);
            Assert.True(lines.Any(l => Regex.IsMatch(l, @"^-rw-r--r-- +1 root +root +25 .* hello\.txt$")), first.ToString());
            var id = engine.Inspect(tag, "{{.Id}}");
            Assert.Contains($"Successfully built {id[7..19]}", lines);
            Assert.Contains($"Successfully tagged {tag}", lines);
            Assert.Equal(id, File.ReadAllText(iidFile).Trim());

            Assert.Equal("hello from build context", engine.Cli(client, "run", "--rm", tag).Ok());
            Assert.Equal("ignored? no", engine.Cli(client, "run", "--rm", tag, "sh", "-c", "test -e /app/ignored.txt || test -e /app/sub/ignored.txt && echo ignored? yes || echo ignored? no").Ok());
            Assert.Equal("built at build time|sub file", engine.Cli(client, "run", "--rm", tag, "sh", "-c", "echo \"$(cat built.txt)|$(cat sub/s.txt)\"").Ok());
            // compat(docker): a base without PATH (the suite's busybox) gets Docker's default one.
            Assert.Equal("""["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","GREETING=hello","APP_HOME=/app"]|/app|{"8080/tcp":{}}|{"extra":"yes","org.example.rec":"1"}|["cat","/app/hello.txt"]""",
                engine.Cli(client, "image", "inspect", "-f", "{{json .Config.Env}}|{{.Config.WorkingDir}}|{{json .Config.ExposedPorts}}|{{json .Config.Labels}}|{{json .Config.Cmd}}", tag).Ok());

            // The same build again: every step after FROM comes from the cache, and the image is the same.
            var second = Build(client, "-t", tag, "--build-arg", "BUILD_ARG=fromcli", "--label", "extra=yes", dir);
            second.ExpectExit(0);
            Assert.Equal(11, second.Lines.Count(l => l == " ---> Using cache"));
            Assert.Equal(id, engine.Inspect(tag, "{{.Id}}"));

            // docker history: the RUN lines as Docker writes them, with the build arg, and the layers' sizes.
            var history = engine.Cli(client, "history", "--no-trunc", "--format", "{{.CreatedBy}}|{{.Size}}", tag).Lines;
            Assert.Contains(history, l => l.StartsWith("|1 BUILD_ARG=fromcli /bin/sh -c echo \"arg=$BUILD_ARG\"|", StringComparison.Ordinal));
            Assert.Contains(history, l => l.StartsWith("/bin/sh -c echo \"built at build time\" > built.txt && ls -la /app|", StringComparison.Ordinal) && !l.EndsWith("|0B", StringComparison.Ordinal));
            Assert.Contains(history, l => Regex.IsMatch(l, @"^/bin/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \./ \|\d+B$"));
            Assert.Contains(history, l => l.StartsWith("/bin/sh -c #(nop)  CMD [\"cat\" \"/app/hello.txt\"]|0B", StringComparison.Ordinal));
            Assert.Contains("/bin/sh -c #(nop)  EXPOSE 8080|0B", history);
            Assert.Contains("/bin/sh -c #(nop)  ARG BUILD_ARG=default|0B", history);
            Assert.Contains("/bin/sh -c #(nop)  ENV GREETING=hello APP_HOME=/app|0B", history);

            // Intermediate images: hidden from docker images, shown by -a as <none>.
            var chain = engine.Cli(client, "history", "-q", "--no-trunc", tag).Lines.Where(l => l.StartsWith("sha256:", StringComparison.Ordinal) && l != id && l != busyboxId).ToList();
            Assert.True(chain.Count >= 10, "intermediate images: " + string.Join(", ", chain));
            var shown = engine.Cli(client, "images", "-q", "--no-trunc").Lines;
            Assert.Contains(id, shown);
            Assert.DoesNotContain(shown, chain.Contains);
            var all = engine.Cli(client, "images", "-a", "--no-trunc", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}").Lines;
            foreach (var intermediate in chain)
            {
                Assert.Contains($"{intermediate} <none>:<none>", all);
            }

            // A changed file: the steps before its COPY come from the cache, the rest run again.
            File.WriteAllText(Path.Join(dir, "hello.txt"), "changed\n");
            var changed = Build(client, "-q", "-t", tag + "-changed", "--build-arg", "BUILD_ARG=fromcli", "--label", "extra=yes", dir);
            Assert.Matches("^sha256:[0-9a-f]{64}$", changed.Ok());
            Assert.NotEqual(id, changed.Ok());
            Assert.Equal("changed", engine.Cli(client, "run", "--rm", tag + "-changed").Ok());
            var again = Build(client, "-t", tag + "-changed", "--build-arg", "BUILD_ARG=other", "--label", "extra=yes", dir);
            again.ExpectExit(0);
            Assert.Equal(6, again.Lines.Count(l => l == " ---> Using cache"));
            Assert.Contains("arg=other", again.Lines);
            File.WriteAllText(Path.Join(dir, "hello.txt"), "hello from build context\n");

            // --no-cache: every step again, another image.
            var third = Build(client, "--no-cache", "-t", noCacheTag, "--build-arg", "BUILD_ARG=fromcli", "--label", "extra=yes", dir);
            third.ExpectExit(0);
            Assert.DoesNotContain(" ---> Using cache", third.Lines);
            Assert.NotEqual(id, engine.Inspect(noCacheTag, "{{.Id}}"));

            // docker rmi of the tag takes its intermediate images with it, but those the changed build's image
            // still stands on.
            var shared = engine.Cli(client, "history", "-q", "--no-trunc", tag + "-changed").Lines.ToHashSet();
            Assert.True(chain.Count(shared.Contains) >= 2, "the changed build shares ENV and WORKDIR");
            engine.Cli(client, "rmi", tag).Ok();
            foreach (var intermediate in chain)
            {
                engine.Docker("image", "inspect", intermediate).ExpectExit(shared.Contains(intermediate) ? 0 : 1);
            }
            Assert.Equal("changed", engine.Cli(client, "run", "--rm", tag + "-changed").Ok());
            Assert.Equal(busyboxId, engine.Inspect("busybox", "{{.Id}}"));
        }
        finally
        {
            RemoveImages(tag, noCacheTag, tag + "-changed");
        }
    }

    // ---------------------------------------------------------------- 2. the table of Dockerfiles

    /// <summary>One Dockerfile: its extra context files, build flags, then a command run in the image with its
    /// expected output, and/or an inspect template with its expected value.</summary>
    public sealed record Row(string Dockerfile, Dictionary<string, byte[]> Files, string[] BuildFlags, string[]? Run, string? Output, string? Template = null, string? Value = null);

    private static readonly Dictionary<string, Row> Rows = new()
    {
        ["heredoc-run"] = new("FROM busybox\nRUN <<EOF\necho one > /r\necho two >> /r\nEOF\n", [], [], ["cat", "/r"], "one\ntwo"),
        ["heredoc-run-cat"] = new("FROM busybox\nRUN cat <<EOF > /f\nline $((1+1))\nEOF\n", [], [], ["cat", "/f"], "line 2"),
        ["heredoc-copy"] = new("FROM busybox\nARG W=heredoc\nCOPY <<EOF /f\nhello \"$W\" \\n 'q'\nEOF\n", [], [], ["cat", "/f"], "hello \"heredoc\" \\n 'q'"),
        ["copy-chown-numeric"] = new("FROM busybox\nCOPY --chown=1234:5678 a.txt /a\n", Files(("a.txt", "a")), [], ["stat", "-c", "%u:%g", "/a"], "1234:5678"),
        ["copy-chown-name"] = new("FROM busybox\nCOPY --chown=nobody:wheel a.txt /a\n", Files(("a.txt", "a")), [], ["stat", "-c", "%u:%g", "/a"], "65534:10"),
        ["copy-chmod"] = new("FROM busybox\nCOPY --chmod=0751 a.txt /a\n", Files(("a.txt", "a")), [], ["stat", "-c", "%a", "/a"], "751"),
        ["copy-glob"] = new("FROM busybox\nCOPY *.txt /d/\n", Files(("a.txt", "a"), ("b.txt", "b"), ("c.md", "c")), [], ["ls", "/d"], "a.txt\nb.txt"),
        ["add-tar"] = new("FROM busybox\nADD files.tar /x/\n", new() { ["files.tar"] = Tar(false, ("in/t.txt", "from tar")) }, [], ["cat", "/x/in/t.txt"], "from tar"),
        ["add-tar-gz"] = new("FROM busybox\nADD files.tar.gz /x/\n", new() { ["files.tar.gz"] = Tar(true, ("in/t.txt", "from tgz")) }, [], ["cat", "/x/in/t.txt"], "from tgz"),
        ["multi-stage"] = new("FROM busybox AS build\nRUN echo built > /out\nFROM busybox\nCOPY --from=build /out /a\nCOPY --from=0 /out /b\n", [], [], ["sh", "-c", "cat /a /b"], "built\nbuilt"),
        ["unused-stage-skipped"] = new("FROM busybox AS broken\nRUN exit 1\nFROM busybox\nRUN echo ok > /ok\n", [], [], ["cat", "/ok"], "ok"),
        ["target"] = new("FROM busybox AS first\nRUN echo first > /which\nFROM busybox AS second\nRUN exit 1\n", [], ["--target", "first"], ["cat", "/which"], "first"),
        ["arg-before-from"] = new("ARG BASE=busybox\nFROM ${BASE}\nARG BASE\nRUN echo \"base=$BASE\" > /b\n", [], [], ["cat", "/b"], "base=busybox"),
        ["var-default-alt"] = new("FROM busybox\nENV SET=yes\nENV A=${UNSET:-default} B=${SET:+alt} C=${UNSET:+alt}\n", [], [], ["sh", "-c", "echo \"$A|$B|$C\""], "default|alt|"),
        ["shell"] = new("FROM busybox\nSHELL [\"/bin/sh\", \"-c\", \"echo shell-was-used > /s; sh -c \\\"$0\\\"\"]\nRUN true\n", [], [], ["cat", "/s"], "shell-was-used"),
        ["entrypoint-cmd"] = new("FROM busybox\nENTRYPOINT [\"echo\", \"entry\"]\nCMD [\"cmd\"]\n", [], [], [], "entry cmd"),
        ["user"] = new("FROM busybox\nUSER nobody\nRUN id -u > /tmp/u\n", [], [], ["sh", "-c", "cat /tmp/u; id -u"], "65534\n65534"),
        ["volume"] = new("FROM busybox\nVOLUME /data\n", [], [], null, null, "{{json .Config.Volumes}}", """{"/data":{}}"""),
        ["stopsignal"] = new("FROM busybox\nSTOPSIGNAL SIGUSR1\n", [], [], null, null, "{{.Config.StopSignal}}", "SIGUSR1"),
        ["healthcheck"] = new("FROM busybox\nHEALTHCHECK --interval=5s --retries=2 CMD true\n", [], [], null, null, "{{json .Config.Healthcheck}}", """{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Retries":2}"""),
        ["escape-directive"] = new("# escape=`\nFROM busybox\nRUN echo one `\n  two > /e\n", [], [], ["cat", "/e"], "one two"),
        ["scratch-static-busybox"] = new("FROM busybox AS bb\nFROM scratch\nCOPY --from=bb /bin/busybox /busybox\nENTRYPOINT [\"/busybox\"]\n", [], [], ["echo", "from", "scratch"], "from scratch"),
        ["workdir-relative"] = new("FROM busybox\nWORKDIR /a\nWORKDIR b\nWORKDIR c\nRUN pwd > /p\n", [], [], ["sh", "-c", "cat /p; pwd"], "/a/b/c\n/a/b/c"),
        ["copy-from-image"] = new("FROM scratch\nCOPY --from=busybox /bin/busybox /bin/busybox\nCOPY --from=busybox /etc/passwd /etc/passwd\nENTRYPOINT [\"/bin/busybox\"]\n", [], [], ["head", "-1", "/etc/passwd"], "root:x:0:0:root:/root:/bin/sh"),
        ["from-earlier-stage"] = new("FROM busybox AS base\nRUN echo base > /b\nFROM base AS final\nRUN echo final >> /b\n", [], [], ["cat", "/b"], "base\nfinal"),
        ["env-in-paths"] = new("FROM busybox\nENV D=/x SUB=y\nWORKDIR $D/${SUB}\nCOPY a.txt $D/\nRUN pwd > /p\n", Files(("a.txt", "a")), [], ["sh", "-c", "cat /p /x/a.txt"], "/x/y\na"),
        ["chown-user-only"] = new("FROM busybox\nCOPY --chown=nobody a.txt dir/ /o/\n", Files(("a.txt", "a"), ("dir/b.txt", "b")), [], ["stat", "-c", "%n %u:%g", "/o/a.txt", "/o/b.txt"], "/o/a.txt 65534:65534\n/o/b.txt 65534:65534"),
        ["copy-dir-keeps-symlinks"] = new("FROM busybox\nCOPY dir/ /d/\n", new() { ["dir/target.txt"] = "t"u8.ToArray() }, [], ["sh", "-c", "readlink /d/link; cat /d/link"], "target.txt\nt"),
        // The shell form ignores CMD, which only becomes the shell's $0.
        ["entrypoint-shell-form"] = new("FROM busybox\nENTRYPOINT echo \"shell form\" $0\nCMD [\"ignored\"]\n", [], [], [], "shell form ignored", "{{json .Config.Entrypoint}}", """["/bin/sh","-c","echo \"shell form\" $0"]"""),
        ["run-exec-form"] = new("FROM busybox\nENV X=1\nRUN [\"sh\", \"-c\", \"echo exec $X > /e\"]\n", [], [], ["cat", "/e"], "exec 1"),
        ["heredoc-quoted-and-dash"] = new("FROM busybox\nARG V=expanded\nCOPY <<'EOF' /q\n$V\nEOF\nCOPY <<EOF /u\n$V\nEOF\nRUN <<-EOF\n\techo tabs > /t\n\tEOF\n", [], [], ["sh", "-c", "cat /q /u /t"], "$V\nexpanded\ntabs"),
        ["odd-file-names"] = new("FROM busybox\nCOPY [\"with space.txt\", \"ünï.txt\", \"/o/\"]\n", Files(("with space.txt", "s"), ("ünï.txt", "u")), [], ["sh", "-c", "cat '/o/with space.txt' /o/ünï.txt"], "su"),
        ["add-tar-not-extracted-by-copy"] = new("FROM busybox\nCOPY files.tar /c/\nADD files.tar /a/\n", new() { ["files.tar"] = Tar(false, ("in/t.txt", "x")) }, [], ["sh", "-c", "ls /c /a"], "/a:\nin\n\n/c:\nfiles.tar"),
        ["dockerignore-exception"] = new("FROM busybox\nCOPY . /ctx/\n", Files((".dockerignore", "*.log\n!keep.log\nDockerfile\n.dockerignore\n"), ("drop.log", "x"), ("keep.log", "k"), ("app.txt", "a")), [], ["ls", "/ctx"], "app.txt\nkeep.log"),
    };

    public static TheoryData<string, string> RowNames()
    {
        var data = new TheoryData<string, string>();
        foreach (var client in new[] { "docker", "berth" })
        {
            foreach (var name in Rows.Keys)
            {
                data.Add(client, name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RowNames))]
    public void ADockerfileBuildsAsDockerDoes(string client, string row)
    {
        var r = Rows[row];
        var tag = $"e2e-build-row-{row}-{client}";
        var files = new Dictionary<string, byte[]>(r.Files) { ["Dockerfile"] = Encoding.UTF8.GetBytes(r.Dockerfile) };
        try
        {
            var dir = Context(row, files);
            if (row == "copy-dir-keeps-symlinks")
            {
                File.CreateSymbolicLink(Path.Join(dir, "dir", "link"), "target.txt");
            }
            Build(client, [.. r.BuildFlags, "-t", tag, dir]).ExpectExit(0);
            if (r.Run is not null)
            {
                Assert.Equal(r.Output, engine.Cli(client, ["run", "--rm", tag, .. r.Run]).Ok());
            }
            if (r.Template is not null)
            {
                Assert.Equal(r.Value, engine.Cli(client, "image", "inspect", "-f", r.Template, tag).Ok());
            }
        }
        finally
        {
            RemoveImages(tag);
        }
    }

    private static byte[] Tar(bool gzip, params (string Name, string Text)[] files)
    {
        var buffer = new MemoryStream();
        using (Stream outer = gzip ? new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true) : new NonClosing(buffer))
        using (var tar = new TarWriter(outer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach (var (name, text) in files)
            {
                // ustar, as tar(1) writes: the docker CLI takes stdin for a tar only when its first header is one.
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1a4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            }
        }
        return buffer.ToArray();
    }

    private sealed class NonClosing(Stream inner) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void OnbuildTriggersRunInTheChildBuild(string client)
    {
        var parent = "e2e-build-onbuild-parent-" + client;
        var child = "e2e-build-onbuild-child-" + client;
        try
        {
            Build(client, "-t", parent, Context("onbuild-parent", Files(("Dockerfile", "FROM busybox\nONBUILD RUN echo triggered > /t\n")))).ExpectExit(0);
            Assert.Equal("""["RUN echo triggered > /t"]""", engine.Inspect(parent, "{{json .Config.OnBuild}}"));
            Build(client, "-t", child, Context("onbuild-child", Files(("Dockerfile", $"FROM {parent}\n")))).ExpectExit(0);
            Assert.Equal("triggered", engine.Cli(client, "run", "--rm", child, "cat", "/t").Ok());
            Assert.Equal("null", engine.Inspect(child, "{{json .Config.OnBuild}}"));
        }
        finally
        {
            RemoveImages(child, parent);
        }
    }

    // ---------------------------------------------------------------- inputs: URLs, stdin, -f

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AddFetchesAUrlAndChecksItsChecksum(string client)
    {
        var body = "served over http\n";
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));
        var port = FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = new Thread(() =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext request;
                try
                {
                    request = listener.GetContext();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                var bytes = Encoding.UTF8.GetBytes(body);
                request.Response.ContentLength64 = bytes.Length;
                request.Response.OutputStream.Write(bytes);
                request.Response.Close();
            }
        })
        { IsBackground = true };
        serving.Start();
        var url = $"http://127.0.0.1:{port}/served.txt";
        var tag = "e2e-build-url-" + client;
        try
        {
            Build(client, "-t", tag, Context("url", Files(("Dockerfile", $"FROM busybox\nADD {url} /d/\nADD --checksum={digest} {url} /c\n")))).ExpectExit(0);
            Assert.Equal("served over http|served over http|600", engine.Cli(client, "run", "--rm", tag, "sh", "-c", "echo \"$(cat /d/served.txt)|$(cat /c)|$(stat -c %a /c)\"").Ok());

            var wrong = "sha256:" + new string('0', 64);
            var bad = Build(client, "-t", tag + "-bad", Context("url-bad", Files(("Dockerfile", $"FROM busybox\nADD --checksum={wrong} {url} /c\n"))));
            bad.ExpectExit(1);
            Assert.Contains($"digest mismatch {digest}: {wrong}", bad.Stderr + bad.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
            serving.Join(TimeSpan.FromSeconds(5));
            RemoveImages(tag, tag + "-bad");
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheDockerfileOrTheContextComesFromStdinOrElsewhere(string client)
    {
        var tag = "e2e-build-stdin-" + client;
        try
        {
            // docker build - < Dockerfile: no context.
            var dockerfile = engine.Scratch("stdin.Dockerfile");
            File.WriteAllText(dockerfile, "FROM busybox\nRUN echo from-stdin > /s\n");
            BuildStdin(client, dockerfile, "-t", tag, "-").ExpectExit(0);
            Assert.Equal("from-stdin", engine.Cli(client, "run", "--rm", tag, "cat", "/s").Ok());

            // docker build - < context.tar
            var tar = engine.Scratch("context.tar");
            File.WriteAllBytes(tar, Tar(false, ("Dockerfile", "FROM busybox\nCOPY c.txt /c\n"), ("c.txt", "from the tar")));
            BuildStdin(client, tar, "-t", tag, "-").ExpectExit(0);
            Assert.Equal("from the tar", engine.Cli(client, "run", "--rm", tag, "cat", "/c").Ok());

            // -f - with a context directory.
            var dir = Context("f-stdin", Files(("c.txt", "context with -f -")));
            var viaStdin = engine.Scratch("f.Dockerfile");
            File.WriteAllText(viaStdin, "FROM busybox\nCOPY c.txt /c\n");
            BuildStdin(client, viaStdin, "-t", tag, "-f", "-", dir).ExpectExit(0);
            Assert.Equal("context with -f -", engine.Cli(client, "run", "--rm", tag, "cat", "/c").Ok());

            // -f naming a file outside the context.
            var outside = engine.Scratch("outside.Dockerfile");
            File.WriteAllText(outside, "FROM busybox\nCOPY c.txt /c\nRUN echo outside > /o\n");
            Build(client, "-t", tag, "-f", outside, dir).ExpectExit(0);
            Assert.Equal("context with -f -|outside", engine.Cli(client, "run", "--rm", tag, "sh", "-c", "echo \"$(cat /c)|$(cat /o)\"").Ok());
        }
        finally
        {
            RemoveImages(tag);
        }
    }

    // ---------------------------------------------------------------- 3. failures

    /// <summary>What the daemon holds that a failed build must not add to: containers, mounts, context directories.</summary>
    private (HashSet<string> Containers, HashSet<string> Mounts) Snapshot() =>
        (engine.Docker("ps", "-aq", "--no-trunc").Lines.ToHashSet(), HostTraces.MountPoints(engine.Daemon).ToHashSet());

    private void AssertNothingLeft((HashSet<string> Containers, HashSet<string> Mounts) before)
    {
        // Only what appeared counts: an earlier test's container may still be finishing its removal meanwhile.
        Assert.Empty(engine.Docker("ps", "-aq", "--no-trunc").Lines.Except(before.Containers));
        Assert.Empty(HostTraces.MountPoints(engine.Daemon).Except(before.Mounts));
        var contexts = Directory.Exists(BuilderDir) ? Directory.EnumerateFileSystemEntries(BuilderDir, "context-*").ToList() : [];
        Assert.Empty(contexts);
    }

    public static TheoryData<string, string> Failures()
    {
        var data = new TheoryData<string, string>();
        foreach (var client in new[] { "docker", "berth" })
        {
            foreach (var name in new[] { "run-exit-9", "unknown-instruction", "copy-parent", "symlink-to-etc-passwd", "dockerfile-too-large", "missing-base" })
            {
                data.Add(client, name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public void AFailedBuildSaysWhyAndLeavesNothing(string client, string row)
    {
        var (dockerfile, files, exit, message) = row switch
        {
            "run-exit-9" => ("FROM busybox\nRUN echo before\nRUN exit 9\n", Files(), 9, "The command '/bin/sh -c exit 9' returned a non-zero code: 9"),
            "unknown-instruction" => ("FROM busybox\nRUN true\nFOO bar\n", Files(), 1, "dockerfile parse error on line 3: unknown instruction: FOO"),
            "copy-parent" => ("FROM busybox\nCOPY ../x /\n", Files(), 1, "forbidden path outside the build context: ../x ()"),
            "symlink-to-etc-passwd" => ("FROM busybox\nCOPY passwd-link /p\n", Files(), 1, "file not found in build context or excluded by .dockerignore: stat passwd-link: file does not exist"),
            "dockerfile-too-large" => ("FROM busybox\n" + string.Concat(Enumerable.Repeat("# " + new string('x', 1000) + "\n", 4300)), Files(), 1, "dockerfile Dockerfile is larger than 4194304 bytes"),
            "missing-base" => ("FROM e2e-build-no-such-image:1\nRUN true\n", Files(), 1, "e2e-build-no-such-image"),
            _ => throw new ArgumentException(row),
        };
        var tag = $"e2e-build-fail-{row}-{client}";
        files["Dockerfile"] = Encoding.UTF8.GetBytes(dockerfile);
        var dir = Context("fail-" + row, files);
        if (row == "symlink-to-etc-passwd")
        {
            File.CreateSymbolicLink(Path.Join(dir, "passwd-link"), "/etc/passwd");
        }
        var before = Snapshot();
        try
        {
            var result = Build(client, "-t", tag, dir);
            result.ExpectExit(exit);
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            engine.Docker("image", "inspect", tag).ExpectExit(1);
            AssertNothingLeft(before);
        }
        finally
        {
            RemoveImages(tag);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AnInterruptedBuildStopsItsStepAndLeavesNothing(string client)
    {
        var dir = Context("interrupted-" + client, Files(("Dockerfile", "FROM busybox\nRUN echo step-started; sleep 60\n")));
        var before = Snapshot();
        using (var build = engine.CliInBackground(client, "build", dir))
        {
            Poll.Until("the RUN step to start", () => build.Stdout, o => o.Contains("step-started", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        } // the client goes away, as on Ctrl-C
        // The daemon sees the connection close, kills the step's container and removes it and the context.
        Poll.Until("the build's container and context to go", () => engine.Docker("ps", "-aq", "--no-trunc").Lines.ToHashSet(),
            now => now.SetEquals(before.Containers) && !(Directory.Exists(BuilderDir) && Directory.EnumerateFileSystemEntries(BuilderDir, "context-*").Any()));
        AssertNothingLeft(before);
    }

    /// <summary>berthd reads a context ahead of the unpacker; a context refused at its first entry is answered at
    /// once, while its client is still sending (here: has stopped sending), and leaves nothing.</summary>
    [Fact]
    public void AContextRefusedAtItsFirstEntryIsAnsweredWhileTheClientIsStillSending()
    {
        var header = new MemoryStream();
        using (var writer = new TarWriter(header, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "../escape") { Mode = (UnixFileMode)0x1a4 });
        }
        var before = Snapshot();
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(engine.Daemon.Socket));
        void Chunk(byte[] data) => socket.Send([.. Encoding.ASCII.GetBytes($"{data.Length:x}\r\n"), .. data, .. "\r\n"u8]);
        socket.Send(Encoding.ASCII.GetBytes("POST /v1.44/build?t=e2e-build-cut HTTP/1.1\r\nHost: berthd\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n"));
        Chunk(header.ToArray()[..512]);
        // A megabyte more of a context that never ends: the client stalls, the connection stays open.
        Chunk(new byte[1 << 20]);
        socket.ReceiveTimeout = 20_000;
        var answer = new StringBuilder();
        var buffer = new byte[64 * 1024];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!answer.ToString().Contains("the path leaves the layer root", StringComparison.Ordinal))
        {
            int n;
            try
            {
                n = socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                break;
            }
            if (n == 0)
            {
                break;
            }
            answer.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        Assert.Contains("the path leaves the layer root", answer.ToString(), StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        Poll.Until("the refused context to go", () => Directory.Exists(BuilderDir) && Directory.EnumerateFileSystemEntries(BuilderDir, "context-*").Any(), any => !any);
        AssertNothingLeft(before);
    }

    [Theory]
    [InlineData("docker", "dotdot")]
    [InlineData("berth", "dotdot")]
    [InlineData("docker", "symlink-then-write")]
    [InlineData("berth", "symlink-then-write")]
    [InlineData("docker", "relative-symlink-then-write")]
    [InlineData("berth", "relative-symlink-then-write")]
    public void AnEvilContextTarIsRefusedAndWritesNothingOutside(string client, string kind)
    {
        var tag = $"e2e-build-evil-{kind}-{client}";
        var outside = engine.Scratch("evil-outside");
        Directory.CreateDirectory(outside);
        var tar = engine.Scratch("evil.tar");
        using (var stream = File.Create(tar))
        using (var writer = new TarWriter(stream, TarEntryFormat.Ustar))
        {
            void Put(string name, string text) =>
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1a4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            Put("Dockerfile", "FROM busybox\nCOPY . /ctx/\n");
            if (kind == "dotdot")
            {
                // Far enough up to reach / from any builder directory, then down to the test's own directory.
                Put("../../../../../../../../../../.." + outside + "/escape", "escaped");
                Put("../../escape", "escaped");
            }
            else
            {
                writer.WriteEntry(new UstarTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = kind == "symlink-then-write" ? outside : "../../../../../../../../../.." + outside });
                Put("link/escape", "escaped");
            }
        }
        var before = Snapshot();
        var builderParent = Path.GetDirectoryName(BuilderDir)!;
        try
        {
            var result = BuildStdin(client, tar, "-t", tag, "-");
            Assert.True(result.ExitCode != 0, "the evil context was accepted:\n" + result);
            Assert.Contains(kind switch
            {
                "dotdot" => "the path leaves the layer root",
                "symlink-then-write" => "\"link/escape\": its directory \"link\" is not a directory inside the layer root",
                _ => "invalid symlink \"link\"",
            }, result.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Join(outside, "escape")), "a file was written through the symlink outside the context:\n" + result);
            Assert.False(File.Exists(Path.Join(builderParent, "escape")), "a file was written above the builder's directory:\n" + result);
            Assert.False(File.Exists(Path.Join(engine.Daemon.DataRoot, "escape")), "a file was written into the data root:\n" + result);
            engine.Docker("image", "inspect", tag).ExpectExit(1);
            AssertNothingLeft(before);
        }
        finally
        {
            RemoveImages(tag);
        }
    }

    // ---------------------------------------------------------------- the context's larger files are held in memory

    /// <summary>berthd keeps a context's larger files in memory and writes one only when a step copies it: what a
    /// COPY or ADD puts in the image must still be exactly the file the context sent, wherever the tar put it
    /// (through a symlinked directory, under a hardlink, under a name written twice), on a cold build and on a
    /// rebuild where only the later steps miss the cache.</summary>
    [Fact]
    public void LargeContextFilesAreCopiedWholeWhereverTheTarPutThem()
    {
        var tag = "e2e-build-held";
        byte[] big = RandomBytes(1, 300 * 1024), viaLink = RandomBytes(2, 120 * 1024), first = RandomBytes(3, 100 * 1024), second = RandomBytes(4, 90 * 1024), packed = RandomBytes(5, 200 * 1024);
        var archive = new MemoryStream();
        using (var inner = new TarWriter(archive, TarEntryFormat.Ustar, leaveOpen: true))
        {
            inner.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "packed.bin") { Mode = (UnixFileMode)0x1a4, DataStream = new MemoryStream(packed) });
        }
        string Context(string small)
        {
            var tar = engine.Scratch($"held-{small}.tar");
            using var stream = File.Create(tar);
            using var writer = new TarWriter(stream, TarEntryFormat.Ustar);
            void Put(string name, byte[] data) =>
                writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1a4, DataStream = new MemoryStream(data) });
            Put("Dockerfile", Encoding.UTF8.GetBytes("""
                FROM busybox
                COPY big.bin /big.bin
                COPY real/ /real/
                COPY g f /links/
                ADD archive.tar /unpacked/
                COPY small.txt /small.txt
                COPY big.bin /again.bin
                """));
            Put("big.bin", big);
            writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, "real/") { Mode = (UnixFileMode)0x1ed });
            writer.WriteEntry(new UstarTarEntry(TarEntryType.SymbolicLink, "via") { LinkName = "real" });
            Put("via/a.bin", viaLink);
            Put("f", first);
            writer.WriteEntry(new UstarTarEntry(TarEntryType.HardLink, "g") { LinkName = "f" });
            Put("f", second);
            Put("archive.tar", archive.ToArray());
            Put("small.txt", Encoding.UTF8.GetBytes(small));
            return tar;
        }
        string Sha(byte[] b) => Convert.ToHexStringLower(SHA256.HashData(b));
        var expected = string.Join('\n', new[] { (big, "/big.bin"), (viaLink, "/real/a.bin"), (first, "/links/g"), (second, "/links/f"), (packed, "/unpacked/packed.bin"), (big, "/again.bin") }
            .Select(e => $"{Sha(e.Item1)}  {e.Item2}"));
        var sums = new[] { "sha256sum", "/big.bin", "/real/a.bin", "/links/g", "/links/f", "/unpacked/packed.bin", "/again.bin" };
        try
        {
            BuildStdin("docker", Context("one"), "-t", tag, "-").ExpectExit(0);
            Assert.Equal(expected, engine.Docker(["run", "--rm", tag, .. sums]).Ok());
            // Served from the cache up to small.txt; the COPY after it fills big.bin from memory again.
            var rebuild = BuildStdin("docker", Context("two"), "-t", tag, "-");
            rebuild.ExpectExit(0);
            Assert.Equal(4, Regex.Matches(rebuild.Stdout, "Using cache").Count);
            Assert.Equal(expected, engine.Docker(["run", "--rm", tag, .. sums]).Ok());
            Assert.Equal("two", engine.Docker("run", "--rm", tag, "cat", "/small.txt").Ok());
        }
        finally
        {
            RemoveImages(tag);
        }
    }

    /// <summary>What the client said it sent ("Sending build context to Docker daemon  1.31MB"), in bytes; one
    /// value per line that says it.</summary>
    private static List<double> ContextSizes(string stdout) =>
        [.. SendingContext().Matches(stdout).Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * m.Groups[2].Value switch
        {
            "kB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            _ => 1,
        })];

    [GeneratedRegex(@"Sending build context to Docker daemon\s+([0-9.]+)([kMG]?B)\r*\n")]
    private static partial Regex SendingContext();

    /// <summary><c>berth build</c> against a berthd sends the larger files by digest, and the whole context only
    /// when a step must read one of them; the build's output reads as one build either way.</summary>
    [Fact]
    public void BerthBuildSendsTheWholeContextOnlyWhenAStepReadsALargerFile()
    {
        var tag = "e2e-build-digests";
        var ctx = Context("digests", new Dictionary<string, byte[]>
        {
            ["Dockerfile"] = Encoding.UTF8.GetBytes("FROM busybox\nCOPY data/ /data/\nADD packed.bin /packed.bin\nRUN cat /data/* /packed.bin | sha256sum > /sum\nCOPY small.txt /small.txt\n"),
            ["data/a.bin"] = RandomBytes(1, 1 << 20),
            ["data/b.bin"] = RandomBytes(2, 300 * 1024),
            ["packed.bin"] = RandomBytes(3, 200 * 1024),
            ["small.txt"] = "small"u8.ToArray(),
        });
        string Sum(params byte[][] parts) => Convert.ToHexStringLower(SHA256.HashData(parts.SelectMany(p => p).ToArray())) + "  -";
        void EachStepOnce(string stdout)
        {
            for (var step = 1; step <= 5; step++)
            {
                Assert.True(Regex.Matches(stdout, $"Step {step}/5 ").Count == 1, stdout);
            }
        }
        try
        {
            // First build: the COPY of data/ must read files sent by digest, so the whole context goes after them.
            var first = Build("berth", "-t", tag, ctx);
            first.ExpectExit(0);
            Assert.True(ContextSizes(first.Stdout) is [< 20_000, > 1_500_000], first.Stdout);
            EachStepOnce(first.Stdout);
            var id = engine.Inspect(tag, "{{.Id}}");

            // Again, unchanged: only the digests go (a few kB for 1.5 MB), every step from the cache, the same image.
            var cached = Build("berth", "-t", tag, ctx);
            cached.ExpectExit(0);
            Assert.True(ContextSizes(cached.Stdout) is [< 20_000], cached.Stdout);
            Assert.Equal(4, Regex.Matches(cached.Stdout, "Using cache").Count);
            Assert.Equal(id, engine.Inspect(tag, "{{.Id}}"));
            Assert.Equal(id + "\n", Build("berth", "-q", ctx).ExpectExit(0).Stdout);
            // The docker CLI sends everything, and the cache keys are the same.
            var docker = Build("docker", "-t", tag, ctx);
            docker.ExpectExit(0);
            Assert.Equal(4, Regex.Matches(docker.Stdout, "Using cache").Count);
            Assert.Equal(id, engine.Inspect(tag, "{{.Id}}"));

            // A small file changed: its COPY runs on what was sent; the larger files never go.
            File.WriteAllText(Path.Join(ctx, "small.txt"), "changed");
            var small = Build("berth", "-t", tag, ctx);
            small.ExpectExit(0);
            Assert.True(ContextSizes(small.Stdout) is [< 20_000], small.Stdout);
            Assert.Equal(3, Regex.Matches(small.Stdout, "Using cache").Count);
            Assert.Equal("changed", engine.Docker("run", "--rm", tag, "cat", "/small.txt").Ok());

            // New bytes of the same size with the old mtime put back: the COPY of data/ misses, the whole context
            // goes, and the image has the new bytes.
            var b = Path.Join(ctx, "data/b.bin");
            var mtime = File.GetLastWriteTimeUtc(b);
            var changed = RandomBytes(4, 300 * 1024);
            File.WriteAllBytes(b, changed);
            File.SetLastWriteTimeUtc(b, mtime);
            var rebuilt = Build("berth", "-t", tag, ctx);
            rebuilt.ExpectExit(0);
            Assert.True(ContextSizes(rebuilt.Stdout) is [< 20_000, > 1_500_000], rebuilt.Stdout);
            EachStepOnce(rebuilt.Stdout);
            Assert.Equal(Sum(RandomBytes(1, 1 << 20), changed, RandomBytes(3, 200 * 1024)), engine.Docker("run", "--rm", tag, "cat", "/sum").Ok());
            Assert.Empty(Directory.GetDirectories(BuilderDir, "context-*"));
        }
        finally
        {
            RemoveImages(tag);
        }
    }

    /// <summary>A raw <c>POST /build</c> with a whole tar body; the answer's head and body as text.</summary>
    private string PostBuild(string query, byte[] tar)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(engine.Daemon.Socket));
        socket.Send([.. Encoding.ASCII.GetBytes($"POST /v1.44/build?{query} HTTP/1.1\r\nHost: berthd\r\nContent-Type: application/x-tar\r\nContent-Length: {tar.Length}\r\nConnection: close\r\n\r\n"), .. tar]);
        socket.ReceiveTimeout = 60_000;
        var answer = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = socket.Receive(buffer)) > 0)
        {
            answer.Write(buffer, 0, n);
        }
        return Encoding.UTF8.GetString(answer.ToArray());
    }

    /// <summary>A context of (name, data, digest record) entries; a digest makes a PAX entry.</summary>
    private static byte[] DigestContext(params (string Name, byte[] Data, string? Digest)[] entries)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data, digest) in entries)
            {
                var entry = digest is null ? new PaxTarEntry(TarEntryType.RegularFile, name) : new PaxTarEntry(TarEntryType.RegularFile, name, [new("BERTH.sha256", digest)]);
                entry.Mode = (UnixFileMode)0x1a4;
                entry.DataStream = data.Length == 0 ? null : new MemoryStream(data);
                writer.WriteEntry(entry);
            }
        }
        return tar.ToArray();
    }

    [Fact]
    public async Task AContextSentByDigestCountsOnlyWhereBerthAskedForIt()
    {
        var tag = "e2e-build-raw-digests";
        var dockerfile = Encoding.UTF8.GetBytes("FROM busybox\nCOPY f /f\n");
        var sha = Convert.ToHexStringLower(SHA256.HashData(new byte[100_000]));
        var before = Snapshot();
        try
        {
            Assert.Equal("1", (await engine.Api.HeadAsync("/_ping")).Headers["Berth-Context-Digests"]);

            // Asked for (contextdigests=1) and the cache lacks the COPY: the daemon asks for the whole context and
            // makes nothing; the same when the Dockerfile itself came by digest.
            var answer = PostBuild($"t={tag}&contextdigests=1", DigestContext(("Dockerfile", dockerfile, null), ("f", [], sha)));
            Assert.Contains("\"aux\":{\"ContextNeeded\":\"the build reads f\"}", answer, StringComparison.Ordinal);
            engine.Docker("image", "inspect", tag).ExpectExit(1);
            answer = PostBuild($"t={tag}&contextdigests=1", DigestContext(("Dockerfile", [], Convert.ToHexStringLower(SHA256.HashData(dockerfile)))));
            Assert.Contains("\"ContextNeeded\":\"the build reads Dockerfile\"", answer, StringComparison.Ordinal);
            engine.Docker("image", "inspect", tag).ExpectExit(1);

            // A digest beside data, where digests were asked for: refused.
            answer = PostBuild($"t={tag}&contextdigests=1", DigestContext(("Dockerfile", dockerfile, null), ("f", [1, 2, 3], sha)));
            Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
            Assert.Contains("a file sent by digest carries no data", answer, StringComparison.Ordinal);

            // Not asked for (what the docker CLI sends): the record means nothing, the file is the empty one it is.
            answer = PostBuild($"t={tag}", DigestContext(("Dockerfile", dockerfile, null), ("f", [], sha)));
            Assert.Contains("Successfully tagged", answer, StringComparison.Ordinal);
            Assert.Equal("0 /f", engine.Docker("run", "--rm", tag, "wc", "-c", "/f").Ok());
            engine.Docker("rmi", tag).ExpectExit(0);
            AssertNothingLeft(before);
        }
        finally
        {
            RemoveImages(tag);
        }
    }

    // ---------------------------------------------------------------- 5. the real Docker builds the same image

    private const string PeerDockerfile = """
        FROM busybox:peer
        ENV A=1 B="two words"
        WORKDIR /srv/app
        USER nobody
        LABEL org.example.a=1 "org.example.b"="x y"
        EXPOSE 8080 53/udp
        VOLUME ["/data", "/cache"]
        STOPSIGNAL SIGINT
        ENTRYPOINT ["/bin/echo"]
        CMD ["hello", "world"]
        HEALTHCHECK --interval=5s --timeout=2s --retries=3 CMD ["true"]
        ONBUILD RUN echo child
        ARG A1=one
        ARG A2
        USER 0
        RUN echo "$A1 $A2" > /tmp/args
        SHELL ["/bin/sh", "-ec"]
        RUN echo shell
        EXPOSE 9000-9001/tcp
        COPY f.txt /f

        """;

    [SkippableTheory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheRealDockerBuildsTheSameConfig(string client)
    {
        var peer = PeerDocker.Start();
        var archive = engine.Scratch("busybox-peer.tar");
        var tag = "e2e-build-compare:v1";
        const string Template = "{{json .Config.Env}}|{{json .Config.Cmd}}|{{json .Config.Entrypoint}}|{{json .Config.WorkingDir}}|{{json .Config.User}}|{{json .Config.Labels}}|{{json .Config.ExposedPorts}}|{{json .Config.Volumes}}|{{json .Config.StopSignal}}|{{json .Config.Healthcheck}}|{{json .Config.OnBuild}}|{{json .Config.Shell}}";
        var dir = Context("compare", Files(("Dockerfile", PeerDockerfile), ("f.txt", "f")));
        try
        {
            PeerDocker.Docker(peer, "save", "-o", archive, "busybox:peer").Ok();
            engine.CliSlow("docker", "load", "-i", archive).Ok();
            Assert.Equal(PeerDocker.Docker(peer, "image", "inspect", "-f", "{{json .Config}}", "busybox:peer").Ok(), engine.Docker("image", "inspect", "-f", "{{json .Config}}", "busybox:peer").Ok());
            var peerBuild = ProcessRunner.Run("docker", ["build", "-t", tag, "--build-arg", "A2=two", dir],
                new Dictionary<string, string> { ["DOCKER_HOST"] = peer, ["DOCKER_BUILDKIT"] = "0" }, timeout: BuildTimeout);
            peerBuild.ExpectExit(0);
            Build(client, "-t", tag, "--build-arg", "A2=two", dir).ExpectExit(0);
            Assert.Equal(PeerDocker.Docker(peer, "image", "inspect", "-f", Template, tag).Ok(), engine.Cli(client, "image", "inspect", "-f", Template, tag).Ok());
            // The history lines too, but for the COPY source's hash (Docker's is a tarsum).
            static IEnumerable<string> Lines(CommandResult r) => r.ExpectExit(0).Lines.Select(l => Regex.Replace(l, "file:[0-9a-f]{64}", "file:<hash>"));
            var expected = Lines(PeerDocker.Docker(peer, "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag)).ToList();
            // The peer (dockerd 20.10) has no StartInterval in its HealthConfig; Docker 25+ writes it, as Berth does.
            var actual = Lines(engine.Cli(client, "history", "--no-trunc", "--format", "{{.CreatedBy}}", tag))
                .Select(l => Regex.Replace(l, @"(HEALTHCHECK &\{\[.*\]( ""[^""]*""){3}) ""[^""]*""( '\\x)", "$1$3")).ToList();
            Assert.All(expected.Zip(actual), p => Assert.Equal(p.First, p.Second));
            Assert.Equal(expected.Count, actual.Count);
        }
        finally
        {
            PeerDocker.Docker(peer, "rmi", "-f", tag);
            RemoveImages(tag, "busybox:peer");
        }
    }
}

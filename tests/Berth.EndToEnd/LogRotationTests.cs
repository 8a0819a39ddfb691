using System.Text.RegularExpressions;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// The json-file driver's options (<c>--log-opt max-size/max-file</c>): the shim rotates <c>&lt;id&gt;-json.log</c>
/// to <c>.1</c>, <c>.2</c>… as Docker does, <c>logs</c> reads across the files in order (also with <c>-f</c>
/// while rotations happen), bad options get Docker's words, and huge output neither breaks the shim nor the daemon.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed partial class LogRotationTests(BerthEngine engine)
{
    /// <summary>A shell loop printing "line 0" … "line N-1".</summary>
    private static string Lines(int count, string pause = "") =>
        $"i=0; while [ $i -lt {count} ]; do echo \"line $i\"; i=$((i+1)); {pause} done";

    private static List<int> Numbers(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => int.Parse(l[5..], System.Globalization.CultureInfo.InvariantCulture)).ToList();

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheLogRotatesAtMaxSizeKeepsMaxFileFilesAndReadsBackInOrder(string client)
    {
        var name = $"rot-files-{client}";
        engine.Cli(client, "run", "--name", name, "--log-opt", "max-size=10k", "--log-opt", "max-file=3", "--log-opt", "compress=false", "busybox", "sh", "-c", Lines(2000)).Ok();
        var log = engine.Inspect(name, "{{.LogPath}}");

        Assert.Equal("""{"Type":"json-file","Config":{"compress":"false","max-file":"3","max-size":"10k"}}""", engine.Inspect(name, "{{json .HostConfig.LogConfig}}"));
        Assert.True(File.Exists(log + ".1") && File.Exists(log + ".2") && !File.Exists(log + ".3"), "expected the log, .1 and .2: " + string.Join(", ", Directory.GetFiles(Path.GetDirectoryName(log)!)));
        // Size is checked before each write: a rotated file is full (>= 10000 bytes) by less than one entry.
        Assert.All(new[] { log + ".1", log + ".2" }, f => Assert.InRange(new FileInfo(f).Length, 10_000, 10_100));
        var all = Numbers(engine.Cli(client, "logs", name).ExpectExit(0).Stdout);
        Assert.Equal(Enumerable.Range(2000 - all.Count, all.Count), all); // contiguous, oldest first, ending at the last
        Assert.InRange(all.Count, 250, 450);
        Assert.Equal(Enumerable.Range(1990, 10), Numbers(engine.Cli(client, "logs", "--tail", "10", name).ExpectExit(0).Stdout));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void MaxFileOneTruncatesInPlace(string client)
    {
        var name = $"rot-truncate-{client}";
        engine.Cli(client, "run", "--name", name, "--log-opt", "max-size=5k", "busybox", "sh", "-c", Lines(500)).Ok();
        var log = engine.Inspect(name, "{{.LogPath}}");

        Assert.False(File.Exists(log + ".1"));
        Assert.InRange(new FileInfo(log).Length, 1, 5_100);
        var all = Numbers(engine.Cli(client, "logs", name).ExpectExit(0).Stdout);
        Assert.Equal(Enumerable.Range(500 - all.Count, all.Count), all);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void FollowKeepsFollowingAcrossRotationsAndEndsWithTheContainer(string client)
    {
        var name = $"rot-follow-{client}";
        // It waits for a go signal, so the follower is in place before the rotations begin.
        engine.Cli(client, "run", "-d", "--name", name, "--log-opt", "max-size=2k", "--log-opt", "max-file=5", "busybox", "sh", "-c",
            "echo ready; while [ ! -e /tmp/go ]; do sleep 0.05; done; " + Lines(150, "sleep 0.01;")).Ok();
        engine.WaitForLog(name, "ready");
        using var follow = engine.CliInBackground(client, "logs", "-f", name);
        Poll.Until("the follower to print ready", () => follow.Stdout, s => s.Contains("ready", StringComparison.Ordinal));

        engine.Docker("exec", name, "touch", "/tmp/go").Ok();

        Assert.Equal(0, follow.WaitForExit(TimeSpan.FromSeconds(30)));
        var log = engine.Inspect(name, "{{.LogPath}}");
        Assert.True(File.Exists(log + ".3"), "the run was meant to rotate several times");
        Assert.Equal("ready\n" + string.Concat(Enumerable.Range(0, 150).Select(i => $"line {i}\n")), follow.Stdout);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void FollowPrintsWhatIsWrittenAfterItStartedAndEndsWhenTheContainerStops(string client)
    {
        var name = $"logs-follow-live-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c",
            "echo before; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo after; echo oops >&2; while [ ! -e /tmp/stop ]; do sleep 0.05; done").Ok();
        engine.WaitForLog(name, "before");
        using var follow = engine.CliInBackground(client, "logs", "-f", name);
        Poll.Until("the follower to print before", () => follow.Stdout, s => s.Contains("before", StringComparison.Ordinal));

        engine.Docker("exec", name, "touch", "/tmp/go").Ok();
        Poll.Until("the line written after the follow started", () => follow.Stdout, s => s.Contains("after", StringComparison.Ordinal));
        Assert.False(follow.HasExited, "logs -f ended while the container still runs");
        engine.Docker("exec", name, "touch", "/tmp/stop").Ok();

        Assert.Equal(0, follow.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Equal(("before\nafter\n", "oops\n"), (follow.Stdout, follow.Stderr));
    }

    public static TheoryData<string, string[], string> BadOptions => new()
    {
        { "docker", ["--log-opt", "max-size=abc"], "invalid size: 'abc'" },
        { "berth", ["--log-opt", "max-size=abc"], "invalid size: 'abc'" },
        { "docker", ["--log-opt", "max-size=0"], "max-size must be a positive number" },
        { "docker", ["--log-opt", "max-file=0"], "max-file cannot be less than 1" },
        { "docker", ["--log-opt", "x=1"], "unknown log opt 'x' for json-file log driver" },
        { "berth", ["--log-opt", "x=1"], "unknown log opt 'x' for json-file log driver" },
        { "docker", ["--log-opt", "compress=true"], "compress cannot be true when max-file is less than 2 or max-size is not set" },
        { "docker", ["--log-opt", "max-size=1k", "--log-opt", "max-file=2", "--log-opt", "compress=true"], "gzip of rotated log files is not supported" },
        { "berth", ["--log-driver", "syslog"], "--log-driver syslog: not supported by this berthd yet" },
        { "docker", ["--log-driver", "bogus"], "error looking up logging plugin bogus: plugin \"bogus\" not found" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadLogOptionsAreRefusedAtCreateWithDockersWords(string client, string[] options, string message)
    {
        var result = engine.Cli(client, ["create", .. options, "busybox", "true"]);

        result.ExpectExit(1);
        Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheNoneDriverKeepsNoLog(string client)
    {
        var name = $"log-none-{client}";
        engine.Cli(client, "run", "--name", name, "--log-driver", "none", "busybox", "echo", "hi").ExpectExit(0);

        var logs = engine.Cli(client, "logs", name);

        logs.ExpectExit(1);
        Assert.Contains("configured logging driver does not support reading", logs.Stderr, StringComparison.Ordinal);
        Assert.Equal("""{"Type":"none","Config":{}}|""", engine.Inspect(name, "{{json .HostConfig.LogConfig}}|{{.LogPath}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ALineOfAMebibyteIsLoggedAsSixteenKibibytePartialsAndReadsBackWhole(string client)
    {
        var name = $"log-huge-line-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' x; echo; echo after").Ok();
        engine.Docker("wait", name).Ok();

        var logs = engine.Cli(client, "logs", name).ExpectExit(0);

        Assert.Equal(new string('x', 1024 * 1024) + "\n" + "after\n", logs.Stdout);
        // compat(docker): 64 entries of 16 KiB without a newline, the newline alone, then "after".
        var entries = File.ReadAllLines(engine.Inspect(name, "{{.LogPath}}"));
        Assert.Equal(66, entries.Length);
        Assert.All(entries[..64], e => Assert.Matches(XEntry(), e));
    }

    [Theory]
    [InlineData("docker", "")]
    [InlineData("berth", "--log-opt max-size=1m --log-opt max-file=3")]
    public void TwentyMebibytesOfFastOutputBreakNeitherTheShimNorTheDaemon(string client, string logOptions)
    {
        var name = $"log-flood-{client}";
        // Lines of 1000 bytes, 20 MiB in all, as fast as the pipe takes them.
        engine.Cli(client, ["run", "-d", "--name", name, .. logOptions.Split(' ', StringSplitOptions.RemoveEmptyEntries), "busybox", "sh", "-c",
            "yes $(head -c 999 /dev/zero | tr '\\0' a) | head -c 20971520; echo; echo done"]).Ok();
        Assert.Equal("0", engine.Docker("wait", name).Ok());

        Assert.Equal("done\n", engine.Cli(client, "logs", "--tail", "1", name).ExpectExit(0).Stdout);
        var lines = engine.Cli(client, "logs", name).ExpectExit(0).Lines;
        Assert.Equal("done", lines[^1]);
        Assert.All(lines.SkipLast(2), l => Assert.Equal(999, l.Length));
        if (logOptions.Length == 0)
        {
            Assert.Equal(20971520 / 1000 + 2, lines.Count);
        }
        else
        {
            Assert.InRange(lines.Count, 2000, 3100); // three files of about 1 MB each
        }
        engine.Cli(client, "ps").ExpectExit(0); // the daemon still answers
    }

    [GeneratedRegex("""^\{"log":"x{16384}","stream":"stdout","time":"[^"]+"\}$""")]
    private static partial Regex XEntry();
}

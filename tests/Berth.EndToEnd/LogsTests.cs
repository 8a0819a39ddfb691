using System.Globalization;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary><c>docker logs</c>: the two streams kept apart, tail, timestamps and follow.</summary>
[Collection(BerthCollection.Name)]
public sealed class LogsTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StdoutAndStderrAreKeptApart(string client)
    {
        var name = $"logs-streams-{client}";

        var run = engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", "echo out1; echo err1 >&2; echo out2");
        var logs = engine.Cli(client, "logs", name);

        Assert.Equal(("out1\nout2\n", "err1\n"), (run.Stdout, run.Stderr));
        Assert.Equal(("out1\nout2\n", "err1\n"), (logs.Stdout, logs.Stderr));
    }

    [Theory]
    [InlineData("docker", "1", "three\n")]
    [InlineData("berth", "1", "three\n")]
    [InlineData("docker", "2", "two\nthree\n")]
    [InlineData("berth", "2", "two\nthree\n")]
    [InlineData("docker", "0", "")]
    [InlineData("berth", "0", "")]
    [InlineData("docker", "all", "one\ntwo\nthree\n")]
    [InlineData("berth", "all", "one\ntwo\nthree\n")]
    public void TailShowsTheLastLines(string client, string tail, string expected)
    {
        var name = $"logs-tail-{tail}-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", "echo one; echo two; echo three").Ok();

        var logs = engine.Cli(client, "logs", "--tail", tail, name);

        logs.ExpectExit(0);
        Assert.Equal(expected, logs.Stdout);
    }

    // compat(docker): timestamps are RFC 3339 with nanoseconds, always nine digits (RFC3339NanoFixed).
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TimestampsPrefixEachLine(string client)
    {
        var name = $"logs-timestamps-{client}";
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        engine.Cli(client, "run", "--name", name, "busybox", "sh", "-c", "echo first; echo second").Ok();
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        var lines = engine.Cli(client, "logs", "-t", name).Lines;

        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z (first|second)$", l));
        Assert.All(lines, l => Assert.InRange(DateTimeOffset.Parse(l.Split(' ')[0], CultureInfo.InvariantCulture), before, after));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void FollowPrintsNewLinesAndEndsWhenTheContainerExits(string client)
    {
        var name = $"logs-follow-{client}";
        // The rest waits for a go signal rather than a guessed time, so the follower is in place before it comes.
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c",
            "echo line1; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo line2; echo line3").Ok();
        engine.WaitForLog(name, "line1");

        using var follow = engine.CliInBackground(client, "logs", "-f", name);
        Poll.Until("the follower to print line1", () => follow.Stdout, s => s.Contains("line1", StringComparison.Ordinal));
        Assert.False(follow.HasExited, "logs -f ended while the container still runs: it did not wait for the container");
        engine.Docker("exec", name, "touch", "/tmp/go").Ok();

        Assert.Equal(0, follow.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal("line1\nline2\nline3\n", follow.Stdout);
        Assert.Equal("exited", engine.Inspect(name, "{{.State.Status}}"));
    }
}

using System.Globalization;
using System.Text.Json;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary><c>docker events</c>: the past (<c>--since/--until</c>, absolute, relative and Unix), filters, the live
/// stream, and the fields the CLI prints by default and with <c>--format '{{json .}}'</c>.</summary>
[Collection(BerthCollection.Name)]
public sealed class EventsTests(BerthEngine engine)
{
    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Waits until the clock has passed the second <paramref name="t"/>, so "until now" includes it.</summary>
    private static void PassSecond(long t) => Poll.Until($"the clock to pass {t}", Now, n => n > t);

    /// <summary>Runs a container to its end and removes it: create, start, die, destroy. Returns its id.</summary>
    private string Lifecycle(string client, string name, params string[] options)
    {
        var image = options.Contains("busybox:latest") ? [] : new[] { "busybox" };
        var id = engine.Cli(client, ["run", "-d", "--name", name, .. options, .. image, "true"]).Ok();
        engine.Docker("wait", name).Ok();
        engine.Docker("rm", name).Ok();
        return id;
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PastEventsBetweenSinceAndUntilInDockersDefaultFormat(string client)
    {
        var name = $"evt-past-{client}";
        var since = Now();
        var id = Lifecycle(client, name, "--label", "evt=past");
        var until = Now();
        PassSecond(until);

        var result = engine.Cli(client, "events", "--since", since.ToString(CultureInfo.InvariantCulture), "--until", (until + 1).ToString(CultureInfo.InvariantCulture), "--filter", "container=" + name);

        result.ExpectExit(0);
        Assert.Equal(["create", "start", "die", "destroy"], result.Lines.Select(l => l.Split(' ')[2]));
        var die = result.Lines[2];
        Assert.Matches($@"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{9}}(Z|[+-]\d\d:\d\d) container die {id} \(evt=past, exitCode=0, image=busybox, name={name}\)$", die);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RelativeSinceAndUntil(string client)
    {
        var name = $"evt-relative-{client}";
        Lifecycle(client, name);
        PassSecond(Now());

        var result = engine.Cli(client, "events", "--since", "5m", "--until", "0s", "--filter", "container=" + name, "--format", "{{.Action}}");

        result.ExpectExit(0);
        Assert.Equal(["create", "start", "die", "destroy"], result.Lines);
        // An RFC 3339 since later than every event shows none.
        var later = DateTimeOffset.UtcNow.AddMinutes(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var none = engine.Cli(client, "events", "--since", later, "--until", later, "--filter", "container=" + name);
        Assert.Equal("", none.ExpectExit(0).Stdout);
    }

    public static TheoryData<string, string, string[]> FilterCases => new()
    {
        // client, filter, the actions of the container "evt-f-a" (labelled) and "evt-f-b" shown
        { "docker", "event=die", ["die evt-f-a", "die evt-f-b"] },
        { "berth", "event=die", ["die evt-f-a", "die evt-f-b"] },
        { "docker", "label=evt=filter", ["create evt-f-a", "start evt-f-a", "die evt-f-a", "destroy evt-f-a"] },
        { "berth", "label=evt", ["create evt-f-a", "start evt-f-a", "die evt-f-a", "destroy evt-f-a"] },
        { "docker", "container=evt-f-b", ["create evt-f-b", "start evt-f-b", "die evt-f-b", "destroy evt-f-b"] },
        // compat(docker): the event's image is matched with and without its tag (evt-f-b ran busybox:latest).
        { "docker", "image=busybox", ["die evt-f-a", "die evt-f-b"] },
        // Each container connects to the default bridge at start and disconnects at exit, as with dockerd.
        { "berth", "type=network", ["connect bridge", "disconnect bridge", "connect bridge", "disconnect bridge"] },
    };

    [Theory]
    [MemberData(nameof(FilterCases))]
    public void FiltersByEventLabelContainerImageAndType(string client, string filter, string[] expected)
    {
        // Names of this row's own (rows share seconds, and so the since/until window).
        var tag = "-" + Guid.NewGuid().ToString("N")[..6];
        var since = Now();
        string[] ids = [Lifecycle("docker", "evt-f-a" + tag, "--label", "evt=filter"), Lifecycle("docker", "evt-f-b" + tag, "busybox:latest")];
        var until = Now();
        PassSecond(until);
        string[] extra = filter.StartsWith("image=", StringComparison.Ordinal) ? ["--filter", "event=die"] : [];

        var result = engine.Cli(client, ["events", "--since", since.ToString(CultureInfo.InvariantCulture), "--until", (until + 1).ToString(CultureInfo.InvariantCulture),
            "--filter", filter.Replace("evt-f-b", "evt-f-b" + tag, StringComparison.Ordinal), .. extra, "--format", "{{.Action}} {{.Actor.Attributes.name}}|{{.Actor.ID}}{{.Actor.Attributes.container}}"]);

        // Other rows' and classes' containers share the window: keep the events of this row's two (a network
        // event names its container in the container attribute).
        result.ExpectExit(0);
        var mine = result.Lines.Select(l => l.Split('|')).Where(p => p[0].EndsWith(tag, StringComparison.Ordinal) || ids.Any(id => p[1].Contains(id, StringComparison.Ordinal)));
        Assert.Equal(expected, mine.Select(p => p[0].Replace(tag, "", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void LiveEventsStreamAsTheyHappenWithDockersJsonFields(string client)
    {
        var name = $"evt-live-{client}";
        var listeners = int.Parse(engine.Docker("info", "--format", "{{.NEventsListener}}").Ok(), CultureInfo.InvariantCulture);
        using var events = engine.CliInBackground(client, "events", "--filter", "container=" + name, "--format", "{{json .}}");
        Poll.Until("the events listener to register", () => engine.Docker("info", "--format", "{{.NEventsListener}}").Ok(), n => int.Parse(n, CultureInfo.InvariantCulture) > listeners);

        engine.Cli(client, "run", "--rm", "--name", name, "--label", "evt=live", "busybox", "true").ExpectExit(0);

        var lines = Poll.Until("the destroy event", () => events.Stdout, s => s.Contains("\"destroy\"", StringComparison.Ordinal))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.False(events.HasExited, "events ended by itself: " + events.Stderr);
        var actions = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Action").GetString()).ToList();
        Assert.Equal(["create", "attach", "start", "die", "destroy"], actions);
        // The recording (events-live.txt): these keys in this order; container events keep status/id/from.
        using var die = JsonDocument.Parse(lines[3]);
        var id = die.RootElement.GetProperty("id").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.Equal(["status", "id", "from", "Type", "Action", "Actor", "scope", "time", "timeNano"], die.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal($$$"""{"ID":"{{{id}}}","Attributes":{"evt":"live","exitCode":"0","image":"busybox","name":"{{{name}}}"}}""", die.RootElement.GetProperty("Actor").GetRawText());
        Assert.Equal(("die", id, "busybox", "local"), (die.RootElement.GetProperty("status").GetString(), die.RootElement.GetProperty("id").GetString(),
            die.RootElement.GetProperty("from").GetString(), die.RootElement.GetProperty("scope").GetString()));
        Assert.Equal(die.RootElement.GetProperty("time").GetInt64(), die.RootElement.GetProperty("timeNano").GetInt64() / 1_000_000_000);
    }

    public static TheoryData<string, string[], string[]> KillCases => new()
    {
        // client, the verb that ends "sleep" (busybox sleep as PID 1 ignores SIGTERM), the container's events after
        // start: compat(docker): dockerd publishes kill with the signal's number before die for every signal it
        // sends, SIGKILL included (daemon/kill.go), for kill, for stop after its timeout and for rm -f.
        { "docker", ["kill"], ["kill 9", "die 137"] },
        { "berth", ["kill"], ["kill 9", "die 137"] },
        { "docker", ["kill", "-s", "USR1"], ["kill 10"] },
        { "docker", ["stop", "-t", "0"], ["kill 15", "kill 9", "die 137", "stop"] },
        { "docker", ["rm", "-f"], ["kill 9", "die 137", "destroy"] },
    };

    [Theory]
    [MemberData(nameof(KillCases))]
    public void KillPublishesTheSignalBeforeDie(string client, string[] verb, string[] expected)
    {
        var name = "evt-kill-" + Guid.NewGuid().ToString("N")[..8];
        var since = Now();
        engine.Docker("run", "-d", "--name", name, "busybox", "sleep", "60").Ok();
        try
        {
            engine.Cli(client, [.. verb, name]).Ok();
            var until = Now();
            PassSecond(until);

            var result = engine.Cli(client, "events", "--since", since.ToString(CultureInfo.InvariantCulture), "--until", (until + 1).ToString(CultureInfo.InvariantCulture),
                "--filter", "type=container", "--filter", "container=" + name, "--format", "{{.Action}}{{with .Actor.Attributes.signal}} {{.}}{{end}}{{with .Actor.Attributes.exitCode}} {{.}}{{end}}");

            result.ExpectExit(0);
            Assert.Equal(["create", "start", .. expected], result.Lines);
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void SinceAfterUntilIsRefused(string client)
    {
        var result = engine.Cli(client, "events", "--since", "200", "--until", "100");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("`since` time (200) cannot be after `until` time (100)", result.Stderr, StringComparison.Ordinal);
    }
}

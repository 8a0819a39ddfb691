using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary><c>run -it</c>, <c>attach</c>, <c>start -ai</c>: a real terminal, its size, detaching and coming back.</summary>
[Collection(BerthCollection.Name)]
public sealed class InteractiveTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RunGivesAContainerARealTerminal(string client)
    {
        using var terminal = new TerminalSession(engine, client, "run --rm -it busybox sh", rows: 33, columns: 97);

        terminal.WaitFor("# ");
        terminal.Type("tty; stty size; ls -l /dev/console; echo $((6*7))\r");
        terminal.WaitFor("42");
        terminal.Type("exit 5\r");

        Assert.Equal(5, terminal.Exit());
        Assert.Contains("/dev/pts/0", terminal.Screen);
        Assert.Contains("33 97", terminal.Screen);
        Assert.Contains("136,   0 ", terminal.Screen); // /dev/console is the container's terminal
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void CtrlCReachesTheProgramThroughTheTerminal(string client)
    {
        using var terminal = new TerminalSession(engine, client, "run --rm -it busybox sh -c \"trap 'echo got-int; exit 9' INT; echo ready; while true; do sleep 0.1; done\"");

        terminal.WaitFor("ready");
        terminal.Type("\u0003");

        Assert.Equal(9, terminal.Exit());
        Assert.Contains("got-int", terminal.Screen);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void DetachWithCtrlPCtrlQThenAttachAgain(string client)
    {
        var name = $"detach-attach-{client}";
        using (var run = new TerminalSession(engine, client, $"run -it --name {name} busybox sh"))
        {
            run.WaitFor("# ");
            run.Type("\u0010\u0011");
            Assert.Equal(0, run.Exit());
        }
        Assert.Equal("running", engine.Inspect(name, "{{.State.Status}}"));

        using var attach = new TerminalSession(engine, client, $"attach {name}");
        attach.WaitFor("# "); // attach resizes twice, so the shell redraws its prompt
        attach.Type("echo back-$((40+2))\r");
        attach.WaitFor("back-42");
        attach.Type("exit 3\r");

        Assert.Equal(3, attach.Exit());
        Assert.Equal("exited 3", engine.Inspect(name, "{{.State.Status}} {{.State.ExitCode}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void DetachKeysCanBeChosen(string client)
    {
        var name = $"detach-keys-{client}";
        engine.Docker("run", "-dit", "--name", name, "busybox", "sh").Ok();

        using var attach = new TerminalSession(engine, client, $"attach --detach-keys ctrl-x,x {name}");
        attach.WaitFor("# ");
        attach.Type("\u0018x");

        Assert.Equal(1, attach.Exit());
        Assert.Contains("read escape sequence", attach.Screen);
        Assert.Equal("running", engine.Inspect(name, "{{.State.Status}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AttachThenDetachLeavesTheContainerRunning(string client)
    {
        var name = $"attach-detach-{client}";
        engine.Docker("run", "-dit", "--name", name, "busybox", "sh").Ok();

        using var attach = new TerminalSession(engine, client, $"attach {name}");
        attach.WaitFor("# ");
        attach.Type("\u0010\u0011");

        Assert.Equal(1, attach.Exit());
        Assert.Contains("read escape sequence", attach.Screen);
        Assert.Equal("running", engine.Inspect(name, "{{.State.Status}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StartAttachInteractiveOnAStoppedTerminalContainer(string client)
    {
        var name = $"start-ai-{client}";
        engine.Docker("create", "-it", "--name", name, "busybox", "sh").Ok();

        using var start = new TerminalSession(engine, client, $"start -ai {name}");
        start.WaitFor("# ");
        start.Type("echo started-$((1+1))\r");
        start.WaitFor("started-2");
        start.Type("exit 4\r");

        Assert.Equal(4, start.Exit());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AttachToAStoppedContainerIsRefusedByTheClient(string client)
    {
        var name = $"attach-stopped-{client}";
        engine.Docker("run", "--name", name, "busybox", "true").Ok();

        var r = engine.Cli(client, "attach", name);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("You cannot attach to a stopped container, start it first", r.Stderr);
    }

    [Fact]
    public void AttachWithoutTerminalStreamsNewOutputFramed()
    {
        var name = "attach-plain";
        var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        // It writes once told to, after the attach is in place (its event is published once the output is subscribed
        // to), not after a guessed time that a loaded machine's CLI start may outlast.
        engine.Docker("run", "-d", "--name", name, "busybox", "sh", "-c",
            "while [ ! -e /tmp/go ]; do sleep 0.05; done; echo to-out; echo to-err >&2; exit 2").Ok();

        using var attach = engine.CliInBackground("docker", "attach", name);
        Poll.Until("the attach event", () => engine.Docker("events", "--since", since, "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--filter", "container=" + name, "--filter", "event=attach", "--format", "{{.Action}}").Lines, lines => lines.Contains("attach"));
        engine.Docker("exec", name, "touch", "/tmp/go").Ok();

        Assert.Equal(2, attach.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal("to-out", attach.Stdout.Trim());
        Assert.Equal("to-err", attach.Stderr.Trim());
    }

    [Fact]
    public void LogsOfATerminalContainerAreRaw()
    {
        var name = "tty-logs";
        engine.Docker("run", "-t", "--name", name, "busybox", "sh", "-c", "echo one; echo two >&2").ExpectExit(0);

        var logs = engine.Docker("logs", name);

        Assert.Equal("one\r\ntwo\r\n", logs.Stdout);
        Assert.Equal("", logs.Stderr);
    }

    [Fact]
    public async Task ResizeOfARunningTerminalReachesTheProgram()
    {
        var name = "tty-resize";
        engine.Docker("run", "-dit", "--name", name, "busybox", "sh").Ok();

        var resize = await engine.Api.SendAsync(HttpMethod.Post, $"/containers/{name}/resize?h=44&w=132");

        Assert.Equal(200, resize.Status);
        Assert.Equal("44 132", engine.Docker("exec", name, "stty", "size", "-F", "/dev/console").Ok());
    }
}

using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary><c>exec</c>: a process joins a running container — its namespaces, cgroup, user and capabilities.</summary>
[Collection(BerthCollection.Name)]
public sealed class ExecTests(BerthEngine engine)
{
    private string Running(string name)
    {
        engine.Docker("run", "-d", "--name", name, "busybox", "sleep", "300").Ok();
        return name;
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecPassesTheExitCodeAndKeepsStreamsApart(string client)
    {
        var c = Running($"exec-code-{client}");

        var r = engine.Cli(client, "exec", c, "sh", "-c", "echo out; echo err >&2; exit 3");

        Assert.Equal(3, r.ExitCode);
        Assert.Equal("out", r.Text);
        Assert.Equal("err", r.Stderr.Trim());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecTakesEnvUserAndWorkdir(string client)
    {
        var c = Running($"exec-opts-{client}");

        var r = engine.Cli(client, "exec", "-e", "GREETING=hello", "-u", "1234:5678", "-w", "/tmp", c, "sh", "-c", "echo $GREETING $(id -u) $(id -g) $(pwd)");

        Assert.Equal("hello 1234 5678 /tmp", r.Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecReadsPipedStdin(string client)
    {
        var c = Running($"exec-stdin-{client}");
        var input = engine.Scratch("exec-input");
        File.WriteAllText(input, "line one\nline two\n");

        Assert.Equal("line one\nline two", engine.CliWithStdin(client, input, "exec", "-i", c, "cat").Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void DetachedExecRunsInTheBackground(string client)
    {
        var c = Running($"exec-detach-{client}");

        var r = engine.Cli(client, "exec", "-d", c, "sh", "-c", "sleep 0.3; echo done > /tmp/marker");

        Assert.Equal("", r.Ok());
        Poll.Until("the detached exec's marker", () => engine.Docker("exec", c, "cat", "/tmp/marker"), x => x.ExitCode == 0 && x.Text == "done");
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecOfAMissingCommandExits126(string client)
    {
        var c = Running($"exec-missing-{client}");

        var r = engine.Cli(client, "exec", c, "no-such-command");

        Assert.Equal(126, r.ExitCode);
        Assert.Contains("OCI runtime exec failed: exec failed: unable to start container process: exec: \"no-such-command\": executable file not found in $PATH: unknown", r.Stdout + r.Stderr);
        Assert.Equal("running", engine.Inspect(c, "{{.State.Status}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecWithAMissingWorkdirOrUserFails(string client)
    {
        var c = Running($"exec-badopts-{client}");

        var workdir = engine.Cli(client, "exec", "-w", "/no/such/dir", c, "pwd");
        var user = engine.Cli(client, "exec", "-u", "nobody-here", c, "id");

        Assert.Equal(126, workdir.ExitCode);
        Assert.Contains("chdir to cwd (\"/no/such/dir\") set in config.json failed: no such file or directory", workdir.Stdout + workdir.Stderr);
        Assert.Equal(126, user.ExitCode);
        Assert.Contains("unable to find user nobody-here: no matching entries in passwd file", user.Stdout + user.Stderr);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecIntoAStoppedContainerIsRefused(string client)
    {
        var name = $"exec-stopped-{client}";
        engine.Docker("run", "--name", name, "busybox", "true").Ok();
        var id = engine.Inspect(name, "{{.Id}}");

        var r = engine.Cli(client, "exec", name, "true");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"Error response from daemon: Container {id} is not running", r.Stderr);
        Assert.Equal("exited 0", engine.Inspect(name, "{{.State.Status}} {{.State.ExitCode}}"));
    }

    [Fact]
    public void ExecJoinsTheContainersNamespacesAndCgroup()
    {
        var c = Running("exec-namespaces");

        foreach (var ns in new[] { "pid", "net", "mnt", "uts", "ipc", "cgroup" })
        {
            Assert.Equal(engine.Docker("exec", c, "readlink", "/proc/1/ns/" + ns).Ok(), engine.Docker("exec", c, "readlink", "/proc/self/ns/" + ns).Ok());
        }
        Assert.Equal(engine.Docker("exec", c, "cat", "/proc/1/cgroup").Ok(), engine.Docker("exec", c, "cat", "/proc/self/cgroup").Ok());
        Assert.Equal(engine.Inspect(c, "{{.Config.Hostname}}"), engine.Docker("exec", c, "hostname").Ok());
        // The process is in the container's pid namespace: it sees the container's init as PID 1, and nothing of the host.
        Assert.Equal("sleep 300", engine.Docker("exec", c, "cat", "/proc/1/cmdline").Ok().Replace('\0', ' ').Trim());
    }

    [Fact]
    public void ExecGetsTheContainersCapabilitiesNotTheDaemons()
    {
        var c = Running("exec-caps");

        string Caps(string pid, string set) =>
            engine.Docker("exec", c, "grep", set, $"/proc/{pid}/status").Ok().Split('\t', StringSplitOptions.TrimEntries)[1];

        Assert.Equal(Caps("1", "CapBnd"), Caps("self", "CapBnd"));
        Assert.Equal(Caps("1", "CapEff"), Caps("self", "CapEff"));
        Assert.Equal("00000000a80425fb", Caps("self", "CapBnd")); // Docker's default set, not root's full set
    }

    [Fact]
    public void NoFileDescriptorLeaksIntoTheContainerOrAnExec()
    {
        var c = Running("exec-fds");

        // ls opens the directory it lists as fd 3; anything beyond would come from the daemon, shim or runtime.
        Assert.Equal(["0", "1", "2", "3"], engine.Docker("exec", c, "ls", "/proc/self/fd").Lines);
        Assert.Equal(["0", "1", "2"], engine.Docker("exec", c, "ls", "/proc/1/fd").Lines);
        Assert.Equal(["0", "1", "2", "3"], engine.Docker("exec", "-i", c, "ls", "/proc/self/fd").Lines);
    }

    [Fact]
    public void InspectListsTheRunningExecs()
    {
        var c = Running("exec-ids");

        engine.Docker("exec", "-d", c, "sleep", "30").Ok();

        var ids = Poll.Until("a running exec in inspect", () => engine.Inspect(c, "{{json .ExecIDs}}"), x => x != "null");
        Assert.Matches("^\\[\"[0-9a-f]{64}\"\\]$", ids);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecWithATerminal(string client)
    {
        var c = Running($"exec-tty-{client}");
        using var terminal = new TerminalSession(engine, client, $"exec -it {c} sh", rows: 24, columns: 91);

        terminal.WaitFor("# ");
        terminal.Type("tty; echo $TERM; stty size\r");
        terminal.WaitFor("24 91");
        terminal.Type("exit 7\r");

        Assert.Equal(7, terminal.Exit());
        Assert.Contains("/dev/pts/0", terminal.Screen);
        Assert.Contains("xterm", terminal.Screen);
    }
}

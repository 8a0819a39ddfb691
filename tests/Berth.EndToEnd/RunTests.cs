using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary><c>docker run</c> and its options, as a user types them; each with both clients.</summary>
[Collection(BerthCollection.Name)]
public sealed class RunTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RunPrintsTheOutputOfTheCommand(string client)
    {
        var run = engine.Cli(client, "run", "--rm", "busybox", "echo", "hi");

        run.ExpectExit(0);
        Assert.Equal("hi\n", run.Stdout);
    }

    // compat(docker): the command's own status; 127 not found, 126 not executable, 125 the daemon refused.
    [Theory]
    [InlineData("docker", 42, "", "busybox", "sh", "-c", "exit 42")]
    [InlineData("berth", 42, "", "busybox", "sh", "-c", "exit 42")]
    [InlineData("docker", 127, "executable file not found in $PATH", "busybox", "nosuchcmd")]
    [InlineData("berth", 127, "executable file not found in $PATH", "busybox", "nosuchcmd")]
    [InlineData("docker", 126, "permission denied", "busybox", "/etc/passwd")]
    [InlineData("berth", 126, "permission denied", "busybox", "/etc/passwd")]
    [InlineData("docker", 125, "Minimum memory limit allowed is 6MB", "--memory", "1k", "busybox", "true")]
    [InlineData("berth", 125, "Minimum memory limit allowed is 6MB", "--memory", "1k", "busybox", "true")]
    public void RunExitsWithTheStatusOfTheContainer(string client, int exitCode, string error, params string[] runArgs)
    {
        var run = engine.Cli(client, ["run", "--rm", .. runArgs]);

        run.ExpectExit(exitCode);
        if (error.Length == 0)
        {
            Assert.Equal("", run.Stderr);
        }
        else
        {
            Assert.Contains(error, run.Stderr, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AContainerThatFailsToStartStaysCreatedWithTheError(string client)
    {
        var name = $"start-fails-{client}";

        engine.Cli(client, "run", "--name", name, "busybox", "nosuchcmd").ExpectExit(127);

        Assert.Equal("created 127 false", engine.Inspect(name, "{{.State.Status}} {{.State.ExitCode}} {{.State.Running}}"));
        Assert.Contains("executable file not found", engine.Inspect(name, "{{.State.Error}}"), StringComparison.Ordinal);
        Assert.Equal("Created", engine.PsStatus(client, name));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AContainerThatFailsToStartWithRmIsRemoved(string client)
    {
        var name = $"start-fails-rm-{client}";

        engine.Cli(client, "run", "--rm", "--name", name, "busybox", "nosuchcmd").ExpectExit(127);

        var inspect = engine.Cli(client, "inspect", name);
        inspect.ExpectExit(1);
        Assert.Contains($"No such object: {name}", inspect.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ADetachedServerShowsUpInPs(string client)
    {
        var name = $"web-{client}";

        var id = engine.Cli(client, "run", "-d", "--name", name, "busybox", "httpd", "-f").Ok();

        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.StartsWith("Up ", engine.PsStatus(client, name), StringComparison.Ordinal);
        var row = Assert.Single(engine.Cli(client, "ps").Lines, l => l.EndsWith(" " + name, StringComparison.Ordinal));
        Assert.StartsWith(id[..12] + "   busybox   \"httpd -f\"", row, StringComparison.Ordinal);
        engine.Cli(client, "rm", "-f", name).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void EnvironmentComesFromFlagsAndEnvFiles(string client)
    {
        var envFile = engine.Scratch("env");
        File.WriteAllText(envFile, "FROM_FILE=file\n# a comment\nSPACED=two words\n");

        var run = engine.Cli(client, "run", "--rm", "-e", "GREETING=hello", "--env-file", envFile, "busybox",
            "sh", "-c", "echo \"$GREETING|$FROM_FILE|$SPACED|$HOME\"");

        Assert.Equal("hello|file|two words|/root", run.Ok());
    }

    [Theory]
    [InlineData("docker", "", "/srv/app\n0:0")]
    [InlineData("berth", "", "/srv/app\n0:0")]
    [InlineData("docker", "nobody", "/srv/app\n65534:65534")]
    [InlineData("berth", "nobody", "/srv/app\n65534:65534")]
    public void AMissingWorkingDirectoryIsCreatedForTheUser(string client, string user, string expected)
    {
        string[] userArgs = user.Length == 0 ? [] : ["-u", user];

        var run = engine.Cli(client, ["run", "--rm", .. userArgs, "-w", "/srv/app", "busybox", "sh", "-c", "pwd; stat -c %u:%g ."]);

        Assert.Equal(expected, run.Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheEntrypointTakesTheCommandAsArguments(string client)
    {
        var run = engine.Cli(client, "run", "--rm", "--entrypoint", "/bin/echo", "busybox", "from", "the", "entrypoint");

        Assert.Equal("from the entrypoint", run.Ok());
    }

    // compat(docker): the primary group is always among the supplementary groups (moby since 20.10.18); the
    // expected lines are what the real Docker prints for the same image.
    [Theory]
    [InlineData("docker", "", "uid=0(root) gid=0(root) groups=0(root),10(wheel)")]
    [InlineData("berth", "", "uid=0(root) gid=0(root) groups=0(root),10(wheel)")]
    [InlineData("docker", "nobody", "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)")]
    [InlineData("berth", "nobody", "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)")]
    [InlineData("docker", "65534:65534", "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)")]
    [InlineData("berth", "65534:65534", "uid=65534(nobody) gid=65534(nobody) groups=65534(nobody)")]
    [InlineData("docker", "0:10", "uid=0(root) gid=10(wheel) groups=10(wheel)")]
    [InlineData("berth", "0:10", "uid=0(root) gid=10(wheel) groups=10(wheel)")]
    public void TheUserFlagSetsUidGidAndGroups(string client, string user, string expectedId)
    {
        string[] userArgs = user.Length == 0 ? [] : ["-u", user];

        var run = engine.Cli(client, ["run", "--rm", .. userArgs, "busybox", "id"]);

        Assert.Equal(expectedId, run.Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheDefaultHostnameIsTheShortContainerId(string client)
    {
        var cidFile = engine.Scratch("cid");

        var hostname = engine.Cli(client, "run", "--rm", "--cidfile", cidFile, "busybox", "hostname").Ok();

        Assert.Equal(File.ReadAllText(cidFile).Trim()[..12], hostname);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheHostnameFlagNamesTheHost(string client)
    {
        Assert.Equal("box", engine.Cli(client, "run", "--rm", "--hostname", "box", "busybox", "hostname").Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void LabelsAreInInspectAndSelectContainersInPs(string client)
    {
        var name = $"labelled-{client}";

        engine.Cli(client, "create", "--name", name, "-l", "tier=web", "-l", "owner=e2e", "busybox").Ok();

        Assert.Equal("web e2e", engine.Inspect(name, "{{index .Config.Labels \"tier\"}} {{index .Config.Labels \"owner\"}}"));
        Assert.Contains(name, engine.Cli(client, "ps", "-a", "--filter", "label=tier=web", "--format", "{{.Names}}").Lines);
        Assert.Contains(name, engine.Cli(client, "ps", "-a", "--filter", "label=owner", "--format", "{{.Names}}").Lines);
        Assert.DoesNotContain(name, engine.Cli(client, "ps", "-a", "--filter", "label=tier=db", "--format", "{{.Names}}").Lines);
    }
}

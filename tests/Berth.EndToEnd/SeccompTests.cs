using System.Text.RegularExpressions;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// seccomp as Docker's: every container and exec under Docker's default profile (an allow-list: no new namespaces,
/// no mounts without CAP_SYS_ADMIN), <c>--privileged</c> and <c>seccomp=unconfined</c> without one, a user's profile
/// file through <c>--security-opt seccomp=FILE</c>, and bad profiles refused at create. <c>unshare -U</c> needs no
/// capability, so only the filter stops it.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed partial class SeccompTests(BerthEngine engine)
{
    private CommandResult Run(string client, params string[] args) => engine.Cli(client, ["run", "--rm", .. args]);

    private string SeccompMode(string client, params string[] options) =>
        engine.Cli(client, ["run", "--rm", .. options, "busybox", "grep", "^Seccomp:", "/proc/self/status"]).Ok()["Seccomp:".Length..].Trim();

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheDefaultProfileRefusesANewNamespace(string client)
    {
        Assert.Equal("2", SeccompMode(client)); // SECCOMP_MODE_FILTER
        var r = Run(client, "busybox", "unshare", "-U", "true");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Operation not permitted", r.Stderr, StringComparison.Ordinal);
        // Ordinary work goes on: fork, exec, files, sockets, signals.
        Assert.Equal("ok", Run(client, "busybox", "sh", "-c", "mkdir /d && echo x > /d/f && cat /d/f >/dev/null && (sleep 0 &) && kill -0 $$ && echo ok").Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void MountNeedsCapSysAdminInTheProfileToo(string client)
    {
        var refused = Run(client, "busybox", "sh", "-c", "mkdir /m && mount -t tmpfs none /m");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("mount: permission denied", refused.Stderr, StringComparison.Ordinal); // busybox's words for EPERM
        // CAP_SYS_ADMIN opens the profile's mount, unshare and namespace-making clone as well.
        Assert.Equal("tmpfs", Run(client, "--cap-add", "SYS_ADMIN", "busybox", "sh", "-c", "mkdir /m && mount -t tmpfs none /m && unshare -U true && stat -f -c %T /m").Ok());
    }

    [Theory]
    [InlineData("docker", "--privileged")]
    [InlineData("berth", "--privileged")]
    [InlineData("docker", "--security-opt=seccomp=unconfined")]
    [InlineData("berth", "--security-opt=seccomp=unconfined")]
    [InlineData("docker", "--security-opt=seccomp:unconfined")]
    public void PrivilegedAndUnconfinedRunWithoutAFilter(string client, string option)
    {
        Assert.Equal("0", SeccompMode(client, option));
        Assert.Equal("done", Run(client, option, "busybox", "sh", "-c", "unshare -U true && echo done").Ok());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ExecIsUnderTheContainersFilter(string client)
    {
        var name = "seccomp-exec-" + client;
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sleep", "600").Ok();
        try
        {
            Assert.Equal("Seccomp:\t2", engine.Cli(client, "exec", name, "grep", "^Seccomp:", "/proc/self/status").Ok());
            var r = engine.Cli(client, "exec", name, "unshare", "-U", "true");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("Operation not permitted", r.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    private const string DenyMkdir = """
        {
          "defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [
            { "names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO" },
            { "name": "rmdir", "action": "SCMP_ACT_ERRNO", "errnoRet": 30 }
          ]
        }
        """;

    [Theory]
    [InlineData("docker", "=")]
    [InlineData("berth", "=")]
    [InlineData("docker", ":")]
    public void AProfileFileOfTheUsersIsSentAndApplied(string client, string separator)
    {
        var file = engine.Scratch("deny-mkdir.json");
        File.WriteAllText(file, DenyMkdir);
        var r = Run(client, "--security-opt", "seccomp" + separator + file, "busybox", "sh", "-c", "rmdir /tmp; mkdir /x");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("mkdir: can't create directory '/x': Operation not permitted", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("rmdir: '/tmp': Read-only file system", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void InspectShowsTheOptionAsTheClientSentIt(string client)
    {
        var file = engine.Scratch("inspect.json");
        File.WriteAllText(file, DenyMkdir);
        var name = "seccomp-inspect-" + client;
        engine.Cli(client, "create", "--name", name, "--security-opt", "seccomp=" + file, "busybox", "true").Ok();
        try
        {
            // The docker CLI sends the file's JSON, compacted.
            var sent = engine.Inspect(name, "{{json .HostConfig.SecurityOpt}}");
            Assert.StartsWith("[\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\",\\\"syscalls\\\":[{\\\"names\\\":[\\\"mkdir\\\"", sent, StringComparison.Ordinal);
        }
        finally
        {
            engine.Docker("rm", "-f", name);
        }
    }

    /// <summary>An allow-list of every x86_64 call but mkdir and mkdirat, whose default errno is EROFS.</summary>
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TheDefaultErrnoOfAnAllowListIsReturned(string client)
    {
        var names = File.ReadLines("/usr/include/x86_64-linux-gnu/asm/unistd_64.h")
            .Select(l => NrDefine().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)
            .Where(n => n is not ("mkdir" or "mkdirat")).ToList();
        var file = engine.Scratch("allow-list.json");
        File.WriteAllText(file, $$"""
            {"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":30,"architectures":["SCMP_ARCH_X86_64"],
             "syscalls":[{"names":[{{string.Join(',', names.Select(n => $"\"{n}\""))}}],"action":"SCMP_ACT_ALLOW"}]}
            """);
        var r = Run(client, "--security-opt", "seccomp=" + file, "busybox", "sh", "-c", "echo in; mkdir /x");
        Assert.Equal("in", r.Text);
        Assert.Contains("can't create directory '/x': Read-only file system", r.Stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^#define __NR_(\w+) \d+$")]
    private static partial Regex NrDefine();

    [Theory]
    [InlineData("docker", """{"defaultAction": "SCMP_ACT_ALLOW",""", "compacting json for seccomp profile")]
    [InlineData("berth", """{"defaultAction": "SCMP_ACT_ALLOW",""", "compacting json for seccomp profile")]
    [InlineData("docker", """{"defaultAction":"SCMP_ACT_BOGUS"}""", "Error response from daemon: seccomp: unknown action \"SCMP_ACT_BOGUS\"")]
    [InlineData("berth", """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"op":"SCMP_CMP_NOPE"}]}]}""", "Error response from daemon: seccomp: unknown comparison operator \"SCMP_CMP_NOPE\"")]
    [InlineData("docker", """{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"four"}}]}""", "Error response from daemon: invalid kernel version")]
    public void ABadProfileIsRefusedAndCreatesNothing(string client, string profile, string message)
    {
        var file = engine.Scratch("bad.json");
        File.WriteAllText(file, profile);
        var before = engine.Docker("ps", "-aq").Lines.Count;
        var r = Run(client, "--security-opt", "seccomp=" + file, "busybox", "true");
        r.ExpectExit(125);
        Assert.Contains(message, r.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, engine.Docker("ps", "-aq").Lines.Count);
    }

    [Fact]
    public async Task ABadProfileOverTheApiIsA400()
    {
        var body = """{"Image":"busybox","Cmd":["true"],"HostConfig":{"SecurityOpt":["seccomp={not json"]}}""";
        var response = await engine.Api.PostJsonAsync("/containers/create", body);
        Assert.Equal(400, response.Status);
        Assert.Contains("Decoding seccomp profile failed", response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void InfoShowsTheBuiltinProfile(string client)
    {
        var info = engine.Cli(client, "info").Ok();
        Assert.Matches(@"Security Options:\n  seccomp\n   Profile: builtin\n", info);
    }

    [Fact]
    public void RuncGetsTheSameFilterFromTheSpec()
    {
        Assert.Equal("2", SeccompMode("docker", "--runtime", "runc"));
        var r = Run("docker", "--runtime", "runc", "busybox", "unshare", "-U", "true");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("Operation not permitted", r.Stderr, StringComparison.Ordinal);
    }
}

/// <summary>berthd's <c>--seccomp-profile FILE</c>: the profile of every container that names none, shown by info.</summary>
public sealed class DaemonSeccompProfileTests(DaemonSeccompProfileTests.OwnEngine own) : IClassFixture<DaemonSeccompProfileTests.OwnEngine>
{
    public sealed class OwnEngine : IDisposable
    {
        public OwnEngine()
        {
            Profile = Path.Join(Path.GetTempPath(), $"berth-seccomp-{Environment.ProcessId}.json");
            File.WriteAllText(Profile, """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}""");
            Engine = new BerthEngine(["--seccomp-profile", Profile]);
        }

        public string Profile { get; }

        public BerthEngine Engine { get; }

        public void Dispose()
        {
            Engine.Dispose();
            File.Delete(Profile);
        }
    }

    [Fact]
    public void TheDaemonsProfileIsEveryContainersUnlessOneIsNamed()
    {
        var engine = own.Engine;
        Assert.Contains($"  seccomp\n   Profile: {own.Profile}\n", engine.Docker("info").Ok(), StringComparison.Ordinal);
        var r = engine.Docker("run", "--rm", "busybox", "mkdir", "/x");
        Assert.Contains("Operation not permitted", r.ExpectExit(1).Stderr, StringComparison.Ordinal);
        // seccomp=builtin asks for Docker's default instead: mkdir works, unshare does not.
        var builtin = engine.Docker("run", "--rm", "--security-opt", "seccomp=builtin", "busybox", "sh", "-c", "mkdir /x && unshare -U true");
        Assert.Contains("unshare: unshare(0x10000000): Operation not permitted", builtin.ExpectExit(1).Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AProfileThatCannotBeReadStopsTheDaemonAtStart()
    {
        var dir = Directory.CreateTempSubdirectory("berth-e2e-");
        var daemon = new BerthDaemon(dir.FullName, ["--seccomp-profile", Path.Join(dir.FullName, "missing.json")]);
        try
        {
            var e = Assert.Throws<InvalidOperationException>(daemon.Start);
            Assert.Contains("berthd exited with 1", e.Message, StringComparison.Ordinal);
            Assert.Contains($"failed to start daemon: opening seccomp profile ({dir.FullName}/missing.json) failed", e.Message, StringComparison.Ordinal);
            Assert.False(Directory.Exists(Path.Join(dir.FullName, "data", "overlay2")) || Directory.Exists(Path.Join(dir.FullName, "data", "vfs")));
        }
        finally
        {
            if (daemon.IsRunning)
            {
                daemon.Stop("TERM");
            }
            dir.Delete(recursive: true);
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Berth.EndToEnd.Infrastructure;
using Berth.EndToEnd.Infrastructure.Skipping;

namespace Berth.EndToEnd;

/// <summary>top, stats, pause/unpause, rename and update on containers that exist: what they show, what they change
/// in the kernel (read back from the container's cgroup files), and what they refuse, leaving the container as it was.</summary>
[Collection(BerthCollection.Name)]
public sealed class OperationsTests(BerthEngine engine)
{
    private const string Counter = "i=0; while true; do i=$((i+1)); echo $i; sleep 0.1; done";

    private static string Cgroup(string controller, string id, string file) =>
        File.ReadAllText($"/sys/fs/cgroup/{controller}/berth/{id}/{file}").Trim();

    private static void RequireCgroupV1()
    {
        if (HostTraces.CgroupV2)
        {
            throw new SkipException("this test reads cgroup v1 files and this host runs cgroup v2");
        }
    }

    private string RunDetached(string client, string name, params string[] args) =>
        engine.Cli(client, ["run", "-d", "--name", name, .. args]).Ok();

    private int LogLines(string name) => engine.Docker("logs", name).Lines.Count;

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TopListsTheContainersProcessesWithPsColumns(string client)
    {
        var name = $"top-{client}";
        RunDetached(client, name, "busybox", "sh", "-c", "sleep 1001 & sleep 1002 & wait");
        var pid = engine.Inspect(name, "{{.State.Pid}}");
        Poll.Until("sh and both sleeps", () => engine.Cli(client, "top", name), r => r.Lines.Count == 4);

        var top = engine.Cli(client, "top", name);

        top.ExpectExit(0);
        Assert.Equal(["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"], top.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("UID                 PID                 PPID", top.Lines[0], StringComparison.Ordinal);
        var rows = top.Lines.Skip(1).ToList();
        Assert.Equal(3, rows.Count);
        Assert.Contains(rows, r => r.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == pid && r.EndsWith("sh -c sleep 1001 & sleep 1002 & wait", StringComparison.Ordinal));
        Assert.All(rows, r => Assert.Equal("root", r.Split(' ')[0]));

        var custom = engine.Cli(client, "top", name, "-o", "pid,comm");
        Assert.Equal(["PID", "COMMAND"], custom.Lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["sh", "sleep", "sleep"], custom.Lines.Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void TopOfAStoppedContainerIsAnError(string client)
    {
        var name = $"top-stopped-{client}";
        engine.Cli(client, "run", "--name", name, "busybox", "true").Ok();
        var id = engine.Inspect(name, "{{.Id}}");

        var top = engine.Cli(client, "top", name);

        top.ExpectExit(1);
        Assert.Equal($"Error response from daemon: Container {id} is not running", top.Stderr.Trim());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StatsNoStreamShowsTheMemoryLimitAndThePids(string client)
    {
        var name = $"stats-{client}";
        var id = RunDetached(client, name, "-m", "64m", "busybox", "sh", "-c", "sleep 1001 & sleep 1002 & wait");
        Poll.Until("three processes", () => engine.Cli(client, "top", name), r => r.Lines.Count == 4);

        var stats = engine.Cli(client, "stats", "--no-stream", name);

        stats.ExpectExit(0);
        Assert.Equal(["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"],
            stats.Lines[0].Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var row = stats.Lines[1];
        Assert.StartsWith(id[..12] + "   " + name + "   ", row, StringComparison.Ordinal);
        Assert.Matches(@"\d+\.\d\d%\s+[\d.]+[KM]iB / 64MiB\s+\d+\.\d\d%\s+\S+ / \S+\s+\S+ / \S+\s+3$", row);

        var fields = engine.Cli(client, "stats", "--no-stream", "--format", "{{.Name}}|{{.MemUsage}}|{{.PIDs}}", name).Ok().Split('|');
        Assert.Equal(name, fields[0]);
        Assert.EndsWith(" / 64MiB", fields[1], StringComparison.Ordinal);
        Assert.Equal("3", fields[2]);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StatsWithoutNamesShowsEveryRunningContainer(string client)
    {
        var (running, stopped) = ($"stats-all-{client}", $"stats-all-stopped-{client}");
        RunDetached(client, running, "busybox", "sleep", "1000");
        engine.Cli(client, "create", "--name", stopped, "busybox").Ok();

        var names = engine.Cli(client, "stats", "--no-stream", "--format", "{{.Name}}").Ok().Split('\n');
        Assert.Contains(running, names);
        Assert.DoesNotContain(stopped, names);

        var all = engine.Cli(client, "stats", "--no-stream", "--all", "--format", "{{.Name}} {{.MemUsage}} {{.PIDs}}").Ok().Split('\n');
        Assert.Contains($"{stopped} 0B / 0B 0", all);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StatsOfAnUnknownContainerIsAnError(string client)
    {
        var stats = engine.Cli(client, "stats", "--no-stream", "no-such-stats");
        stats.ExpectExit(1);
        Assert.Equal("Error response from daemon: No such container: no-such-stats", stats.Stderr.Trim());
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void StatsStreamsAReadingEverySecond(string client)
    {
        var name = $"stats-stream-{client}";
        RunDetached(client, name, "busybox", "sleep", "1000");

        // Counted as they come rather than in a fixed run time, which a loaded machine's slow CLI start would eat into.
        // (It is killed at the end: the docker CLI keeps drawing after SIGTERM, only cancelling its requests.)
        using var stats = engine.CliInBackground(client, "stats", name, "--format", "{{.Name}} {{.PIDs}}");
        int Frames() => stats.Stdout.Split("\u001b[J").Length - 1;
        Poll.Until("a first frame", Frames, n => n >= 1);
        var sinceFirst = System.Diagnostics.Stopwatch.StartNew();
        Poll.Until("four frames more", Frames, n => n >= 5);
        var fourIntervals = sinceFirst.Elapsed;

        Assert.False(stats.HasExited, "stats ended by itself:\n" + stats.Stderr);
        // compat(docker): the table redrawn twice a second from the top left, each line erased to its end. (Four
        // intervals take about 2 s; a drawing delayed by load may make one of them short, never all.)
        Assert.True(fourIntervals >= TimeSpan.FromSeconds(1), $"five frames within {fourIntervals}: drawn faster than twice a second");
        var frames = stats.Stdout.Split("\u001b[J")[..^1];
        Assert.All(frames, f => Assert.StartsWith($"\u001b[H{name} 1\n\u001b[H{name} 1 \u001b[K\n \u001b[K\n", f, StringComparison.Ordinal));
    }

    [Fact]
    public async Task StatsJsonHasDockersShapeWithTwoReadingsASecondApart()
    {
        var name = "stats-json";
        var id = RunDetached("docker", name, "-m", "64m", "busybox", "sh", "-c", "while true; do :; done");

        var response = await engine.Api.GetAsync($"/v1.41/containers/{name}/stats?stream=0");

        Assert.Equal(200, response.Status);
        using var doc = JsonDocument.Parse(response.Body);
        var s = doc.RootElement;
        Assert.Equal($"/{name}", s.GetProperty("name").GetString());
        Assert.Equal(id, s.GetProperty("id").GetString());
        var gap = s.GetProperty("read").GetDateTimeOffset() - s.GetProperty("preread").GetDateTimeOffset();
        // A second, give or take what a loaded machine adds to the wait between the two.
        Assert.InRange(gap, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(2.5));
        var cpu = s.GetProperty("cpu_stats");
        var pre = s.GetProperty("precpu_stats");
        Assert.True(cpu.GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64() > pre.GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64());
        Assert.True(cpu.GetProperty("system_cpu_usage").GetUInt64() > pre.GetProperty("system_cpu_usage").GetUInt64());
        Assert.Equal((uint)Environment.ProcessorCount, cpu.GetProperty("online_cpus").GetUInt32());
        Assert.Equal(Environment.ProcessorCount, cpu.GetProperty("cpu_usage").GetProperty("percpu_usage").GetArrayLength());
        Assert.Equal(67108864UL, s.GetProperty("memory_stats").GetProperty("limit").GetUInt64());
        Assert.True(s.GetProperty("memory_stats").GetProperty("stats").TryGetProperty("total_inactive_file", out _));
        Assert.Equal(1UL, s.GetProperty("pids_stats").GetProperty("current").GetUInt64());
        Assert.Equal(JsonValueKind.Array, s.GetProperty("blkio_stats").GetProperty("io_service_bytes_recursive").ValueKind);

        var oneShot = await engine.Api.GetAsync($"/v1.41/containers/{name}/stats?stream=0&one-shot=1");
        using var one = JsonDocument.Parse(oneShot.Body);
        Assert.Equal("0001-01-01T00:00:00Z", one.RootElement.GetProperty("preread").GetString());

        var both = await engine.Api.GetAsync($"/v1.41/containers/{name}/stats?stream=1&one-shot=1");
        Assert.Equal(400, both.Status);
        engine.Docker("rm", "-f", name).Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PauseFreezesTheContainerAndUnpauseResumesIt(string client)
    {
        var name = $"paused-{client}";
        var id = RunDetached(client, name, "busybox", "sh", "-c", Counter);
        Poll.Until("the counter to run", () => LogLines(name), n => n >= 3);

        Assert.Equal(name, engine.Cli(client, "pause", name).Ok());

        Assert.Equal("paused true true", engine.Inspect(name, "{{.State.Status}} {{.State.Paused}} {{.State.Running}}"));
        Assert.Matches(@"^Up .+ \(Paused\)$", engine.PsStatus(client, name));
        RequireCgroupV1();
        Assert.Equal("FROZEN", Cgroup("freezer", id, "freezer.state"));
        // Lines the counter wrote just before the freeze may still be on their way to the log (the shim is not
        // frozen, and a loaded machine can leave it behind): the count has settled before the absence is timed.
        var frozenAt = LogLines(name);
        var settling = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            Thread.Sleep(300);
            var now = LogLines(name);
            if (now == frozenAt)
            {
                break;
            }
            frozenAt = now;
            Assert.True(settling.Elapsed < Poll.DefaultTimeout, "the log of a frozen container never stopped growing");
        }
        Thread.Sleep(1000);
        Assert.Equal(frozenAt, LogLines(name));

        Assert.Equal(name, engine.Cli(client, "unpause", name).Ok());

        Assert.Equal("running false", engine.Inspect(name, "{{.State.Status}} {{.State.Paused}}"));
        Assert.Equal("THAWED", Cgroup("freezer", id, "freezer.state"));
        Poll.Until("the counter to go on", () => LogLines(name), n => n > frozenAt + 2);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void PauseAndUnpauseRefuseWhatDoesNotFit(string client)
    {
        var (running, stopped) = ($"pause-refusals-{client}", $"pause-refusals-stopped-{client}");
        var runningId = RunDetached(client, running, "busybox", "sleep", "1000");
        engine.Cli(client, "create", "--name", stopped, "busybox").Ok();
        var stoppedId = engine.Inspect(stopped, "{{.Id}}");

        var notPaused = engine.Cli(client, "unpause", running);
        var notRunning = engine.Cli(client, "pause", stopped);
        engine.Cli(client, "pause", running).Ok();
        var twice = engine.Cli(client, "pause", running);

        Assert.Equal($"Error response from daemon: Container {runningId} is not paused", notPaused.ExpectExit(1).Stderr.Trim());
        Assert.Equal($"Error response from daemon: Container {stoppedId} is not running", notRunning.ExpectExit(1).Stderr.Trim());
        Assert.Equal($"Error response from daemon: Container {runningId} is already paused", twice.ExpectExit(1).Stderr.Trim());
        Assert.Equal("paused", engine.Inspect(running, "{{.State.Status}}"));
        Assert.Equal("created", engine.Inspect(stopped, "{{.State.Status}}"));
        Assert.Equal("Error response from daemon: No such container: nope", engine.Cli(client, "pause", "nope").ExpectExit(1).Stderr.Trim());
    }

    [Theory]
    [InlineData("docker", "stop", "-t", "1")]
    [InlineData("berth", "stop", "-t", "1")]
    [InlineData("docker", "kill")]
    [InlineData("berth", "kill")]
    [InlineData("docker", "rm", "-f")]
    [InlineData("berth", "rm", "-f")]
    public void APausedContainerCanStillBeStoppedKilledAndRemoved(string client, string verb, params string[] flags)
    {
        var name = $"paused-{verb}-{client}";
        RunDetached(client, name, "busybox", "sleep", "1000");
        engine.Cli(client, "pause", name).Ok();

        var run = engine.Cli(client, [verb, .. flags, name]);

        Assert.Equal(name, run.Ok());
        Assert.True(run.Elapsed < TimeSpan.FromSeconds(10), $"{verb} took {run.Elapsed}");
        if (verb != "rm")
        {
            // stop and kill return once the container has exited, as dockerd's do.
            Assert.Equal("137", engine.Cli(client, "wait", name).Ok());
            Assert.Equal("exited 137 false", engine.Inspect(name, "{{.State.Status}} {{.State.ExitCode}} {{.State.Paused}}"));
        }
    }

    [Fact]
    public void PauseAndUnpauseAreEventsAndInfoCountsPausedContainers()
    {
        var name = "paused-events";
        var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        RunDetached("docker", name, "busybox", "sleep", "1000");
        var before = int.Parse(engine.Docker("info", "--format", "{{.ContainersPaused}}").Ok(), CultureInfo.InvariantCulture);
        engine.Docker("pause", name).Ok();

        Assert.Equal(before + 1, int.Parse(engine.Docker("info", "--format", "{{.ContainersPaused}}").Ok(), CultureInfo.InvariantCulture));

        engine.Docker("unpause", name).Ok();
        engine.Docker("rename", name, name + "-renamed").Ok();
        engine.Docker("update", "--cpu-shares", "256", name + "-renamed").Ok();
        var until = (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1).ToString(CultureInfo.InvariantCulture);
        var events = engine.Docker("events", "--since", since, "--until", until, "--filter", "event=pause", "--filter", "event=unpause",
            "--filter", "event=rename", "--filter", "event=update", "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.oldName}}").Ok();
        Assert.Equal(["pause paused-events <no value>", "unpause paused-events <no value>", $"rename {name}-renamed /{name}", $"update {name}-renamed <no value>"],
            events.Split('\n').Where(l => l.Contains(name, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void APausedContainerIsStillPausedAfterADaemonRestart(string client)
    {
        var name = $"paused-restart-{client}";
        RunDetached(client, name, "busybox", "sh", "-c", Counter);
        engine.Cli(client, "pause", name).Ok();

        Assert.Equal(0, engine.Daemon.Stop("TERM"));
        engine.Daemon.Start();

        Assert.Equal("paused true", engine.Cli(client, "inspect", "-f", "{{.State.Status}} {{.State.Paused}}", name).Ok());
        Assert.Matches(@"^Up .+ \(Paused\)$", engine.PsStatus(client, name));
        var frozenAt = LogLines(name);
        Assert.Equal(name, engine.Cli(client, "unpause", name).Ok());
        Poll.Until("the counter to go on", () => LogLines(name), n => n > frozenAt + 2);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RenameChangesTheNameAndRefusesTakenSameAndInvalidNames(string client)
    {
        var (old, renamed, other) = ($"rename-a-{client}", $"rename-b-{client}", $"rename-other-{client}");
        var id = RunDetached(client, old, "busybox", "sleep", "1000");
        var otherId = engine.Cli(client, "create", "--name", other, "busybox").Ok();

        var rename = engine.Cli(client, "rename", old, renamed);

        Assert.Equal("", rename.Ok());
        Assert.Equal($"/{renamed} {id}", engine.Inspect(renamed, "{{.Name}} {{.Id}}"));
        Assert.Equal(1, engine.Cli(client, "inspect", old).ExitCode);
        Assert.Equal([id[..12]], engine.Docker("ps", "-q", "--filter", $"name=^{renamed}$").Lines);

        var taken = engine.Cli(client, "rename", renamed, other);
        Assert.Equal($"Error response from daemon: Error when allocating new name: Conflict. The container name \"/{other}\" is already in use by container \"{otherId}\". You have to remove (or rename) that container to be able to reuse that name.\nError: failed to rename container named {renamed}",
            taken.ExpectExit(1).Stderr.Trim());
        var same = engine.Cli(client, "rename", renamed, renamed);
        Assert.Equal($"Error response from daemon: Renaming a container with the same name as its current name\nError: failed to rename container named {renamed}", same.ExpectExit(1).Stderr.Trim());
        var invalid = engine.Cli(client, "rename", renamed, "bad name");
        Assert.StartsWith("Error response from daemon: Error when allocating new name: Invalid container name (/bad name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", invalid.ExpectExit(1).Stderr, StringComparison.Ordinal);
        Assert.Equal("Error: Neither old nor new names may be empty", engine.Cli(client, "rename", renamed, "").ExpectExit(1).Stderr.Trim());
        Assert.Equal($"/{renamed}", engine.Inspect(id, "{{.Name}}"));
        Assert.Equal($"/{other}", engine.Inspect(otherId, "{{.Name}}"));

        // The old name is free again.
        engine.Cli(client, "create", "--name", old, "busybox").Ok();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void UpdateChangesTheLiveCgroupAndInspect(string client)
    {
        RequireCgroupV1();
        var name = $"update-live-{client}";
        var id = RunDetached(client, name, "-m", "64m", "busybox", "sleep", "1000");

        var update = engine.Cli(client, "update", "-m", "128m", "--memory-swap", "256m", "--cpus", "0.5", "--cpu-shares", "512", "--pids-limit", "20",
            "--restart", "on-failure:3", name);

        Assert.Equal(name, update.Ok());
        Assert.Equal("134217728", Cgroup("memory", id, "memory.limit_in_bytes"));
        Assert.Equal("268435456", Cgroup("memory", id, "memory.memsw.limit_in_bytes"));
        Assert.Equal("50000", Cgroup("cpu", id, "cpu.cfs_quota_us"));
        Assert.Equal("100000", Cgroup("cpu", id, "cpu.cfs_period_us"));
        Assert.Equal("512", Cgroup("cpu", id, "cpu.shares"));
        Assert.Equal("20", Cgroup("pids", id, "pids.max"));
        Assert.Equal("134217728 268435456 500000000 512 20 on-failure 3",
            engine.Inspect(name, "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}"));
        Assert.EndsWith(" / 128MiB", engine.Cli(client, "stats", "--no-stream", "--format", "{{.MemUsage}}", name).Ok(), StringComparison.Ordinal);

        Assert.Equal(name, engine.Cli(client, "update", "--pids-limit", "-1", name).Ok());
        Assert.Equal("max", Cgroup("pids", id, "pids.max"));
        Assert.Equal("0", engine.Inspect(name, "{{.HostConfig.PidsLimit}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void UpdateOfAStoppedContainerTakesEffectWhenItStarts(string client)
    {
        RequireCgroupV1();
        var name = $"update-stopped-{client}";
        engine.Cli(client, "create", "--name", name, "busybox", "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/pids/pids.max").Ok();

        Assert.Equal(name, engine.Cli(client, "update", "-m", "96m", "--memory-swap", "192m", "--pids-limit", "33", name).Ok());
        Assert.Equal("100663296 201326592 33", engine.Inspect(name, "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.PidsLimit}}"));

        engine.Cli(client, "start", name).Ok();
        Assert.Equal("0", engine.Cli(client, "wait", name).Ok());
        Assert.Equal("100663296\n33\n", engine.Docker("logs", name).Stdout);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void BadUpdatesAreRefusedAndChangeNothing(string client)
    {
        RequireCgroupV1();
        var name = $"update-refused-{client}";
        var id = RunDetached(client, name, "-m", "64m", "busybox", "sleep", "1000");
        const string Limits = "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}} {{.HostConfig.RestartPolicy.Name}}";
        var inspected = engine.Inspect(name, Limits);

        (string[] Args, string Error)[] cases =
        [
            (["-m", "200m"], $"Error response from daemon: Cannot update container {id}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time"),
            (["-m", "1m"], "Error response from daemon: Minimum memory limit allowed is 6MB"),
            (["-m", "100m", "--memory-swap", "50m"], "Error response from daemon: Minimum memoryswap limit should be larger than memory limit, see usage"),
            (["--cpus", "64"], $"Error response from daemon: Range of CPUs is from 0.01 to {Environment.ProcessorCount}.00, as there are only {Environment.ProcessorCount} CPUs available"),
            (["--restart", "sometimes"], "Error response from daemon: invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"),
            ([], "you must provide one or more flags when using this command"),
        ];
        foreach (var (args, error) in cases)
        {
            var update = engine.Cli(client, ["update", .. args, name]);
            Assert.True(update.ExitCode == 1, update.ToString());
            Assert.Equal(error, update.Stderr.Trim());
        }

        Assert.Equal(inspected, engine.Inspect(name, Limits));
        Assert.Equal("67108864", Cgroup("memory", id, "memory.limit_in_bytes"));
        Assert.Equal("134217728", Cgroup("memory", id, "memory.memsw.limit_in_bytes"));
        Assert.Equal("Error response from daemon: No such container: no-such-update", engine.Cli(client, "update", "-m", "64m", "no-such-update").ExpectExit(1).Stderr.Trim());
    }
}

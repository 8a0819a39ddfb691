using System.Diagnostics;
using System.Text.Json;
using Berth.Linux;
using Berth.Runtime.Shim;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Containers;

/// <summary>A shim the daemon starts ahead of need: a container adopts it and must not be able to tell.</summary>
[Collection(ContainerCollection.Name)]
public sealed class SpareShimTests
{
    [Fact]
    public async Task A_container_adopts_the_spare_and_sees_what_a_cold_start_gives()
    {
        using var runtime = new ContainerRuntime(await Artifacts.RuntimeAsync()) { KeepSpare = true };
        runtime.Refill();
        await WaitForSpareAsync(runtime);

        await using var container = await TestContainer.CreateBundleAsync("berth");
        using var cts = new CancellationTokenSource(TestContainer.Timeout);
        var (client, ready) = await container.CreateAsync(runtime, cts.Token);
        Assert.False(runtime.SpareReady); // taken; the daemon asks for the next once the container has started
        await using var attachment = await client.AttachAsync(cts.Token);
        var waiting = client.WaitAsync(cts.Token);
        await client.StartAsync(cts.Token);
        runtime.Refill();
        var exit = await waiting.WaitAsync(TestContainer.Timeout, cts.Token);
        Assert.Equal(0, exit.ExitCode);

        var stdout = string.Concat(Runtime.Logging.JsonFileLog.ReadAll(container.LogPath).Where(e => e.Stream == Runtime.Logging.LogStream.Stdout).Select(e => System.Text.Encoding.UTF8.GetString(e.Line.Span)));
        using var report = JsonDocument.Parse(stdout);
        var root = report.RootElement;
        Assert.Equal(1, root.GetProperty("pid").GetInt32());
        Assert.Equal(container.Spec.Hostname, root.GetProperty("hostname").GetString());
        Assert.Contains("/dev/null", root.GetProperty("fds").EnumerateObject().Where(f => f.Name == "0").Select(f => f.Value.GetString()));
        await container.AssertNothingLeftAsync();
        await WaitForSpareAsync(runtime);
    }

    [Fact]
    public async Task A_spare_ends_with_its_init_when_the_daemon_lets_go()
    {
        var before = SpareShimPids().ToHashSet();
        int shimPid;
        using (var runtime = new ContainerRuntime(await Artifacts.RuntimeAsync()) { KeepSpare = true })
        {
            runtime.Refill();
            await WaitForSpareAsync(runtime);
            shimPid = SpareShimPids().Single(p => !before.Contains(p));
        }
        var deadline = Stopwatch.StartNew();
        while (Alive(shimPid) && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
        Assert.False(Alive(shimPid), "the spare shim outlived the runtime that kept it");
    }

    /// <summary>Running, not a zombie. The test host reaps the shim as soon as it exits, which may fall between
    /// seeing its /proc directory and reading its stat: a stat that cannot be read is a process gone.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static int ParentOf(string procDir)
    {
        try
        {
            // stat: "pid (comm) state ppid …"; comm may hold spaces, so count from the last ')'.
            var stat = File.ReadAllText(Path.Join(procDir, "stat"));
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static IEnumerable<int> SpareShimPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Join(dir, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }
            // This test host's spares only: other daemons on the machine keep spares of their own.
            if (cmdline == "berth-runtime\0shim\0--spare\0" && ParentOf(dir) == Environment.ProcessId)
            {
                yield return pid;
            }
        }
    }

    private static async Task WaitForSpareAsync(ContainerRuntime runtime)
    {
        var clock = Stopwatch.StartNew();
        while (!runtime.SpareReady)
        {
            Assert.True(clock.Elapsed < TestContainer.Timeout, "no spare shim became ready");
            await Task.Delay(10);
        }
    }
}

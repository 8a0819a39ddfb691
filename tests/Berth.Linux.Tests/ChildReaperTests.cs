namespace Berth.Linux.Tests;

/// <summary>The reaper hands each child's end to its waiter and leaves no zombie of a child nobody waits for.</summary>
public sealed class ChildReaperTests
{
    [Theory]
    [InlineData("exit 0", 0, 0)]
    [InlineData("exit 3", 3, 0)]
    [InlineData("exit 255", 255, 0)]
    [InlineData("kill -KILL $$", 137, 9)]   // a signal reads as 128+n, as a shell and Docker report it
    [InlineData("kill -TERM $$", 143, 15)]
    [InlineData("kill -SEGV $$", 139, 11)]
    public async Task Exit_codes_and_signals(string script, int code, int signal)
    {
        var (status, _) = await Child.ShellAsync(script);
        Assert.Equal(new ExitStatus(code, signal), status);
        Assert.Equal(signal != 0, status.Signaled);
    }

    [Fact]
    public async Task A_child_that_ended_before_anyone_waited_is_still_reported()
    {
        using var devnull = Fs.Open("/dev/null", LibC.O_RDWR);
        var pid = Spawner.Spawn(new SpawnRequest { Path = "/bin/sh", Args = ["sh", "-c", "exit 42"], Fds = new Dictionary<int, System.Runtime.InteropServices.SafeHandle> { [1] = devnull } });
        // Reaped (gone from /proc) before WaitAsync is called: the status waits in the reaper for its claimant.
        Assert.True(await Child.EventuallyAsync(() => !Directory.Exists($"/proc/{pid}")));
        Assert.Equal(new ExitStatus(42, 0), await ChildReaper.WaitAsync(pid).WaitAsync(Child.Timeout));
    }

    [Fact]
    public async Task Detached_children_are_reaped_and_leave_no_zombie()
    {
        using var devnull = Fs.Open("/dev/null", LibC.O_RDWR);
        var pids = Enumerable.Range(0, 5).Select(_ => Spawner.Spawn(new SpawnRequest
        {
            Path = "/bin/true",
            Args = ["true"],
            Detached = true,
            Fds = new Dictionary<int, System.Runtime.InteropServices.SafeHandle> { [0] = devnull, [1] = devnull, [2] = devnull },
        })).ToList();

        // Nobody calls WaitAsync: the reaper must collect them on its own. A zombie shows as state Z until then.
        Assert.True(await Child.EventuallyAsync(() => pids.All(p => !IsOurZombieOrRunning(p))), "a detached child was left as a zombie");
    }

    private static bool IsOurZombieOrRunning(int pid)
    {
        try
        {
            var stat = Child.Stat(pid);
            return stat[1] == Environment.ProcessId.ToString();
        }
        catch (IOException)
        {
            return false; // gone: reaped
        }
    }
}

namespace Berth.Linux;

/// <summary>
/// The one place that reaps this process's children: a thread blocked in waitpid(-1) hands each status to whoever
/// waits for that pid, and discards those of detached children (a daemon's shims), so no zombie is left behind.
/// Start it before any thread unshares a pid namespace: such a thread can no longer create threads.
/// </summary>
public static class ChildReaper
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<int, TaskCompletionSource<ExitStatus>> Waiters = [];
    private static readonly Dictionary<int, ExitStatus> Unclaimed = [];
    private static readonly HashSet<int> Detached = [];
    private static readonly SemaphoreSlim ChildrenExist = new(0);
    private static Thread? _thread;

    public static void EnsureStarted()
    {
        lock (Gate)
        {
            if (_thread is not null)
            {
                return;
            }
            _thread = new Thread(Loop, 64 * 1024) { IsBackground = true, Name = "child-reaper" };
            _thread.Start();
        }
    }

    /// <summary>Called after every spawn: wakes the reaper if it was idle for lack of children.</summary>
    internal static void ChildStarted(int pid, bool detached)
    {
        lock (Gate)
        {
            if (detached && !Unclaimed.Remove(pid))
            {
                Detached.Add(pid);
            }
        }
        ChildrenExist.Release();
    }

    public static Task<ExitStatus> WaitAsync(int pid)
    {
        EnsureStarted();
        lock (Gate)
        {
            if (Unclaimed.Remove(pid, out var status))
            {
                return Task.FromResult(status);
            }
            if (!Waiters.TryGetValue(pid, out var tcs))
            {
                tcs = new TaskCompletionSource<ExitStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
                Waiters[pid] = tcs;
            }
            return tcs.Task;
        }
    }

    private static void Loop()
    {
        while (true)
        {
            var pid = LibC.waitpid(-1, out var raw, 0);
            if (pid > 0)
            {
                var status = ExitStatus.FromWaitStatus(raw);
                lock (Gate)
                {
                    if (Waiters.Remove(pid, out var tcs))
                    {
                        tcs.TrySetResult(status);
                    }
                    else if (!Detached.Remove(pid))
                    {
                        Unclaimed[pid] = status;
                    }
                }
                continue;
            }
            var errno = Sys.LastErrno;
            if (errno == LibC.ECHILD)
            {
                ChildrenExist.Wait(TimeSpan.FromSeconds(1));
            }
        }
    }
}

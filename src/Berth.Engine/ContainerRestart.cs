using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine;

/// <summary>
/// Restart policies (<c>--restart no|always|on-failure[:N]|unless-stopped</c>), with Docker's rule and back-off:
/// 100 ms before the first restart, doubling up to a minute, back to 100 ms once a run has lasted 10 seconds.
/// <c>docker stop</c> marks a container manually stopped, which holds every policy until the next start; at
/// daemon start, <c>always</c> restarts even those, <c>unless-stopped</c> does not.
/// </summary>
public sealed partial class ContainerService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(1);

    /// <summary>moby's restart manager: whether an exit with <paramref name="exitCode"/> is followed by a restart.</summary>
    internal static bool ShouldRestart(RestartPolicy policy, int exitCode, bool manuallyStopped, int restartCount, bool daemonStarting = false) => policy.Name switch
    {
        "always" => daemonStarting || !manuallyStopped,
        "unless-stopped" => !manuallyStopped,
        "on-failure" => !manuallyStopped && exitCode != 0 && (policy.MaximumRetryCount == 0 || restartCount < policy.MaximumRetryCount),
        _ => false,
    };

    /// <summary>The wait before the next restart, from the one before and how long the last run lasted.</summary>
    internal static TimeSpan NextBackoff(TimeSpan previous, TimeSpan lastRun) =>
        previous == TimeSpan.Zero || lastRun >= TimeSpan.FromSeconds(10) ? FirstBackoff
            : previous * 2 > MaxBackoff ? MaxBackoff : previous * 2;

    /// <summary>After an exit: schedules the restart the policy asks for; false when there is none.</summary>
    private bool ScheduleRestart(ContainerEntry entry, int exitCode, bool daemonStarting = false)
    {
        var c = entry.Container;
        if (entry.Removing || !ShouldRestart(c.HostConfig.RestartPolicy, exitCode, c.HasBeenManuallyStopped, c.RestartCount, daemonStarting))
        {
            return false;
        }
        var lastRun = c.State.FinishedAt > c.State.StartedAt ? c.State.FinishedAt - c.State.StartedAt : TimeSpan.Zero;
        var delay = daemonStarting ? TimeSpan.Zero : entry.RestartBackoff = NextBackoff(entry.RestartBackoff, lastRun);
        var pending = new CancellationTokenSource();
        lock (_lock)
        {
            entry.PendingRestart?.Cancel();
            entry.PendingRestart = pending;
            c.State.Restarting = true;
            c.State.Status = "restarting";
        }
        Persist(c);
        _ = RestartAfterAsync(entry, delay, pending);
        return true;
    }

    private async Task RestartAfterAsync(ContainerEntry entry, TimeSpan delay, CancellationTokenSource pending)
    {
        try
        {
            await Task.Delay(delay, pending.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        await entry.Operation.WaitAsync().ConfigureAwait(false);
        var c = entry.Container;
        try
        {
            if (pending.IsCancellationRequested || entry.Removing || c.State.Running)
            {
                return;
            }
            lock (_lock)
            {
                entry.PendingRestart = null;
                c.State.Restarting = false;
                c.RestartCount++;
            }
            await StartLockedAsync(entry, CancellationToken.None).ConfigureAwait(false);
        }
        catch (BerthException e)
        {
            // compat(docker): a restart that cannot start is not retried; the container stays exited with the error.
            Log.Warn("restart failed", ("container", c.ShortId), ("error", e.Message));
        }
        finally
        {
            entry.Operation.Release();
        }
    }

    /// <summary>Drops a pending restart (stop, rm -f, a user's start); true if there was one.</summary>
    private bool CancelRestart(ContainerEntry entry)
    {
        CancellationTokenSource? pending;
        lock (_lock)
        {
            pending = entry.PendingRestart;
            entry.PendingRestart = null;
            if (pending is not null)
            {
                entry.Container.State.Restarting = false;
                entry.Container.State.Status = "exited";
            }
        }
        if (pending is null)
        {
            return false;
        }
        pending.Cancel();
        Persist(entry.Container);
        return true;
    }

    /// <summary>At daemon start: containers that are not running but whose policy wants them running are started.</summary>
    private void RestartAtDaemonStart(ContainerEntry entry)
    {
        var c = entry.Container;
        if (c.State.Restarting || c.State.Status == "exited")
        {
            if (!ScheduleRestart(entry, c.State.ExitCode, daemonStarting: true) && c.State.Restarting)
            {
                c.State.Restarting = false;
                c.State.Status = "exited";
                Persist(c);
            }
        }
    }
}

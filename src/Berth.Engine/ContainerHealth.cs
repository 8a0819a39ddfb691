using Berth.Common;
using Berth.Engine.Model;
using Berth.Linux;
using Berth.Oci;

namespace Berth.Engine;

/// <summary>
/// Health checks: one monitor a running container with a probe. The probe is an exec (the container's namespaces,
/// cgroup, user and environment, and the exec events Docker emits for it); its result moves <c>State.Health</c>,
/// and a change of status is published as <c>health_status: …</c>. Monitors start with the container, start again
/// after a daemon restart (live restore), skip their turn while the container is paused and end with it.
/// </summary>
public sealed partial class ContainerService
{
    private readonly Dictionary<string, CancellationTokenSource> _healthMonitors = [];

    /// <summary>Starts (or restarts) the monitor of a running container that has a probe; the container's
    /// <c>State.Health</c> is already <c>starting</c> (set with the rest of its state at start).</summary>
    private void StartHealthMonitor(ContainerEntry entry)
    {
        var c = entry.Container;
        if (HealthCheck.ProbeCommand(c.Config) is not { } command || c.Config.Healthcheck is not { } config)
        {
            return;
        }
        var stop = new CancellationTokenSource();
        lock (_lock)
        {
            if (_healthMonitors.Remove(c.Id, out var old))
            {
                old.Cancel();
            }
            _healthMonitors[c.Id] = stop;
        }
        _ = MonitorHealthAsync(entry, command, config, stop.Token);
    }

    /// <summary>Live restore: the monitor starts over as Docker's does (<c>starting</c>, no failures, log kept).</summary>
    private void RestoreHealthMonitor(ContainerEntry entry)
    {
        var c = entry.Container;
        lock (_lock)
        {
            c.State.Health = HealthCheck.AtStart(c.Config, c.State.Health);
        }
        StartHealthMonitor(entry);
    }

    /// <summary>Ends the monitor of a container that stopped; a probe in flight is abandoned (it dies with it).</summary>
    private void StopHealthMonitor(string id)
    {
        lock (_lock)
        {
            if (_healthMonitors.Remove(id, out var stop))
            {
                stop.Cancel();
            }
        }
    }

    private async Task MonitorHealthAsync(ContainerEntry entry, List<string> command, HealthConfig config, CancellationToken stop)
    {
        var c = entry.Container;
        var startedAt = c.State.StartedAt;
        try
        {
            while (true)
            {
                string status;
                lock (_lock)
                {
                    status = c.State.Health?.Status ?? HealthStatus.Starting;
                }
                await Task.Delay(HealthCheck.NextInterval(config, startedAt, DateTimeOffset.UtcNow, status), stop).ConfigureAwait(false);
                if (c.State.Paused)
                {
                    continue; // compat(docker): a paused container is not probed
                }
                var result = await ProbeAsync(c, command, HealthCheck.Timeout(config), stop).ConfigureAwait(false);
                string? changed;
                lock (_lock)
                {
                    if (stop.IsCancellationRequested || c.State.Health is not { } health)
                    {
                        return; // the container stopped while the probe ran: its result is not recorded
                    }
                    changed = HealthCheck.Apply(health, result, config, startedAt);
                }
                if (changed is not null)
                {
                    // Docker keeps every result in memory only; a change of status is worth the write.
                    Persist(c);
                    Publish(c, "health_status: " + changed);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is BerthException or IOException)
        {
            Log.Warn("health monitor ended", ("container", c.ShortId), ("error", e.Message));
        }
    }

    /// <summary>One run of the probe: an exec with its output kept (4096 bytes), killed when it outlives the
    /// timeout. A probe that cannot be started counts as a failure with exit code -1, as in Docker.</summary>
    private async Task<HealthcheckResult> ProbeAsync(Container c, List<string> command, TimeSpan timeout, CancellationToken stop)
    {
        var start = DateTimeOffset.UtcNow;
        string? execId = null;
        try
        {
            execId = CreateExec(c.Id, new ExecConfig { Cmd = command, AttachStdout = true, AttachStderr = true });
            ExecSession session;
            using (var starting = CancellationTokenSource.CreateLinkedTokenSource(stop))
            {
                // compat(docker): starting the exec has a budget of its own; the timeout counts from the start.
                starting.CancelAfter(TimeSpan.FromSeconds(30));
                session = await StartExecAsync(execId, ct: starting.Token).ConfigureAwait(false);
            }
            var output = new HealthCheck.LimitedOutput();
            var reading = Task.Run(async () =>
            {
                await foreach (var chunk in session.Output.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    output.Write(chunk.Data.Span);
                }
            }, CancellationToken.None);
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timer.CancelAfter(timeout);
            try
            {
                var code = await session.Exited.WaitAsync(timer.Token).ConfigureAwait(false);
                await reading.ConfigureAwait(false);
                return new HealthcheckResult { Start = start, End = DateTimeOffset.UtcNow, ExitCode = code, Output = output.ToString() };
            }
            catch (OperationCanceledException)
            {
                KillProbe(execId);
                // Wait for the probe to go, so dying probes do not pile up.
                await session.Exited.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None).ConfigureAwait(false);
                stop.ThrowIfCancellationRequested();
                return new HealthcheckResult { Start = start, End = DateTimeOffset.UtcNow, ExitCode = -1, Output = HealthCheck.TimeoutMessage(timeout, output.ToString()) };
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            return new HealthcheckResult { Start = start, End = DateTimeOffset.UtcNow, ExitCode = -1, Output = $"timed out starting health check for container {c.Id}" };
        }
        catch (Exception e) when (e is BerthException or IOException or TimeoutException)
        {
            return new HealthcheckResult { Start = start, End = DateTimeOffset.UtcNow, ExitCode = -1, Output = e.Message };
        }
        finally
        {
            if (execId is not null)
            {
                ForgetProbe(execId);
            }
        }
    }

    /// <summary>SIGKILL to a probe that outlived its timeout. The shim reaps it only after this, so the pid still
    /// names the probe (or its zombie) while the exec is recorded as running.</summary>
    private void KillProbe(string execId)
    {
        int pid;
        lock (_lock)
        {
            pid = _execs.TryGetValue(execId, out var e) && e.Instance.Running ? e.Instance.Pid : 0;
        }
        if (pid <= 0)
        {
            return;
        }
        var pidfd = LibC.pidfd_open(pid);
        if (pidfd < 0)
        {
            return; // gone already
        }
        using var handle = new SafeFd(pidfd);
        LibC.pidfd_send_signal(handle.Fd, LibC.SIGKILL);
    }

    /// <summary>compat(docker): a probe's exec is not kept once its result is in (Docker's exec GC drops it too).</summary>
    private void ForgetProbe(string execId)
    {
        lock (_lock)
        {
            if (_execs.TryGetValue(execId, out var e) && !e.Instance.Running)
            {
                _execs.Remove(execId);
            }
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Cgroups;

namespace Berth.Engine;

/// <summary>Operations on a container that exists: pause and unpause (the cgroup freezer), rename, update of its
/// resources and restart policy, and the list of its processes (<c>docker top</c>).</summary>
public sealed partial class ContainerService
{
    private static readonly TimeSpan FreezeTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The container's cgroup, where the shim made it (SpecBuilder's CgroupsPath).</summary>
    private ICgroup CgroupOf(Container c) =>
        _cgroups.Open((string.IsNullOrEmpty(c.HostConfig.CgroupParent) ? "/berth" : c.HostConfig.CgroupParent.TrimEnd('/')) + "/" + c.Id);

    /// <summary><c>docker pause</c>: freezes every process of the container and waits until the kernel says so.</summary>
    public async Task PauseAsync(string idOrName, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var c = entry.Container;
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!c.State.Running)
            {
                throw BerthException.Conflict($"Container {c.Id} is not running");
            }
            if (c.State.Paused)
            {
                throw BerthException.Conflict($"Container {c.Id} is already paused");
            }
            var cgroup = CgroupOf(c);
            try
            {
                await Task.Run(() => cgroup.Freeze(FreezeTimeout), ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException)
            {
                throw new BerthException(ErrorKind.Unknown, $"Cannot pause container {c.Id}: {e.Message}", e);
            }
            lock (_lock)
            {
                if (!c.State.Running)
                {
                    // It ended while it was being frozen; its exit is recorded already.
                    throw BerthException.Conflict($"Container {c.Id} is not running");
                }
                c.State.Paused = true;
                c.State.Status = "paused";
            }
            Persist(c);
        }
        finally
        {
            entry.Operation.Release();
        }
        Publish(c, "pause");
    }

    /// <summary><c>docker unpause</c>: thaws the container's cgroup.</summary>
    public async Task UnpauseAsync(string idOrName, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var c = entry.Container;
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!c.State.Paused)
            {
                // compat(docker): dockerd words it this way for a stopped container too (and answers 500; a
                // conflict is what it is).
                throw BerthException.Conflict($"Container {c.Id} is not paused");
            }
            try
            {
                CgroupOf(c).Thaw();
            }
            catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException)
            {
                throw new BerthException(ErrorKind.Unknown, $"Cannot unpause container {c.Id}: {e.Message}", e);
            }
            SetUnpaused(c);
        }
        finally
        {
            entry.Operation.Release();
        }
        Publish(c, "unpause");
    }

    private void SetUnpaused(Container c)
    {
        lock (_lock)
        {
            c.State.Paused = false;
            if (c.State.Running)
            {
                c.State.Status = "running";
            }
        }
        Persist(c);
    }

    /// <summary>
    /// After a signal went to a paused container: a frozen process cannot act on it, so the cgroup is thawed when
    /// the signal is SIGKILL or the one that stops the container (compat(docker): dockerd resumes the task then,
    /// the signal being delivered as it wakes). Other signals wait, pending, for <c>docker unpause</c>.
    /// </summary>
    private void ThawAfterSignal(ContainerEntry entry, int signal)
    {
        var c = entry.Container;
        if (!c.State.Paused)
        {
            return;
        }
        var stopSignal = LibC.SIGTERM;
        if (signal != LibC.SIGKILL && !string.IsNullOrEmpty(c.Config.StopSignal) &&
            (!Signals.TryParse(c.Config.StopSignal, out stopSignal) || stopSignal != signal))
        {
            return;
        }
        try
        {
            CgroupOf(c).Thaw();
            SetUnpaused(c);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException)
        {
            Log.Warn("could not thaw a paused container after signalling it", ("id", c.ShortId), ("error", e.Message));
        }
    }

    /// <summary>After a daemon restart: whether a running container is paused is what its cgroup says.</summary>
    private void ReconcilePaused(ContainerEntry entry)
    {
        var c = entry.Container;
        bool frozen;
        try
        {
            frozen = CgroupOf(c).IsFrozen();
        }
        catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return;
        }
        if (frozen == c.State.Paused)
        {
            return;
        }
        lock (_lock)
        {
            c.State.Paused = frozen;
            c.State.Status = frozen ? "paused" : "running";
        }
        Persist(c);
    }

    /// <summary><c>docker rename</c>.</summary>
    public void Rename(string idOrName, string newName)
    {
        if (string.IsNullOrEmpty(idOrName) || string.IsNullOrEmpty(newName))
        {
            throw BerthException.Invalid("Neither old nor new names may be empty");
        }
        var entry = Entry(idOrName);
        var c = entry.Container;
        var wanted = newName.StartsWith('/') ? newName : "/" + newName;
        if (c.Name == wanted)
        {
            throw BerthException.Invalid("Renaming a container with the same name as its current name");
        }
        if (!Ids.IsValidName(wanted))
        {
            throw BerthException.Invalid($"Error when allocating new name: Invalid container name ({wanted}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        string old;
        lock (_lock)
        {
            if (_containers.Values.FirstOrDefault(e => e.Container.Name == wanted) is { } taken)
            {
                throw BerthException.Conflict($"Error when allocating new name: Conflict. The container name \"{wanted}\" is already in use by container \"{taken.Container.Id}\". You have to remove (or rename) that container to be able to reuse that name.");
            }
            old = c.Name;
            c.Name = wanted;
        }
        try
        {
            Persist(c);
        }
        catch
        {
            lock (_lock)
            {
                c.Name = old;
            }
            throw;
        }
        Publish(c, "rename", [new("oldName", old)]);
    }

    /// <summary>
    /// <c>docker update</c>: merges the new resources and restart policy into the container's HostConfig (Docker's
    /// rules), writes them to the live cgroup when it runs, and keeps them. Nothing changes when any step fails.
    /// </summary>
    public async Task<IReadOnlyList<string>> UpdateAsync(string idOrName, ContainerUpdate update, CancellationToken ct = default)
    {
        var warnings = new List<string>();
        update.BlkioWeight = OfferedBlkioWeight(update.BlkioWeight, warnings);
        ValidateUpdate(update);
        var entry = Entry(idOrName);
        var c = entry.Container;
        await entry.Operation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (entry.Removing)
            {
                throw BerthException.Conflict($"Cannot update container {c.Id}: container is marked for removal and cannot be \"update\"");
            }
            var current = c.HostConfig;
            var merged = JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(current, EngineJson.Default.HostConfig), EngineJson.Default.HostConfig)!;
            MergeUpdate(c.Id, merged, update);
            if (c.State.Running)
            {
                var cgroup = CgroupOf(c);
                try
                {
                    cgroup.Apply(UpdateResources(merged, update));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Put back what was written before the failure, so the container keeps its old limits.
                    try
                    {
                        cgroup.Apply(UpdateResources(current, update));
                    }
                    catch (Exception again) when (again is IOException or UnauthorizedAccessException)
                    {
                        Log.Warn("could not restore a container's limits after a failed update", ("id", c.ShortId), ("error", again.Message));
                    }
                    throw new BerthException(ErrorKind.Unknown, $"Cannot update container {c.Id}: {e.Message}", e);
                }
            }
            lock (_lock)
            {
                c.HostConfig = merged;
            }
            Persist(c);
        }
        finally
        {
            entry.Operation.Release();
        }
        Publish(c, "update");
        return warnings;
    }

    /// <summary>The checks dockerd makes of an update request on its own (verifyContainerSettings with update=true).</summary>
    private static void ValidateUpdate(ContainerUpdate u)
    {
        var unsupported = new List<string>();
        if (u.BlkioWeightDevice is { Count: > 0 } || u.BlkioDeviceReadBps is { Count: > 0 } || u.BlkioDeviceWriteBps is { Count: > 0 } ||
            u.BlkioDeviceReadIOps is { Count: > 0 } || u.BlkioDeviceWriteIOps is { Count: > 0 })
        {
            unsupported.Add("--blkio-weight-device/--device-read-*/--device-write-*");
        }
        if (u.CpuRealtimePeriod != 0 || u.CpuRealtimeRuntime != 0)
        {
            unsupported.Add("--cpu-rt-period/--cpu-rt-runtime");
        }
        if (u.Devices is { Count: > 0 } || u.DeviceCgroupRules is { Count: > 0 } || u.DeviceRequests is { Count: > 0 } || u.Ulimits is { Count: > 0 } ||
            u.KernelMemory != 0 || u.KernelMemoryTCP != 0 || u.MemorySwappiness is not null || u.OomKillDisable is not null ||
            u.CpuCount != 0 || u.CpuPercent != 0 || u.IOMaximumIOps != 0 || u.IOMaximumBandwidth != 0 || !string.IsNullOrEmpty(u.CgroupParent))
        {
            unsupported.Add("devices, ulimits, kernel memory, swappiness, OOM killer, Windows CPU and IO limits, cgroup parent");
        }
        if (unsupported.Count > 0)
        {
            throw new BerthException(ErrorKind.NotImplemented, $"{string.Join(", ", unsupported)}: cannot be updated by this berthd yet");
        }
        if (u.Memory is > 0 and < 6 * 1024 * 1024)
        {
            throw BerthException.Invalid("Minimum memory limit allowed is 6MB");
        }
        if (u.Memory > 0 && u.MemorySwap > 0 && u.MemorySwap < u.Memory)
        {
            throw BerthException.Invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (u.Memory > 0 && u.MemoryReservation > 0 && u.MemoryReservation > u.Memory)
        {
            throw BerthException.Invalid("Minimum memory limit can not be less than memory reservation limit, see usage");
        }
        if (u.MemoryReservation is > 0 and < 6 * 1024 * 1024)
        {
            throw BerthException.Invalid("Minimum memory reservation allowed is 6MB");
        }
        var cpus = Environment.ProcessorCount;
        if (u.NanoCpus < 0 || u.NanoCpus > cpus * 1_000_000_000L)
        {
            throw BerthException.Invalid($"Range of CPUs is from 0.01 to {cpus}.00, as there are only {cpus} CPUs available");
        }
        if (u.NanoCpus > 0 && u.CpuPeriod > 0)
        {
            throw BerthException.Invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        }
        if (u.NanoCpus > 0 && u.CpuQuota > 0)
        {
            throw BerthException.Invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        }
        if (u.CpuShares < 0)
        {
            throw BerthException.Invalid("invalid CPU shares: must not be negative");
        }
        if (u.CpuPeriod != 0 && (u.CpuPeriod < 1000 || u.CpuPeriod > 1_000_000))
        {
            throw BerthException.Invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (u.CpuQuota is > 0 and < 1000)
        {
            throw BerthException.Invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        }
        if (u.BlkioWeight != 0 && (u.BlkioWeight < 10 || u.BlkioWeight > 1000))
        {
            throw BerthException.Invalid("Range of blkio weight is from 10 to 1000");
        }
        if (u.RestartPolicy is { } rp)
        {
            switch (rp.Name)
            {
                case "" or "no" or "always" or "unless-stopped" or "on-failure":
                    break;
                default:
                    throw BerthException.Invalid($"invalid restart policy: unknown policy '{rp.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
            }
            if (rp.MaximumRetryCount < 0)
            {
                throw BerthException.Invalid("invalid restart policy: maximum retry count cannot be negative");
            }
            if (rp.MaximumRetryCount > 0 && rp.Name != "on-failure")
            {
                throw BerthException.Invalid($"invalid restart policy: maximum retry count can only be used with 'on-failure'");
            }
        }
    }

    /// <summary>Docker's UpdateContainer: which values replace which, and what they may not be combined with.</summary>
    private static void MergeUpdate(string id, HostConfig h, ContainerUpdate u)
    {
        BerthException Refuse(string message) => BerthException.Conflict($"Cannot update container {id}: {message}");
        // Nano CPUs and the CFS period/quota are two ways to say one thing: once one is set, the other is fixed.
        if (u.NanoCpus > 0 && h.CpuPeriod > 0)
        {
            throw Refuse("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
        }
        if (u.NanoCpus > 0 && h.CpuQuota > 0)
        {
            throw Refuse("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");
        }
        if (u.CpuPeriod > 0 && h.NanoCpus > 0)
        {
            throw Refuse("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
        }
        if (u.CpuQuota > 0 && h.NanoCpus > 0)
        {
            throw Refuse("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
        }
        if (u.BlkioWeight != 0)
        {
            h.BlkioWeight = u.BlkioWeight;
        }
        if (u.CpuShares != 0)
        {
            h.CpuShares = u.CpuShares;
        }
        if (u.NanoCpus != 0)
        {
            h.NanoCpus = u.NanoCpus;
        }
        if (u.CpuPeriod != 0)
        {
            h.CpuPeriod = u.CpuPeriod;
        }
        if (u.CpuQuota != 0)
        {
            h.CpuQuota = u.CpuQuota;
        }
        if (!string.IsNullOrEmpty(u.CpusetCpus))
        {
            h.CpusetCpus = u.CpusetCpus;
        }
        if (!string.IsNullOrEmpty(u.CpusetMems))
        {
            h.CpusetMems = u.CpusetMems;
        }
        if (u.Memory != 0)
        {
            // compat(docker): a new memory limit above the memory+swap limit in force needs a new memory+swap limit
            // with it (a container made without -m has 0 there, so its first -m always does).
            if (u.Memory > h.MemorySwap && u.MemorySwap == 0)
            {
                throw Refuse("Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
            }
            h.Memory = u.Memory;
        }
        if (u.MemorySwap != 0)
        {
            h.MemorySwap = u.MemorySwap;
        }
        if (u.MemoryReservation != 0)
        {
            h.MemoryReservation = u.MemoryReservation;
        }
        if (u.PidsLimit is { } pids)
        {
            // compat(docker): zero or less is "unlimited", kept as 0.
            h.PidsLimit = pids > 0 ? pids : 0;
        }
        if (u.RestartPolicy is { Name.Length: > 0 } rp)
        {
            if (h.AutoRemove && rp.Name != "no")
            {
                throw Refuse("Restart policy cannot be updated because AutoRemove is enabled for the container");
            }
            h.RestartPolicy = new RestartPolicy { Name = rp.Name, MaximumRetryCount = rp.MaximumRetryCount };
        }
        // What dockerd leaves to the kernel to refuse, refused here before anything is written.
        if (h.MemorySwap > 0 && h.Memory == 0)
        {
            throw Refuse("You should always set the Memory limit when using Memoryswap limit, see usage");
        }
        if (h.MemorySwap > 0 && h.MemorySwap < h.Memory)
        {
            throw Refuse("Minimum memoryswap limit should be larger than memory limit, see usage");
        }
        if (h.MemoryReservation > 0 && h.Memory > 0 && h.MemoryReservation > h.Memory)
        {
            throw Refuse("Minimum memory limit can not be less than memory reservation limit, see usage");
        }
    }

    /// <summary>The cgroup values of the kinds an update touches (memory, CPU, pids, block I/O), from a HostConfig.</summary>
    private static LinuxResources UpdateResources(HostConfig h, ContainerUpdate u)
    {
        var r = new LinuxResources();
        if (u.Memory != 0 || u.MemorySwap != 0 || u.MemoryReservation != 0)
        {
            r.Memory = new LinuxMemory
            {
                Limit = h.Memory > 0 ? h.Memory : null,
                Reservation = h.MemoryReservation > 0 ? h.MemoryReservation : null,
                Swap = h.MemorySwap != 0 ? h.MemorySwap : null,
            };
        }
        if (u.CpuShares != 0 || u.NanoCpus != 0 || u.CpuPeriod != 0 || u.CpuQuota != 0 || !string.IsNullOrEmpty(u.CpusetCpus) || !string.IsNullOrEmpty(u.CpusetMems))
        {
            var period = h.CpuPeriod > 0 ? h.CpuPeriod : 100_000;
            r.Cpu = new LinuxCpu
            {
                Shares = h.CpuShares > 0 ? (ulong)h.CpuShares : null,
                Period = h.NanoCpus > 0 || h.CpuQuota > 0 || h.CpuPeriod > 0 ? (ulong)period : null,
                Quota = h.NanoCpus > 0 ? h.NanoCpus * period / 1_000_000_000 : h.CpuQuota > 0 ? h.CpuQuota : null,
                Cpus = string.IsNullOrEmpty(h.CpusetCpus) ? null : h.CpusetCpus,
                Mems = string.IsNullOrEmpty(h.CpusetMems) ? null : h.CpusetMems,
            };
        }
        if (u.PidsLimit is not null)
        {
            r.Pids = new LinuxPids { Limit = h.PidsLimit is > 0 ? h.PidsLimit.Value : -1 };
        }
        if (u.BlkioWeight != 0 && h.BlkioWeight > 0)
        {
            r.BlockIO = new LinuxBlockIo { Weight = (ushort)h.BlkioWeight };
        }
        return r;
    }

    /// <summary>
    /// <c>docker top</c>: runs the host's <c>ps</c> with the given arguments (default <c>-ef</c>) and keeps the rows
    /// of the processes in the container's cgroup, as dockerd does.
    /// </summary>
    public async Task<ContainerTop> TopAsync(string idOrName, string? psArgs, CancellationToken ct = default)
    {
        var args = string.IsNullOrEmpty(psArgs) ? "-ef" : psArgs;
        PsOutput.ValidateArgs(args);
        var c = Get(idOrName);
        if (!c.State.Running)
        {
            throw BerthException.Conflict($"Container {c.Id} is not running");
        }
        IReadOnlyList<int> pids;
        try
        {
            pids = CgroupOf(c).Processes();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BerthException.Conflict($"Container {c.Id} is not running");
        }
        var ps = HostProgram.Find("ps") ?? throw new BerthException(ErrorKind.Unknown, "ps: exec: \"ps\": executable file not found in $PATH");
        // compat(kernel): splitting on single spaces, as dockerd does, passes doubled spaces to ps as empty arguments.
        var argv = args.Split(' ');
        // Asking ps for the container's processes alone (-q) makes it cheap; some options (f) refuse -q, so fall back.
        var result = pids.Count == 0 ? null
            : await HostProgram.RunAsync(ps, [.. argv, "-q" + string.Join(',', pids.Select(p => p.ToString(CultureInfo.InvariantCulture)))]).ConfigureAwait(false);
        if (result is null || result.ExitCode != 0)
        {
            result = await HostProgram.RunAsync(ps, argv).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                var reason = result.Stderr.Split('\n')[0];
                throw new BerthException(ErrorKind.Unknown, "ps: " + (reason.Length > 0 ? reason : $"exit status {result.ExitCode.ToString(CultureInfo.InvariantCulture)}"));
            }
        }
        var top = PsOutput.Parse(result.Stdout, pids.ToHashSet());
        Publish(c, "top");
        return top;
    }
}

using System.Text.Json;
using Berth.Common;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Shim;

namespace Berth.Runtime;

/// <summary>
/// The daemon's door to the runtime: starts a shim for a bundle and hands back a client for it. The bundle is an
/// OCI bundle (config.json with root.path already populated); the runtime knows nothing of images.
/// </summary>
/// <remarks>
/// With <see cref="KeepSpare"/>, one shim is kept started ahead of need: its init already runs, in Docker's
/// default namespaces, waiting for a bundle. A container with those namespaces adopts it and skips two process
/// start-ups; any other container, or one that finds no spare ready, gets a shim of its own as before.
/// </remarks>
public sealed class ContainerRuntime(string runtimeBinary) : IDisposable
{
    private readonly Lock _lock = new();
    private Spare? _spare;
    private bool _refilling;
    private bool _disposed;

    /// <summary>Path of the <c>berth-runtime</c> executable (shim and init).</summary>
    public string RuntimeBinary { get; } = runtimeBinary;

    /// <summary>Keep one spare shim warm for Berth's own runtime.</summary>
    public bool KeepSpare { get; set; }

    /// <summary>Whether a spare is ready now (for diagnostics and tests).</summary>
    public bool SpareReady
    {
        get
        {
            lock (_lock)
            {
                return _spare is not null;
            }
        }
    }

    /// <summary>Starts the shim (or adopts the spare) and waits until it has created the container (process
    /// exists, not yet exec'd).</summary>
    public async Task<(ShimClient Client, ShimReady Ready)> CreateAsync(ShimOptions options, RuntimeSpec spec, CancellationToken ct = default)
    {
        if (options.IsBerth && KeepSpare && FitsSpare(spec) && TakeSpare() is { } spare)
        {
            using (spare)
            {
                var adoption = new SpareAdoption { Id = options.Id, Bundle = options.Bundle, Socket = options.Socket, LogPath = options.LogPath, LogMaxSize = options.LogRotation.MaxSize, LogMaxFiles = options.LogRotation.MaxFiles, OpenStdin = options.OpenStdin };
                Fs.WriteAll(spare.Control, JsonSerializer.SerializeToUtf8Bytes(adoption, ShimJson.Default.SpareAdoption), "spare control");
                spare.Control.Dispose();
                return (new ShimClient(options.Socket), await Task.Run(() => ReadReady(spare.Ready, options.Bundle), ct).ConfigureAwait(false));
            }
        }
        var (readyRead, readyWrite) = Fs.Pipe();
        using (readyRead)
        {
            using (readyWrite)
            using (var shimLog = Fs.Open(Path.Join(options.Bundle, "shim.log"), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND, 0x180))
            {
                SpawnShim([.. options.ToArgs()], shimLog, readyWrite, control: null);
            }
            return (new ShimClient(options.Socket), await Task.Run(() => ReadReady(readyRead, options.Bundle), ct).ConfigureAwait(false));
        }
    }

    private void SpawnShim(IReadOnlyList<string> args, SafeFd log, SafeFd readyWrite, SafeFd? control)
    {
        using var devnull = Fs.Open("/dev/null", LibC.O_RDWR);
        var fds = new Dictionary<int, System.Runtime.InteropServices.SafeHandle>
        {
            [0] = devnull,
            [1] = log,
            [2] = log,
            [ShimServer.ReadyFd] = readyWrite,
        };
        if (control is not null)
        {
            fds[ShimServer.ControlFd] = control;
        }
        Spawner.Spawn(new SpawnRequest
        {
            Path = RuntimeBinary,
            Args = ["berth-runtime", .. args],
            Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            Fds = fds,
            NewSession = true,
            Detached = true,
            WorkingDirectory = "/",
        });
    }

    /// <summary>Reads one JSON line from the shim's ready pipe.</summary>
    private static ShimReady ReadReady(SafeFd ready, string? bundle)
    {
        var line = new List<byte>();
        var b = new byte[1];
        while (Fs.Read(ready, b) == 1 && b[0] != '\n')
        {
            line.Add(b[0]);
        }
        if (line.Count == 0)
        {
            throw new BerthException(ErrorKind.Unknown, "shim exited without reporting" + (bundle is null ? "" : "; see " + Path.Join(bundle, "shim.log")));
        }
        var report = JsonSerializer.Deserialize(line.ToArray(), ShimJson.Default.ShimReady)!;
        if (report.Error is not null)
        {
            throw new BerthException(ErrorKind.Unknown, report.Error);
        }
        return report;
    }

    /// <summary>Whether <see cref="CreateAsync"/> would adopt the spare for this container right now.</summary>
    public bool WouldAdoptSpare(ShimOptions options, RuntimeSpec spec) => options.IsBerth && KeepSpare && SpareReady && FitsSpare(spec);

    /// <summary>A spare's init lives in Docker's default namespaces; only a container that wants exactly those
    /// (none joined by path, no user namespace) can use it.</summary>
    private static bool FitsSpare(RuntimeSpec spec)
    {
        var wanted = new HashSet<string>();
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            if (ns.Path is not null || ns.Type is "user" or "time")
            {
                return false;
            }
            if (ns.Type != "cgroup")
            {
                wanted.Add(ns.Type);
            }
        }
        return wanted.SetEquals(["pid", "mount", "uts", "ipc", "network"]);
    }

    private Spare? TakeSpare()
    {
        lock (_lock)
        {
            var spare = _spare;
            _spare = null;
            return spare;
        }
    }

    /// <summary>
    /// Starts a new spare in the background unless one is ready or coming. The daemon calls it once a container
    /// has started, not as it takes the spare: the new spare's move into its cgroup holds the kernel's cgroup lock
    /// for an RCU grace period, which would stall the cgroup rename and limits of the container being started.
    /// </summary>
    public void Refill()
    {
        lock (_lock)
        {
            if (!KeepSpare || _disposed || _spare is not null || _refilling)
            {
                return;
            }
            _refilling = true;
        }
        _ = Task.Run(() =>
        {
            Spare? spare = null;
            try
            {
                var (readyRead, readyWrite) = Fs.Pipe();
                var (controlRead, controlWrite) = Fs.Pipe();
                using (readyWrite)
                using (controlRead)
                using (var devnull = Fs.Open("/dev/null", LibC.O_RDWR))
                {
                    SpawnShim(["shim", "--spare"], devnull, readyWrite, controlRead);
                }
                spare = new Spare(readyRead, controlWrite);
                ReadReady(readyRead, null);
            }
            catch (Exception e) when (e is BerthException or IOException)
            {
                Log.Warn("no spare shim", ("error", e.Message));
                spare?.Dispose();
                spare = null;
            }
            lock (_lock)
            {
                _refilling = false;
                if (spare is not null && !_disposed)
                {
                    _spare = spare;
                    spare = null;
                }
            }
            spare?.Dispose();
        });
    }

    /// <summary>
    /// Removes the cgroups of spares that died without cleaning up (a spare killed outright leaves its empty
    /// <c>/berth/spare-PID</c> behind); the daemon calls it as it starts.
    /// </summary>
    public static void RemoveStaleSpareCgroups(Cgroups.CgroupDriver driver)
    {
        var root = driver.Version == 2 ? driver.UnifiedRoot : driver.Hierarchies.FirstOrDefault()?.MountPoint;
        var parent = root is null ? null : Path.Join(root, "berth");
        if (parent is null || !Directory.Exists(parent))
        {
            return;
        }
        foreach (var dir in Directory.EnumerateDirectories(parent, "spare-*"))
        {
            var pid = Path.GetFileName(dir)["spare-".Length..];
            if (!Directory.Exists("/proc/" + pid))
            {
                driver.Open("/berth/" + Path.GetFileName(dir)).Destroy(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>Ends the spare: closing its control pipe tells it to go.</summary>
    public void Dispose()
    {
        Spare? spare;
        lock (_lock)
        {
            _disposed = true;
            spare = _spare;
            _spare = null;
        }
        spare?.Dispose();
    }

    /// <summary>The exit a shim recorded, if the container has ended (readable with no shim alive).</summary>
    public static ExitRecord? ReadExit(string bundle)
    {
        var path = Path.Join(bundle, "exit.json");
        return File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), ShimJson.Default.ExitRecord) : null;
    }

    private sealed class Spare(SafeFd ready, SafeFd control) : IDisposable
    {
        public SafeFd Ready { get; } = ready;
        public SafeFd Control { get; } = control;

        public void Dispose()
        {
            Control.Dispose();
            Ready.Dispose();
        }
    }
}

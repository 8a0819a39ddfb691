using System.Text.Json;
using System.Threading.Channels;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Oci;
using Berth.Runtime.Logging;
using Berth.Runtime.Seccomp;
using Berth.Runtime.Shim;

namespace Berth.Engine;

/// <summary>A started exec: its output until it ends, its stdin, its terminal's size, its exit code.</summary>
public sealed class ExecSession
{
    private readonly ShimAttachment _stdio;
    private readonly Channel<OutputChunk> _output = Channel.CreateUnbounded<OutputChunk>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal ExecSession(ShimAttachment stdio) => _stdio = stdio;

    /// <summary>Output chunks as the process writes them; completes when it has ended.</summary>
    public ChannelReader<OutputChunk> Output => _output.Reader;

    /// <summary>The exit code, once the process has ended.</summary>
    public Task<int> Exited => _exited.Task;

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data) => _stdio.WriteStdinAsync(data);

    public Task CloseStdinAsync() => _stdio.CloseStdinAsync();

    public Task ResizeAsync(ushort rows, ushort columns) => _stdio.ResizeAsync(rows, columns);

    internal async Task PumpAsync(Action<int> onExit)
    {
        var code = 137; // the shim went away without saying: the process went with the container
        try
        {
            while (await _stdio.ReadAsync().ConfigureAwait(false) is { } frame)
            {
                switch (frame.Type)
                {
                    case ShimFrame.Stdout:
                        _output.Writer.TryWrite(new OutputChunk(LogStream.Stdout, frame.Payload));
                        break;
                    case ShimFrame.Stderr:
                        _output.Writer.TryWrite(new OutputChunk(LogStream.Stderr, frame.Payload));
                        break;
                    case ShimFrame.Exit:
                        code = JsonSerializer.Deserialize(frame.Payload, ShimJson.Default.ExitRecord)?.ExitCode ?? code;
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException or InvalidDataException)
        {
        }
        finally
        {
            await _stdio.DisposeAsync().ConfigureAwait(false);
        }
        onExit(code);
        _output.Writer.TryComplete();
        _exited.TrySetResult(code);
    }
}

public sealed partial class ContainerService
{
    private readonly Dictionary<string, ExecRecord> _execs = [];

    private sealed class ExecRecord(ExecInstance instance, ExecConfig config)
    {
        public ExecInstance Instance { get; } = instance;
        public ExecConfig Config { get; } = config;
        public bool Started { get; set; }
        public ExecSession? Session { get; set; }
        public (ushort Rows, ushort Columns)? PendingSize { get; set; }
    }

    /// <summary><c>POST /containers/{id}/exec</c>: records what to run; nothing runs until it is started.</summary>
    public string CreateExec(string idOrName, ExecConfig config)
    {
        var entry = Entry(idOrName);
        var c = entry.Container;
        if (config.Cmd is not { Count: > 0 } || config.Cmd.All(string.IsNullOrEmpty))
        {
            throw BerthException.Invalid("No exec command specified");
        }
        if (c.HostConfig.Runtime is { Length: > 0 } runtime && runtime != "berth")
        {
            throw new BerthException(ErrorKind.NotImplemented, $"exec in a container of --runtime {runtime}: not supported by this berthd yet");
        }
        lock (_lock)
        {
            if (c.State.Restarting)
            {
                throw BerthException.Conflict($"Container {c.Id} is restarting, wait until the container is running");
            }
            if (!c.State.Running || entry.Removing)
            {
                throw BerthException.Conflict($"Container {c.Id} is not running");
            }
            if (c.State.Paused)
            {
                throw BerthException.Conflict($"Container {c.Id} is paused, unpause the container before exec");
            }
        }
        var id = Ids.New();
        var instance = new ExecInstance
        {
            ID = id,
            ContainerID = c.Id,
            OpenStdin = config.AttachStdin,
            OpenStdout = config.AttachStdout,
            OpenStderr = config.AttachStderr,
            DetachKeys = config.DetachKeys ?? "",
            ProcessConfig = new ExecProcessConfig
            {
                Tty = config.Tty,
                Entrypoint = config.Cmd[0],
                Arguments = [.. config.Cmd.Skip(1)],
                Privileged = config.Privileged,
                User = string.IsNullOrEmpty(config.User) ? null : config.User,
                WorkingDir = string.IsNullOrEmpty(config.WorkingDir) ? null : config.WorkingDir,
            },
        };
        lock (_lock)
        {
            _execs[id] = new ExecRecord(instance, config);
        }
        _cgroups.BeginMigrationWarmup(); // the start moves the process into the container's cgroup
        Publish(c, "exec_create: " + string.Join(' ', config.Cmd), [new("execID", id)]);
        return id;
    }

    /// <summary><c>GET /exec/{id}/json</c>.</summary>
    public ExecInstance InspectExec(string execId)
    {
        lock (_lock)
        {
            return Exec(execId).Instance;
        }
    }

    /// <summary>The ids of the execs running in a container, for inspect's <c>ExecIDs</c>.</summary>
    public List<string>? ExecIds(string containerId)
    {
        lock (_lock)
        {
            var ids = _execs.Values.Where(e => e.Instance.ContainerID == containerId && e.Instance.Running).Select(e => e.Instance.ID).ToList();
            return ids.Count > 0 ? ids : null;
        }
    }

    private ExecRecord Exec(string execId) =>
        _execs.TryGetValue(execId, out var e) ? e : throw BerthException.NotFound($"No such exec instance: {execId}");

    /// <summary>
    /// <c>POST /exec/{id}/start</c>: runs the process in the container's namespaces, cgroup and user. A process
    /// that cannot be started throws with Docker's message and leaves exit code 126 on the instance.
    /// </summary>
    public async Task<ExecSession> StartExecAsync(string execId, List<int>? consoleSize = null, CancellationToken ct = default)
    {
        ExecRecord record;
        lock (_lock)
        {
            record = Exec(execId);
            if (consoleSize is [> 0, > 0])
            {
                record.Config.ConsoleSize = consoleSize; // API 1.42 moved it from create to start
            }
            if (record.Started)
            {
                throw BerthException.Conflict($"Error: Exec command {execId} is already running");
            }
            record.Started = true;
        }
        var instance = record.Instance;
        var config = record.Config;
        var entry = Entry(instance.ContainerID);
        var c = entry.Container;
        var shim = entry.Shim;
        if (!c.State.Running || shim is null)
        {
            SetExecExit(record, 126);
            throw BerthException.Conflict($"Container {c.Id} is not running");
        }
        ExecRequest request;
        try
        {
            request = BuildExecRequest(c, config, execId);
        }
        catch (BerthException)
        {
            SetExecExit(record, 126);
            throw;
        }
        int pid;
        ShimAttachment stdio;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            (pid, stdio) = await shim.ExecAsync(request, ct).ConfigureAwait(false);
            if (Log.Enabled(LogLevel.Debug))
            {
                Log.Debug("exec started", ("id", Ids.Short(execId)), ("container", c.ShortId), ("started-ms", clock.Elapsed.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
            }
        }
        catch (ShimExecException e)
        {
            SetExecExit(record, e.ExitCode);
            throw new BerthException(ErrorKind.Unknown, $"OCI runtime exec failed: exec failed: unable to start container process: {e.Message}: unknown", e);
        }
        catch (BerthException)
        {
            SetExecExit(record, 126);
            throw;
        }
        var session = new ExecSession(stdio);
        (ushort, ushort)? pending;
        lock (_lock)
        {
            instance.Pid = pid;
            instance.Running = true;
            record.Session = session;
            pending = record.PendingSize;
        }
        if (pending is { } size)
        {
            await session.ResizeAsync(size.Item1, size.Item2).ConfigureAwait(false);
        }
        Publish(c, "exec_start: " + string.Join(' ', config.Cmd!), [new("execID", execId)]);
        _ = session.PumpAsync(code =>
        {
            if (Log.Enabled(LogLevel.Debug))
            {
                Log.Debug("exec exited", ("id", Ids.Short(execId)), ("code", code), ("exited-ms", clock.Elapsed.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
            }
            SetExecExit(record, code);
            Publish(c, "exec_die", [new("execID", execId), new("exitCode", code.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        });
        return session;
    }

    /// <summary><c>POST /exec/{id}/resize</c>; a size given before the process runs is applied when it starts.</summary>
    public async Task ResizeExecAsync(string execId, ushort rows, ushort columns)
    {
        ExecSession? session;
        lock (_lock)
        {
            var record = Exec(execId);
            session = record.Session;
            if (session is null)
            {
                record.PendingSize = (rows, columns);
                return;
            }
        }
        await session.ResizeAsync(rows, columns).ConfigureAwait(false);
    }

    /// <summary><c>POST /containers/{id}/resize</c>: the size of the container's terminal.</summary>
    public async Task ResizeAsync(string idOrName, ushort rows, ushort columns, CancellationToken ct = default)
    {
        var entry = Entry(idOrName);
        var shim = entry.Shim;
        if (!entry.Container.State.Running || shim is null)
        {
            throw BerthException.Conflict($"Container {entry.Container.Id} is not running");
        }
        if (!entry.Container.Config.Tty)
        {
            return; // no terminal to size
        }
        await shim.ResizeAsync(rows, columns, ct).ConfigureAwait(false);
    }

    private void SetExecExit(ExecRecord record, int code)
    {
        lock (_lock)
        {
            record.Instance.Running = false;
            record.Instance.ExitCode = code;
            record.Session = null;
        }
    }

    /// <summary>Forgets the execs of a removed container.</summary>
    private void ForgetExecs(string containerId)
    {
        lock (_lock)
        {
            foreach (var id in _execs.Where(e => e.Value.Instance.ContainerID == containerId).Select(e => e.Key).ToList())
            {
                _execs.Remove(id);
            }
        }
    }

    /// <summary>The exec'd process: the container's process (capabilities, no_new_privs, rlimits, environment) and
    /// seccomp filter, with the command, user, working directory, environment additions and terminal of the exec.</summary>
    private ExecRequest BuildExecRequest(Container c, ExecConfig config, string execId)
    {
        var bundle = BundleOf(c.Id);
        RuntimeSpec spec;
        try
        {
            spec = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Join(bundle, "config.json")), OciJson.Default.RuntimeSpec)
                ?? throw new InvalidDataException("empty config.json");
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException or UnauthorizedAccessException)
        {
            throw BerthException.Conflict($"Container {c.Id} is not running");
        }
        var process = spec.Process ?? new Process();
        var env = process.Env ?? [];
        if (config.Tty && !env.Any(e => e.StartsWith("TERM=", StringComparison.Ordinal)))
        {
            env.Add("TERM=xterm");
        }
        SpecBuilder.ReplaceOrAppendEnv(env, config.Env);
        if (!string.IsNullOrEmpty(config.User))
        {
            var user = UserLookup.Resolve(Path.Join(bundle, "rootfs"), config.User, c.HostConfig.GroupAdd);
            process.User = new User { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? user.AdditionalGids : null };
        }
        process.Args = [.. config.Cmd!];
        process.Env = env;
        process.Cwd = string.IsNullOrEmpty(config.WorkingDir) ? process.Cwd : config.WorkingDir;
        process.Terminal = config.Tty;
        process.ConsoleSize = config.Tty && config.ConsoleSize is [> 0 and var h, > 0 and var w] ? new Box { Height = (uint)h, Width = (uint)w } : null;
        process.OomScoreAdj = null;
        if (config.Privileged)
        {
            // compat(docker): exec --privileged gets every capability; the container's seccomp profile stays.
            var all = LinuxCapabilities.Available.ToList();
            process.Capabilities = new Berth.Oci.Capabilities { Bounding = all, Effective = all, Permitted = all };
        }
        return new ExecRequest
        {
            Id = execId,
            Process = process,
            OpenStdin = config.AttachStdin,
            Seccomp = spec.Linux?.Seccomp,
            SeccompProgram = Path.Join(bundle, SeccompProgramFile.FileName),
            SeccompProgramName = spec.Annotations?.GetValueOrDefault(SeccompProgramFile.Annotation),
        };
    }
}

using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Berth.Common;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Cgroups;
using Berth.Runtime.Logging;

namespace Berth.Runtime.Shim;

/// <summary>
/// One shim per container: it creates the container (through Berth's init or an OCI runtime CLI), owns its stdio,
/// writes its json-file log, reaps it, and records how it ended. It runs in its own session, so the daemon can
/// stop and start again while the container keeps running; the daemon talks to it over a unix socket.
/// </summary>
public sealed partial class ShimServer
{
    /// <summary>fd on which the daemon waits for <see cref="ShimReady"/>.</summary>
    public const int ReadyFd = 3;

    /// <summary>fd on which a spare shim waits for its <see cref="SpareAdoption"/>.</summary>
    public const int ControlFd = 4;

    /// <summary>The namespaces a spare's init is created in: Docker's default set.</summary>
    public const int SpareNamespaces = LibC.CLONE_NEWPID | LibC.CLONE_NEWNS | LibC.CLONE_NEWUTS | LibC.CLONE_NEWIPC | LibC.CLONE_NEWNET;

    private ShimOptions _options;
    private RuntimeSpec _spec;
    private readonly Lock _lock = new();
    private readonly List<Channel<(byte, byte[])>> _subscribers = [];
    private readonly TaskCompletionSource<ExitRecord> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly LineSplitter _stdoutLines = new();
    private readonly LineSplitter _stderrLines = new();
    private readonly List<Thread> _pumps = [];
    private readonly List<Task> _serving = [];

    private ICgroup? _cgroup;
    private int _pid;
    private SafeFd? _pidfd;
    private SafeFd? _stdin;
    private SafeFd? _initSync;
    private SafeFd? _initStatus;
    private ICgroup? _spareCgroup;
    private SafeFd? _stdout;
    private SafeFd? _stderr;
    /// <summary>The master of the container's terminal (<c>-t</c>): its output and its input.</summary>
    private SafeFd? _console;
    private RotatingLogFile? _log;
    private string _status = "created";
    private int _runtimePid;

    /// <summary>
    /// What the init and exec processes are started from: this binary, as a detached read-only bind mount
    /// (CVE-2019-5736). They run in the container's namespaces, where its processes can open their /proc/PID/exe; and
    /// a program that is a <c>#!/proc/self/exe</c> script makes the kernel run this binary inside the container, with
    /// the container's ELF interpreter, so the container's code holds it. Through that mount the file cannot be
    /// opened for writing (EROFS), which rests neither on the kernel refusing writes to a running binary (ETXTBSY)
    /// nor on a shim still running it. The child reaches it as /proc/SHIM/fd/N, resolved before its exec; the
    /// descriptor is close-on-exec, so it reaches no container. A kernel without open_tree or mount_setattr (before
    /// 5.12) gets the binary itself, which ETXTBSY still guards while this shim runs it.
    /// </summary>
    private static string ContainerSideBinary => ReadOnlySelf.Value.Path;

    /// <summary>The binary itself, for an init or exec that starts in a user namespace of its own: from there the
    /// shim's /proc/PID/fd is out of reach (it is not privileged over the shim), and its remapped root cannot
    /// write a file of the host's root anyway, which is what CVE-2019-5736 needs.</summary>
    private static string RemappedSideBinary => Environment.ProcessPath ?? throw new InvalidOperationException("cannot find berth-runtime's own path");

    private static readonly Lazy<(SafeFd? Tree, string Path)> ReadOnlySelf = new(() =>
    {
        try
        {
            var tree = Mounts.CloneReadOnly("/proc/self/exe");
            return (tree, $"/proc/{Environment.ProcessId}/fd/{tree.Fd}");
        }
        catch (LinuxException e) when (e.Errno == LibC.ENOSYS)
        {
            return (null, Environment.ProcessPath ?? throw new InvalidOperationException("cannot find berth-runtime's own path"));
        }
    });

    private ShimServer(ShimOptions options, RuntimeSpec spec)
    {
        _options = options;
        _spec = spec;
    }

    public static int Main(IReadOnlyList<string> args)
    {
        ChildReaper.EnsureStarted();
        using var ready = new SafeFd(ReadyFd);
        Fs.SetCloexec(ready, true);
        if (args is ["--spare"])
        {
            return RunSpare(ready);
        }
        var options = ShimOptions.Parse(args);
        RuntimeSpec spec;
        try
        {
            spec = ReadSpec(options.Bundle);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidDataException)
        {
            Report(ready, new ShimReady { Error = "read bundle: " + e.Message });
            return 1;
        }
        return new ShimServer(options, spec).Run(ready, sandboxReady: false);
    }

    private static RuntimeSpec ReadSpec(string bundle) =>
        JsonSerializer.Deserialize(File.ReadAllBytes(Path.Join(bundle, "config.json")), OciJson.Default.RuntimeSpec)
            ?? throw new InvalidDataException("config.json is empty");

    /// <summary>
    /// A spare: the daemon starts one ahead of need. It creates the sandbox at once (its init in Docker's default
    /// namespaces, runtime started, waiting for its bundle), reports, and waits on fd 4 for the container it
    /// becomes. End-of-file there means the daemon went away: the spare ends its init and exits.
    /// </summary>
    private static int RunSpare(SafeFd ready)
    {
        using var control = new SafeFd(ControlFd);
        Fs.SetCloexec(control, true);
        var shim = new ShimServer(new ShimOptions { Id = "", Bundle = "", Socket = "" }, new RuntimeSpec());
        try
        {
            shim.PrepareSandbox(SpareNamespaces, []);
        }
        catch (InvalidOperationException e)
        {
            Report(ready, new ShimReady { Error = e.Message });
            return 1;
        }
        // Join a cgroup of the spare's own now, while nobody waits: the grace period of the move is paid here,
        // and at adoption the cgroup is renamed to the container's.
        try
        {
            if (CgroupDriver.Detect().OpenRenamable("/berth/spare-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)) is { } cgroup)
            {
                cgroup.Create();
                cgroup.AddProcess(shim._pid);
                shim._spareCgroup = cgroup;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The container will make and join its cgroup at adoption, as a cold start does.
        }
        Report(ready, new ShimReady { Pid = shim._pid, ShimPid = Environment.ProcessId });
        // Pay the JSON metadata's first-use cost now, not when the container is waiting.
        JsonSerializer.Deserialize("""{"ociVersion":"1.2.0"}"""u8, OciJson.Default.RuntimeSpec);
        var message = ReadAll(control);
        SpareAdoption? adoption = null;
        try
        {
            adoption = message.Length == 0 ? null : JsonSerializer.Deserialize(message, ShimJson.Default.SpareAdoption);
        }
        catch (JsonException)
        {
        }
        if (adoption is null)
        {
            shim.AbandonSandbox();
            return 0;
        }
        try
        {
            shim._options = new ShimOptions { Id = adoption.Id, Bundle = adoption.Bundle, Socket = adoption.Socket, LogPath = adoption.LogPath, LogRotation = new JsonFileOptions(adoption.LogMaxSize, adoption.LogMaxFiles), OpenStdin = adoption.OpenStdin };
            shim._spec = ReadSpec(adoption.Bundle);
            if (UnshareFlags(shim._spec, out var joins) != SpareNamespaces || joins.Count > 0)
            {
                throw new InvalidDataException("the container's namespaces are not a spare's");
            }
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidDataException)
        {
            shim.AbandonSandbox();
            Report(ready, new ShimReady { Error = "adopt: " + e.Message });
            return 1;
        }
        return shim.Run(ready, sandboxReady: true);
    }

    /// <summary>One JSON line on the ready pipe (a spare writes two: spare ready, then container created).</summary>
    private static void Report(SafeFd ready, ShimReady message)
    {
        try
        {
            Fs.WriteAll(ready, [.. JsonSerializer.SerializeToUtf8Bytes(message, ShimJson.Default.ShimReady), (byte)'\n'], "ready pipe");
        }
        catch (IOException)
        {
        }
    }

    private int Run(SafeFd ready, bool sandboxReady)
    {
        Socket listener;
        try
        {
            if (_options.LogPath is not null)
            {
                _log = new RotatingLogFile(_options.LogPath, _options.LogRotation);
            }
            File.Delete(_options.Socket);
            listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(_options.Socket));
            // A filesystem socket only root can connect to (never an abstract one, which anything in the host's
            // network namespace reaches, a --network host container included: CVE-2020-15257).
            File.SetUnixFileMode(_options.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
            Create(sandboxReady);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException or UnauthorizedAccessException or ArgumentException)
        {
            Cleanup();
            File.Delete(_options.Socket);
            Report(ready, new ShimReady { Error = e.Message });
            return 1;
        }
        File.WriteAllText(Path.Join(_options.Bundle, "init.pid"), _pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Report(ready, new ShimReady { Pid = _pid, ShimPid = Environment.ProcessId });
        ready.Dispose();

        _ = AcceptLoopAsync(listener);
        var exit = WaitForExit();
        // Unlink first, so a late client finds no socket (and reads exit.json) instead of a connection that is
        // reset; then serve those already queued, who asked while the shim was alive, before closing.
        File.Delete(_options.Socket);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (listener.Poll(0, SelectMode.SelectRead) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
        }
        listener.Dispose();
        // Give attached clients a moment to take the exit frame, and Wait calls their answer, before the process goes.
        Task[] pending;
        lock (_lock)
        {
            pending = [.. _subscribers.Select(s => s.Reader.Completion), .. _serving];
        }
        try
        {
            Task.WaitAll(pending, TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
            // A client that went away mid-answer: nothing more to give it.
        }
        return exit.Error is null ? 0 : 1;
    }

    private void Create(bool sandboxReady)
    {
        if (!_options.IsBerth)
        {
            var (outRead, outWrite) = Fs.Pipe();
            var (errRead, errWrite) = Fs.Pipe();
            SafeFd inRead;
            if (_options.OpenStdin)
            {
                (inRead, _stdin) = Fs.Pipe();
            }
            else
            {
                inRead = Fs.Open("/dev/null", LibC.O_RDONLY);
            }
            using (inRead)
            using (outWrite)
            using (errWrite)
            {
                CreateWithOciRuntime(inRead, outWrite, errWrite);
            }
            (_stdout, _stderr) = (outRead, errRead);
        }
        else
        {
            if (!sandboxReady)
            {
                var unshare = UnshareFlags(_spec, out var joins);
                PrepareSandbox(unshare, joins);
            }
            CreateInSandbox();
        }
        if (_console is not null)
        {
            // The init moved its stdio to the terminal: the pipes it was started with are done.
            _stdout!.Dispose();
            _stderr!.Dispose();
            _stdin?.Dispose();
            _stdout = _console;
            _stderr = null;
            _stdin = new SafeFd(Sys.Check(LibC.fcntl(_console.Fd, LibC.F_DUPFD_CLOEXEC, 3), "fcntl(F_DUPFD_CLOEXEC)"));
        }
        StartPump(_stdout!, LogStream.Stdout, _stdoutLines);
        if (_stderr is not null)
        {
            StartPump(_stderr, LogStream.Stderr, _stderrLines);
        }
        _pidfd ??= new SafeFd(Sys.Check(LibC.pidfd_open(_pid), "pidfd_open"));
    }

    /// <summary>Namespaces the init is spawned into (created, or joined by path); cgroup and user namespaces
    /// are the init's own business.</summary>
    private static int UnshareFlags(RuntimeSpec spec, out List<(string Path, int Flag)> joins)
    {
        var unshare = 0;
        joins = [];
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            var flag = NamespaceFlag(ns.Type);
            if (ns.Path is not null)
            {
                joins.Add((ns.Path, flag));
            }
            else if (flag is not (LibC.CLONE_NEWCGROUP or LibC.CLONE_NEWUSER))
            {
                unshare |= flag; // init unshares its cgroup namespace itself, once it is in its cgroup
            }
        }
        return unshare;
    }

    /// <summary>
    /// Starts the init in its namespaces with the container's stdio pipes. It waits for its bundle, so this
    /// can happen before the container is known.
    /// </summary>
    private void PrepareSandbox(int unshare, List<(string Path, int Flag)> joins)
    {
        var (outRead, outWrite) = Fs.Pipe();
        var (errRead, errWrite) = Fs.Pipe();
        var (inRead, inWrite) = Fs.Pipe();
        var (syncRead, syncWrite) = Fs.Pipe();
        var (statusRead, statusWrite) = Fs.Pipe();
        (_stdout, _stderr, _stdin, _initSync, _initStatus) = (outRead, errRead, inWrite, syncWrite, statusRead);
        var self = ContainerSideBinary;
        Exception? failure = null;
        // A thread of its own: after unshare(CLONE_NEWPID) it could never start a thread again, and the namespaces
        // it enters must not leak into the shim's other threads.
        var spawner = new Thread(() =>
        {
            try
            {
                if (joins.Any(j => j.Flag == LibC.CLONE_NEWNS))
                {
                    Proc.Unshare(LibC.CLONE_FS);
                }
                foreach (var (path, flag) in joins)
                {
                    using var nsfd = Fs.Open(path, LibC.O_RDONLY);
                    Sys.Check(LibC.setns(nsfd.Fd, flag), "setns", path);
                }
                var fds = new Dictionary<int, System.Runtime.InteropServices.SafeHandle>
                {
                    [0] = inRead,
                    [1] = outWrite,
                    [2] = errWrite,
                    [Init.ContainerInit.SyncInFd] = syncRead,
                    [Init.ContainerInit.SyncOutFd] = statusWrite,
                };
                if (UserNamespace.Wanted(_spec))
                {
                    // The user namespace and the others with it, in one clone by a single-threaded helper: it owns
                    // them, so the init (its root) may mount proc, sysfs and the rest.
                    _pid = UserNamespace.SpawnInit(RemappedSideBinary, unshare, _spec.Linux!, fds);
                }
                else
                {
                    Proc.Unshare(unshare);
                    _pid = Spawner.Spawn(new SpawnRequest
                    {
                        Path = self,
                        Args = ["berth-runtime", "init"],
                        Env = ["PATH=" + Init.ExecLookup.DefaultPath],
                        Fds = fds,
                    });
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 256 * 1024)
        { Name = "spawn-init" };
        spawner.Start();
        spawner.Join();
        foreach (var childEnd in new[] { inRead, outWrite, errWrite, syncRead, statusWrite })
        {
            childEnd.Dispose();
        }
        if (failure is not null)
        {
            throw new InvalidOperationException("start init: " + failure.Message, failure);
        }
        _pidfd = new SafeFd(Sys.Check(LibC.pidfd_open(_pid), "pidfd_open"));
    }

    private static ICgroup? TryRename(ICgroup cgroup, string path)
    {
        try
        {
            return cgroup.RenameTo(path);
        }
        catch (Exception e) when (e is IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return null; // e.g. a cgroup of that name left behind: make and join one the usual way
        }
    }

    /// <summary>A spare the daemon no longer wants: its init goes (it is blocked on its bundle).</summary>
    private void AbandonSandbox()
    {
        Proc.Kill(_pid, LibC.SIGKILL);
        Spawner.Wait(_pid);
        _spareCgroup?.Destroy(TimeSpan.FromSeconds(5));
        _spareCgroup = null;
    }

    /// <summary>Names the bundle to the waiting init, puts it in its cgroup, and waits until it is created.</summary>
    private void CreateInSandbox()
    {
        var linux = _spec.Linux ?? new LinuxConfig();
        Fs.WriteAll(_initSync!, Init.ContainerInit.BundleMessage(_options.Bundle, _options.OpenStdin), "init sync");
        if (!_options.OpenStdin)
        {
            _stdin!.Dispose(); // the init put /dev/null on its stdin
            _stdin = null;
        }
        // The init builds the root while its cgroup is made and joined (v1 migration waits for an RCU grace
        // period); it waits for 'G' where it needs the cgroup.
        try
        {
            var path = linux.CgroupsPath ?? "/berth/" + _options.Id;
            if (_spareCgroup is not null && Path.GetDirectoryName(path) == Path.GetDirectoryName(_spareCgroup.Path) && TryRename(_spareCgroup, path) is { } renamed)
            {
                _cgroup = renamed;
                _spareCgroup = null;
                _cgroup.Apply(linux.Resources);
            }
            else
            {
                _cgroup = CgroupDriver.Detect().Open(path);
                _cgroup.Create();
                _cgroup.Apply(linux.Resources);
                _cgroup.AddProcess(_pid);
                _spareCgroup?.Destroy(TimeSpan.FromSeconds(5));
                _spareCgroup = null;
            }
        }
        catch (LinuxException e) when (e.Errno == LibC.ESRCH)
        {
            // The init failed and exited while it built the root (a refused mount), before it could be moved into
            // its cgroup: its own words, on the status pipe up to its end, say more than the cgroup's ESRCH.
            var words = ReadAll(_initStatus!);
            AbandonSandbox();
            throw new InvalidOperationException(words is [(byte)'E', _, ..] ? Encoding.UTF8.GetString(words, 1, words.Length - 1) : "create cgroup: " + e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            AbandonSandbox();
            throw new InvalidOperationException("create cgroup: " + e.Message, e);
        }
        try
        {
            Fs.WriteAll(_initSync!, "G"u8, "init sync");
        }
        catch (LinuxException e) when (e.Errno == LibC.EPIPE)
        {
            // The init failed and exited while it built the root, before it waited for 'G': its words are on the
            // status pipe, read below, and say more than this write's EPIPE.
        }
        // 'C' alone means created; 'E' is followed by the error and end-of-file; 'T' names the terminal's master.
        var first = new byte[1];
        var got = Fs.Read(_initStatus!, first);
        if (got == 1 && first[0] == Init.ContainerInit.TerminalMessage)
        {
            _console = TakeTerminal(_initStatus!, _pidfd!);
            got = Fs.Read(_initStatus!, first);
        }
        var reply = got == 1 && first[0] == 'C' ? first : got == 0 ? [] : [.. first, .. ReadAll(_initStatus!)];
        if (reply.Length == 0 || reply[0] != 'C')
        {
            Spawner.Wait(_pid);
            throw new InvalidOperationException(reply.Length > 1 ? Encoding.UTF8.GetString(reply, 1, reply.Length - 1) : "container init exited before it was created");
        }
    }

    /// <summary>Reads the fd number after a 'T' and takes that fd from the process.</summary>
    private static SafeFd TakeTerminal(SafeFd status, SafeFd pidfd)
    {
        var number = new byte[4];
        if (Init.ContainerInit.ReadExact(status, number) != 4)
        {
            throw new InvalidOperationException("the process went away before its terminal was taken");
        }
        return Pty.TakeFd(pidfd, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(number));
    }

    private void CreateWithOciRuntime(SafeFd stdin, SafeFd stdout, SafeFd stderr)
    {
        Proc.Prctl(LibC.PR_SET_CHILD_SUBREAPER, 1, "PR_SET_CHILD_SUBREAPER");
        var pidFile = Path.Join(_options.Bundle, "runtime.pid");
        var code = RunRuntime(["create", "--bundle", _options.Bundle, "--pid-file", pidFile, _options.Id], stdin, stdout, stderr);
        if (code != 0)
        {
            throw new InvalidOperationException(RuntimeError() ?? $"{_options.Runtime} create exited with status {code}");
        }
        _pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private int RunRuntime(IEnumerable<string> verb, SafeFd? stdin = null, SafeFd? stdout = null, SafeFd? stderr = null)
    {
        var args = new List<string> { _options.Runtime, "--log", Path.Join(_options.Bundle, "runtime.log"), "--log-format", "json" };
        if (_options.RuntimeRoot is not null)
        {
            args.AddRange(["--root", _options.RuntimeRoot]);
        }
        args.AddRange(verb);
        using var devnull = Fs.Open("/dev/null", LibC.O_RDWR);
        _runtimePid = Spawner.Spawn(new SpawnRequest
        {
            Path = _options.Runtime,
            Args = args,
            Fds = new Dictionary<int, System.Runtime.InteropServices.SafeHandle>
            {
                [0] = stdin ?? devnull,
                [1] = stdout ?? devnull,
                [2] = stderr ?? devnull,
            },
        });
        var status = Spawner.Wait(_runtimePid);
        _runtimePid = 0;
        return status.Code;
    }

    private string? RuntimeError()
    {
        var path = Path.Join(_options.Bundle, "runtime.log");
        if (!File.Exists(path))
        {
            return null;
        }
        string? last = null;
        foreach (var line in File.ReadLines(path))
        {
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("level", out var level) && level.GetString() == "error")
                {
                    last = doc.RootElement.GetProperty("msg").GetString();
                }
            }
            catch (JsonException)
            {
            }
        }
        return last;
    }

    private static int NamespaceFlag(string type) => type switch
    {
        "pid" => LibC.CLONE_NEWPID,
        "network" => LibC.CLONE_NEWNET,
        "mount" => LibC.CLONE_NEWNS,
        "ipc" => LibC.CLONE_NEWIPC,
        "uts" => LibC.CLONE_NEWUTS,
        "user" => LibC.CLONE_NEWUSER,
        "cgroup" => LibC.CLONE_NEWCGROUP,
        "time" => LibC.CLONE_NEWTIME,
        _ => throw new InvalidOperationException($"unknown namespace type \"{type}\""),
    };

    private static byte[] ReadAll(SafeFd fd)
    {
        var result = new MemoryStream();
        var buf = new byte[4096];
        int n;
        while ((n = Fs.Read(fd, buf)) > 0)
        {
            result.Write(buf, 0, n);
        }
        return result.ToArray();
    }

    /// <summary>Lets the created process exec the user's program. Returns an error text, or null.</summary>
    private string? StartProcess()
    {
        lock (_lock)
        {
            if (_status != "created")
            {
                return _status == "running" ? null : "container is not created";
            }
            _status = "running";
        }
        try
        {
            if (_options.IsBerth)
            {
                Fs.WriteAll(_initSync!, "S"u8, "init sync");
                var reply = ReadAll(_initStatus!);
                _initSync!.Dispose();
                _initStatus!.Dispose();
                if (reply.Length > 0)
                {
                    return Encoding.UTF8.GetString(reply, 1, reply.Length - 1);
                }
                return null;
            }
            var code = RunRuntime(["start", _options.Id]);
            return code == 0 ? null : RuntimeError() ?? $"{_options.Runtime} start exited with status {code}";
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    private void StartPump(SafeFd pipe, LogStream stream, LineSplitter lines)
    {
        var t = new Thread(() =>
        {
            var buf = new byte[32 * 1024];
            using (pipe)
            {
                while (true)
                {
                    int n;
                    try
                    {
                        n = Fs.Read(pipe, buf);
                    }
                    catch (IOException)
                    {
                        break;
                    }
                    if (n == 0)
                    {
                        break;
                    }
                    var chunk = buf.AsSpan(0, n).ToArray();
                    var now = DateTimeOffset.UtcNow;
                    lock (_lock)
                    {
                        lines.Push(chunk, line => WriteLog(new LogEntry(stream, now, line)));
                        Broadcast(stream == LogStream.Stdout ? ShimFrame.Stdout : ShimFrame.Stderr, chunk);
                    }
                }
                lock (_lock)
                {
                    lines.Flush(line => WriteLog(new LogEntry(stream, DateTimeOffset.UtcNow, line)));
                }
            }
        }, 128 * 1024)
        { Name = "pump-" + stream, IsBackground = true };
        t.Start();
        _pumps.Add(t);
    }

    private void WriteLog(LogEntry e)
    {
        try
        {
            _log?.Write(e);
        }
        catch (IOException)
        {
            // compat(docker): a log write that fails (disk full) loses the entry, never the container.
        }
    }

    private void Broadcast(byte type, byte[] payload)
    {
        foreach (var s in _subscribers)
        {
            s.Writer.TryWrite((type, payload));
        }
    }

    private ExitRecord WaitForExit()
    {
        var status = Spawner.Wait(_pid); // for runc too: as subreaper the shim inherits the container
        foreach (var p in _pumps)
        {
            p.Join(TimeSpan.FromSeconds(2));
        }
        ExitRecord exit;
        lock (_lock)
        {
            _log?.Flush();
            _log?.Dispose();
            _log = null;
            exit = new ExitRecord { ExitCode = status.Code, Signal = status.Signal, ExitedAt = DateTimeOffset.UtcNow, OomKilled = OomKilled() };
            if (_status == "created")
            {
                exit.Error = "container exited before it started";
            }
            _status = "stopped";
        }
        Cleanup();
        // The bundle lives on the exec root (tmpfs): a crash of the machine ends the container too, so no fsync.
        AtomicFile.Write(Path.Join(_options.Bundle, "exit.json"), JsonSerializer.SerializeToUtf8Bytes(exit, ShimJson.Default.ExitRecord), durable: false);
        lock (_lock)
        {
            Broadcast(ShimFrame.Exit, JsonSerializer.SerializeToUtf8Bytes(exit, ShimJson.Default.ExitRecord));
            foreach (var s in _subscribers)
            {
                s.Writer.TryComplete();
            }
        }
        _exited.TrySetResult(exit);
        return exit;
    }

    /// <summary>Whether the kernel's OOM killer struck in the container's cgroup (read before it is removed).</summary>
    private bool OomKilled()
    {
        try
        {
            return _cgroup?.OomKills() > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private void Cleanup()
    {
        _cgroup?.Destroy(TimeSpan.FromSeconds(5));
        if (!_options.IsBerth && _pid != 0)
        {
            RunRuntime(["delete", "--force", _options.Id]);
        }
        _stdin?.Dispose();
        _pidfd?.Dispose();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            var serving = ServeAsync(client);
            lock (_lock)
            {
                _serving.Add(serving);
            }
            _ = serving.ContinueWith(t =>
            {
                lock (_lock)
                {
                    _serving.Remove(t);
                }
            }, TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        await using var stream = new NetworkStream(client, ownsSocket: true);
        try
        {
            var frame = await ShimFrame.ReadAsync(stream).ConfigureAwait(false);
            if (frame is not { } f)
            {
                return;
            }
            switch (f.Type)
            {
                case ShimFrame.Attach:
                    await AttachAsync(stream).ConfigureAwait(false);
                    break;
                case ShimFrame.Start:
                    var error = await Task.Run(StartProcess).ConfigureAwait(false);
                    await ReplyAsync(stream, error).ConfigureAwait(false);
                    break;
                case ShimFrame.Kill:
                    await ReplyAsync(stream, Kill(int.Parse(Encoding.ASCII.GetString(f.Payload), System.Globalization.CultureInfo.InvariantCulture))).ConfigureAwait(false);
                    break;
                case ShimFrame.State:
                    ShimState state;
                    lock (_lock)
                    {
                        state = new ShimState { Pid = _pid, Status = _status, Exit = _exited.Task.IsCompleted ? _exited.Task.Result : null };
                    }
                    await ShimFrame.WriteAsync(stream, ShimFrame.StateReply, JsonSerializer.SerializeToUtf8Bytes(state, ShimJson.Default.ShimState)).ConfigureAwait(false);
                    break;
                case ShimFrame.Resize:
                    await ReplyAsync(stream, Resize(_console, f.Payload)).ConfigureAwait(false);
                    break;
                case ShimFrame.Exec:
                    await ExecAsync(stream, f.Payload).ConfigureAwait(false);
                    break;
                case ShimFrame.Wait:
                    var exit = await _exited.Task.ConfigureAwait(false);
                    await ShimFrame.WriteAsync(stream, ShimFrame.Exit, JsonSerializer.SerializeToUtf8Bytes(exit, ShimJson.Default.ExitRecord)).ConfigureAwait(false);
                    break;
                default:
                    await ReplyAsync(stream, $"unknown shim command {f.Type}").ConfigureAwait(false);
                    break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or FormatException)
        {
        }
    }

    private static ValueTask ReplyAsync(Stream stream, string? error) =>
        error is null ? ShimFrame.WriteAsync(stream, ShimFrame.Ok, default) : ShimFrame.WriteAsync(stream, ShimFrame.Error, Encoding.UTF8.GetBytes(error));

    /// <summary>Sets a terminal's size from a <see cref="ShimFrame.Resize"/> payload; an error text, or null.</summary>
    private static string? Resize(SafeFd? terminal, byte[] payload)
    {
        if (terminal is null || terminal.IsClosed)
        {
            return "the process has no terminal";
        }
        if (payload.Length != 4)
        {
            return "bad resize payload";
        }
        try
        {
            Pty.SetSize(terminal, System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload), System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(2)));
            return null;
        }
        catch (IOException e)
        {
            return e.Message;
        }
    }

    private string? Kill(int signal)
    {
        lock (_lock)
        {
            if (_status == "stopped" || _pidfd is null)
            {
                return "container is not running";
            }
            if (LibC.pidfd_send_signal(_pidfd.Fd, signal) < 0)
            {
                var errno = Sys.LastErrno;
                return errno == LibC.ESRCH ? "container is not running" : new LinuxException("pidfd_send_signal", _pid.ToString(System.Globalization.CultureInfo.InvariantCulture), errno).Message;
            }
            return null;
        }
    }

    private async Task AttachAsync(NetworkStream stream)
    {
        var channel = Channel.CreateUnbounded<(byte, byte[])>(new UnboundedChannelOptions { SingleReader = true });
        lock (_lock)
        {
            if (_exited.Task.IsCompleted)
            {
                channel.Writer.TryWrite((ShimFrame.Exit, JsonSerializer.SerializeToUtf8Bytes(_exited.Task.Result, ShimJson.Default.ExitRecord)));
                channel.Writer.TryComplete();
            }
            else
            {
                _subscribers.Add(channel);
            }
        }
        await ShimFrame.WriteAsync(stream, ShimFrame.Ok, default).ConfigureAwait(false);
        var input = PumpStdinAsync(stream);
        try
        {
            await foreach (var (type, payload) in channel.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                await ShimFrame.WriteAsync(stream, type, payload).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_lock)
            {
                _subscribers.Remove(channel);
            }
            channel.Writer.TryComplete();
        }
        _ = input;
    }

    private async Task PumpStdinAsync(NetworkStream stream)
    {
        try
        {
            while (await ShimFrame.ReadAsync(stream).ConfigureAwait(false) is { } f)
            {
                var stdin = _stdin;
                if (stdin is null || stdin.IsClosed)
                {
                    continue;
                }
                if (f.Type == ShimFrame.Stdin)
                {
                    await Task.Run(() => Fs.WriteAll(stdin, f.Payload, "container stdin")).ConfigureAwait(false);
                }
                else if (f.Type == ShimFrame.CloseStdin && _console is null)
                {
                    // A terminal has no end of input to give: closing would hang up the container's session.
                    stdin.Dispose();
                }
                else if (f.Type == ShimFrame.Resize)
                {
                    Resize(_console, f.Payload);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
        }
    }
}

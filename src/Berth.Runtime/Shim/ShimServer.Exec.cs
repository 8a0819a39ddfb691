using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Berth.Linux;
using Berth.Runtime.Init;

namespace Berth.Runtime.Shim;

public sealed partial class ShimServer
{
    /// <summary>The namespaces an exec'd process enters from the spawning thread; mount comes last, in the process.</summary>
    private static readonly (string Name, int Flag)[] ExecNamespaces =
    [
        ("ipc", LibC.CLONE_NEWIPC), ("uts", LibC.CLONE_NEWUTS), ("net", LibC.CLONE_NEWNET), ("pid", LibC.CLONE_NEWPID), ("cgroup", LibC.CLONE_NEWCGROUP),
    ];

    /// <summary>
    /// <c>docker exec</c>: starts the process in the container and serves its stdio on this connection until it
    /// exits — 'k' with its pid (or 'E' with why it could not start), output frames, then 'X' with how it ended;
    /// stdin, close-stdin and resize frames come the other way. The exit is only known to this connection.
    /// </summary>
    private async Task ExecAsync(NetworkStream stream, byte[] payload)
    {
        ExecRequest request;
        try
        {
            request = JsonSerializer.Deserialize(payload, ShimJson.Default.ExecRequest) ?? throw new JsonException("empty exec request");
        }
        catch (JsonException e)
        {
            await ReplyAsync(stream, "bad exec request: " + e.Message).ConfigureAwait(false);
            return;
        }
        ExecProcess exec;
        try
        {
            exec = await Task.Run(() => StartExec(request)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or ShimExecException)
        {
            var code = e is ShimExecException x ? x.ExitCode : 126;
            await ShimFrame.WriteAsync(stream, ShimFrame.Error, Encoding.UTF8.GetBytes(code.ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + e.Message)).ConfigureAwait(false);
            return;
        }
        await ShimFrame.WriteAsync(stream, ShimFrame.Ok, Encoding.ASCII.GetBytes(exec.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).ConfigureAwait(false);
        _ = PumpExecInputAsync(stream, exec);
        await foreach (var (type, data) in exec.Output.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                await ShimFrame.WriteAsync(stream, type, data).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The daemon went away: the process runs on, its output is dropped.
            }
        }
    }

    private ExecProcess StartExec(ExecRequest request)
    {
        lock (_lock)
        {
            if (_status != "running" || _pidfd is null)
            {
                throw new ShimExecException(126, "container is not running");
            }
        }
        var fds = new List<SafeFd>();
        SafeFd Keep(SafeFd fd)
        {
            fds.Add(fd);
            return fd;
        }
        try
        {
            var (outRead, outWrite) = Fs.Pipe();
            var (errRead, errWrite) = Fs.Pipe();
            var (syncRead, syncWrite) = Fs.Pipe();
            var (statusRead, statusWrite) = Fs.Pipe();
            Keep(outWrite);
            Keep(errWrite);
            Keep(syncRead);
            Keep(statusWrite);
            SafeFd inRead;
            SafeFd? stdin = null;
            if (request.OpenStdin && !request.Process.Terminal)
            {
                (inRead, stdin) = Fs.Pipe();
            }
            else
            {
                inRead = Fs.Open("/dev/null", LibC.O_RDONLY | LibC.O_CLOEXEC);
            }
            Keep(inRead);
            var mountNs = Keep(Fs.Open($"/proc/{_pid}/ns/mnt", LibC.O_RDONLY | LibC.O_CLOEXEC));
            // In a user namespace the exec enters it first (berth-nsexec: a .NET process cannot), then the mount
            // namespace it owns.
            var userNs = UserNamespace.Wanted(_spec) ? Keep(Fs.Open($"/proc/{_pid}/ns/user", LibC.O_RDONLY | LibC.O_CLOEXEC)) : null;
            var namespaces = ExecNamespaces.Select(n => (Fd: Keep(Fs.Open($"/proc/{_pid}/ns/{n.Name}", LibC.O_RDONLY | LibC.O_CLOEXEC)), n.Flag)).ToList();
            // The container's init must still be the process we opened its namespaces through.
            if (LibC.pidfd_send_signal(_pidfd!.Fd, 0) < 0)
            {
                throw new ShimExecException(126, "container is not running");
            }
            Fs.WriteAll(syncWrite, ExecInit.RequestMessage(request), "exec sync");
            var self = ContainerSideBinary;
            var pid = 0;
            Exception? failure = null;
            // A thread of its own: after setns(CLONE_NEWPID) it could never start a thread again, and the
            // namespaces must not leak into the shim's other threads.
            var spawner = new Thread(() =>
            {
                try
                {
                    foreach (var (fd, flag) in namespaces)
                    {
                        Sys.Check(LibC.setns(fd.Fd, flag), "setns");
                    }
                    var childFds = new Dictionary<int, System.Runtime.InteropServices.SafeHandle>
                    {
                        [0] = inRead,
                        [1] = outWrite,
                        [2] = errWrite,
                        [ContainerInit.SyncInFd] = syncRead,
                        [ContainerInit.SyncOutFd] = statusWrite,
                        [ExecInit.MountNamespaceFd] = mountNs,
                    };
                    if (userNs is not null)
                    {
                        childFds[ExecInit.MountNamespaceFd + 1] = userNs;
                    }
                    pid = Spawner.Spawn(new SpawnRequest
                    {
                        Path = userNs is null ? self : UserNamespace.Helper(RemappedSideBinary),
                        Args = userNs is null ? ["berth-runtime", "exec"] : UserNamespace.JoinArgs(ExecInit.MountNamespaceFd + 1, RemappedSideBinary, ["berth-runtime", "exec"]),
                        Env = ["PATH=" + ExecLookup.DefaultPath],
                        Fds = childFds,
                    });
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }, 256 * 1024)
            { Name = "spawn-exec" };
            spawner.Start();
            spawner.Join();
            foreach (var fd in fds)
            {
                fd.Dispose();
            }
            fds.Clear();
            if (failure is not null)
            {
                outRead.Dispose();
                errRead.Dispose();
                stdin?.Dispose();
                throw new InvalidOperationException("start exec: " + failure.Message, failure);
            }
            var exited = ChildReaper.WaitAsync(pid);
            using var pidfd = new SafeFd(Sys.Check(LibC.pidfd_open(pid), "pidfd_open"));
            using (syncWrite)
            using (statusRead)
            {
                SafeFd? terminal = null;
                try
                {
                    var first = new byte[1];
                    var got = Fs.Read(statusRead, first);
                    if (got == 1 && first[0] == ContainerInit.TerminalMessage)
                    {
                        terminal = TakeTerminal(statusRead, pidfd);
                        got = Fs.Read(statusRead, first);
                    }
                    byte[] error;
                    if (got == 1 && first[0] == 'C')
                    {
                        _cgroup?.AddProcess(pid);
                        Fs.WriteAll(syncWrite, "G"u8, "exec sync");
                        error = ReadAll(statusRead); // end-of-file: exec'd
                    }
                    else
                    {
                        error = got == 0 ? "Eexec process ended before it started"u8.ToArray() : [.. first, .. ReadAll(statusRead)];
                    }
                    if (error.Length > 0)
                    {
                        var code = exited.GetAwaiter().GetResult().Code;
                        throw new ShimExecException(126, Encoding.UTF8.GetString(error, 1, error.Length - 1));
                    }
                }
                catch
                {
                    terminal?.Dispose();
                    outRead.Dispose();
                    errRead.Dispose();
                    stdin?.Dispose();
                    LibC.pidfd_send_signal(pidfd.Fd, LibC.SIGKILL);
                    throw;
                }
                var process = new ExecProcess(pid, terminal is null ? stdin : new SafeFd(Sys.Check(LibC.fcntl(terminal.Fd, LibC.F_DUPFD_CLOEXEC, 3), "fcntl(F_DUPFD_CLOEXEC)")), terminal);
                if (terminal is not null)
                {
                    outRead.Dispose();
                    errRead.Dispose();
                    process.Pump(terminal, ShimFrame.Stdout);
                }
                else
                {
                    process.Pump(outRead, ShimFrame.Stdout);
                    process.Pump(errRead, ShimFrame.Stderr);
                }
                _ = process.FinishAsync(exited);
                return process;
            }
        }
        finally
        {
            foreach (var fd in fds)
            {
                fd.Dispose();
            }
        }
    }

    private static async Task PumpExecInputAsync(NetworkStream stream, ExecProcess exec)
    {
        try
        {
            while (await ShimFrame.ReadAsync(stream).ConfigureAwait(false) is { } f)
            {
                switch (f.Type)
                {
                    case ShimFrame.Stdin when exec.Stdin is { IsClosed: false } stdin:
                        await Task.Run(() => Fs.WriteAll(stdin, f.Payload, "exec stdin")).ConfigureAwait(false);
                        break;
                    case ShimFrame.CloseStdin when exec.Terminal is null:
                        exec.Stdin?.Dispose();
                        break;
                    case ShimFrame.Resize:
                        Resize(exec.Terminal, f.Payload);
                        break;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidDataException)
        {
        }
    }

    /// <summary>An exec'd process as the shim holds it: its stdin (or terminal), its output, its end.</summary>
    private sealed class ExecProcess(int pid, SafeFd? stdin, SafeFd? terminal)
    {
        private readonly List<Thread> _pumps = [];

        public int Pid { get; } = pid;
        public SafeFd? Stdin { get; } = stdin;
        public SafeFd? Terminal { get; } = terminal;
        public Channel<(byte, byte[])> Output { get; } = Channel.CreateUnbounded<(byte, byte[])>(new UnboundedChannelOptions { SingleReader = true });

        public void Pump(SafeFd pipe, byte type)
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
                            break; // a terminal's master reads EIO once the last peer is closed
                        }
                        if (n == 0)
                        {
                            break;
                        }
                        Output.Writer.TryWrite((type, buf.AsSpan(0, n).ToArray()));
                    }
                }
            }, 128 * 1024)
            { Name = "exec-pump", IsBackground = true };
            t.Start();
            _pumps.Add(t);
        }

        /// <summary>After the process exits, the output still in its pipes is sent, then the exit. A child left
        /// in the background that holds the pipes open does not hold the exit back for more than a moment.</summary>
        public async Task FinishAsync(Task<ExitStatus> exited)
        {
            var status = await exited.ConfigureAwait(false);
            await Task.Run(() =>
            {
                foreach (var p in _pumps)
                {
                    p.Join(TimeSpan.FromSeconds(1));
                }
            }).ConfigureAwait(false);
            Stdin?.Dispose();
            var exit = new ExitRecord { ExitCode = status.Code, Signal = status.Signal, ExitedAt = DateTimeOffset.UtcNow };
            Output.Writer.TryWrite((ShimFrame.Exit, JsonSerializer.SerializeToUtf8Bytes(exit, ShimJson.Default.ExitRecord)));
            Output.Writer.TryComplete();
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Seccomp;
using Capabilities = Berth.Linux.Capabilities;
using Process = Berth.Oci.Process;

namespace Berth.Runtime.Init;

/// <summary>
/// The container's first process before it becomes the user's program: PID 1 in the new namespaces, started by
/// the shim. It talks to the shim over two pipes: fd 3 (shim → init: 'B' and the bundle, 'G' in the cgroup,
/// 'S' start) and fd 4 (init → shim: 'C' created, or 'E' and an error). fd 4 is close-on-exec, so a successful
/// exec reads as end-of-file. The bundle comes by message, not argument, so a shim can start its init before it
/// knows which container it will be (a spare the daemon keeps warm).
/// </summary>
public static class ContainerInit
{
    public const int SyncInFd = 3;
    public const int SyncOutFd = 4;

    /// <summary>The 'B' message: the bundle directory, and whether the container keeps the stdin pipe.</summary>
    public static byte[] BundleMessage(string bundle, bool openStdin)
    {
        var path = Encoding.UTF8.GetBytes(bundle);
        var message = new byte[1 + 4 + path.Length + 1];
        message[0] = (byte)'B';
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), path.Length);
        path.CopyTo(message, 5);
        message[^1] = openStdin ? (byte)'1' : (byte)'0';
        return message;
    }

    public static int Run()
    {
        var syncIn = new SafeFd(SyncInFd);
        var syncOut = new SafeFd(SyncOutFd);
        Fs.SetCloexec(syncIn, true);
        Fs.SetCloexec(syncOut, true);
        try
        {
            // Pay the JSON metadata's first-use cost while there is nothing else to do.
            JsonSerializer.Deserialize("""{"ociVersion":"1.2.0"}"""u8, OciJson.Default.RuntimeSpec);
            var (bundle, openStdin) = ReadBundle(syncIn);
            var spec = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Join(bundle, "config.json")), OciJson.Default.RuntimeSpec)
                ?? throw new InvalidOperationException("config.json is empty");
            var process = spec.Process ?? throw new InvalidOperationException("config.json has no process");
            var filter = spec.Linux?.Seccomp is { } seccomp ? SeccompProgramFile.Load(Path.Join(bundle, SeccompProgramFile.FileName), spec.Annotations?.GetValueOrDefault(SeccompProgramFile.Annotation), seccomp) : null;
            var gate = new CgroupGate(syncIn, spec.Linux?.Namespaces.Any(n => n.Type == "cgroup" && n.Path is null) == true);
            Create(spec, bundle, gate);
            gate.Enter();
            // The master must stay open until the shim has taken it (it is close-on-exec).
            var terminal = process.Terminal ? AttachTerminal(process, syncOut, console: true) : null;
            if (terminal is null && !openStdin)
            {
                // compat(docker): without -i the container's stdin is /dev/null — its own, opened after pivot_root.
                using var devnull = Fs.Open("/dev/null", LibC.O_RDONLY);
                Sys.Check(LibC.dup3(devnull.Fd, 0, 0), "dup3", "/dev/null");
            }
            var env = process.Env ?? [];
            var program = ExecLookup.Find(process.Args.FirstOrDefault() ?? throw new InvalidOperationException("process.args is empty"), env);
            Fs.WriteAll(syncOut, "C"u8, "sync");
            if (ReadByte(syncIn) != 'S')
            {
                return 1;
            }
            LoadSeccomp(filter, process, beforeUser: true);
            BecomeUser(process);
            Sys.Check(LibC.chdir(process.Cwd), "chdir", process.Cwd);
            Proc.ResetSignalsForExec(); // or the container's program would start with SIGPIPE ignored, as .NET runs
            LoadSeccomp(filter, process, beforeUser: false);
            Proc.Exec(program, process.Args, env);
            GC.KeepAlive(terminal);
            return 1;
        }
        catch (ExecLookupException e)
        {
            Report(syncOut, e.Message);
            return 127;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or JsonException or ArgumentException)
        {
            Report(syncOut, e.Message);
            return 1;
        }
    }

    private static void Create(RuntimeSpec spec, string bundle, CgroupGate gate)
    {
        LibC.umask(0);
        var linux = spec.Linux;
        var namespaces = linux?.Namespaces ?? [];
        if (namespaces.Any(n => n.Type == "network" && n.Path is null))
        {
            Net.SetUp("lo");
        }
        if (namespaces.Any(n => n.Type == "mount"))
        {
            new RootfsBuilder(spec, bundle, gate).Prepare();
        }
        if (namespaces.Any(n => n.Type == "uts"))
        {
            if (!string.IsNullOrEmpty(spec.Hostname))
            {
                Proc.SetHostname(spec.Hostname);
            }
            if (!string.IsNullOrEmpty(spec.Domainname))
            {
                Proc.SetDomainname(spec.Domainname);
            }
        }
        foreach (var (key, value) in linux?.Sysctl ?? [])
        {
            // A bundle from elsewhere is not trusted either: a key is a dotted name, never a path.
            if (key.Contains('/', StringComparison.Ordinal) || key.Split('.').Any(p => p.Length == 0))
            {
                throw new InvalidOperationException($"invalid sysctl key \"{key}\"");
            }
            Fs.WriteFile("/proc/sys/" + key.Replace('.', '/'), value);
        }
        RootfsBuilder.ProtectPaths(linux);
        if (spec.Root?.Readonly == true)
        {
            Mounts.Mount(null, "/", null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY | LibC.MS_REC);
        }
        var process = spec.Process!;
        foreach (var r in process.Rlimits ?? [])
        {
            var resource = Proc.RlimitResource(r.Type);
            if (resource < 0)
            {
                throw new InvalidOperationException($"unknown rlimit {r.Type}");
            }
            Proc.SetRlimit(resource, r.Soft, r.Hard);
        }
        if (process.OomScoreAdj is { } adj)
        {
            Fs.WriteFile("/proc/self/oom_score_adj", adj.ToString(CultureInfo.InvariantCulture));
        }
        LibC.umask(process.User.Umask ?? 0x12);
    }

    /// <summary>The 'T' message: the fd number of a terminal's master, for the shim to take with pidfd_getfd.</summary>
    public const byte TerminalMessage = (byte)'T';

    /// <summary>
    /// Makes a terminal on the container's own devpts (opened after pivot_root, so /dev/ptmx is the container's),
    /// puts its peer on stdio as the controlling terminal, and tells the shim where the master is. The master
    /// stays open, close-on-exec, until the shim has taken it. For the first process, the peer is also bound
    /// onto /dev/console, as runc does.
    /// </summary>
    internal static SafeFd AttachTerminal(Process process, SafeFd syncOut, bool console)
    {
        var master = Pty.OpenMaster("/dev/ptmx");
        using (var peer = Pty.OpenPeer(master))
        {
            if (process.ConsoleSize is { Height: > 0, Width: > 0 } size)
            {
                Pty.SetSize(peer, (ushort)size.Height, (ushort)size.Width);
            }
            Pty.BecomeControllingTerminal(peer);
            for (var fd = 0; fd <= 2; fd++)
            {
                Sys.Check(LibC.dup3(peer.Fd, fd, 0), "dup3", "terminal");
            }
            if (console)
            {
                var pts = "/dev/pts/" + Pty.PeerNumber(master).ToString(CultureInfo.InvariantCulture);
                if (!File.Exists("/dev/console"))
                {
                    Fs.Open("/dev/console", LibC.O_CREAT | LibC.O_WRONLY | LibC.O_CLOEXEC, 0x1b6).Dispose();
                }
                Mounts.Mount(pts, "/dev/console", null, LibC.MS_BIND);
            }
        }
        var message = new byte[5];
        message[0] = TerminalMessage;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(message.AsSpan(1), master.Fd);
        Fs.WriteAll(syncOut, message, "sync");
        return master;
    }

    /// <summary>runc's order: shrink the bounding set, keep capabilities across the uid change, change ids,
    /// then set the capability sets the process runs with.</summary>
    internal static void BecomeUser(Process process)
    {
        var caps = process.Capabilities;
        var bounding = Capabilities.Mask(caps?.Bounding);
        Capabilities.DropBounding(bounding);
        Proc.Prctl(LibC.PR_SET_KEEPCAPS, 1, "PR_SET_KEEPCAPS");
        var user = process.User;
        Proc.SetGroups(user.AdditionalGids ?? []);
        Proc.SetIds(user.Uid, user.Gid);
        Proc.Prctl(LibC.PR_SET_KEEPCAPS, 0, "PR_SET_KEEPCAPS");
        Capabilities.Set(Capabilities.Mask(caps?.Effective), Capabilities.Mask(caps?.Permitted), Capabilities.Mask(caps?.Inheritable));
        Capabilities.RaiseAmbient(Capabilities.Mask(caps?.Ambient));
        if (process.NoNewPrivileges)
        {
            Proc.Prctl(LibC.PR_SET_NO_NEW_PRIVS, 1, "PR_SET_NO_NEW_PRIVS");
        }
    }

    /// <summary>
    /// runc's order: with no_new_privs the filter is loaded last before execve, so that as few calls as possible
    /// run under it; without, loading one needs CAP_SYS_ADMIN, so it is loaded before the capabilities are
    /// dropped, and the calls that become the user (capset, setresuid, prctl, chdir …) run under it — Docker's
    /// profile allows them. Called twice, at both points; it loads at the one that applies. The filter is this
    /// thread's (no TSYNC unless the profile asks): the thread that execs, so the program and its children have it.
    /// </summary>
    internal static void LoadSeccomp(SeccompProgram? filter, Process process, bool beforeUser)
    {
        if (filter is not null && beforeUser != process.NoNewPrivileges)
        {
            SeccompFilter.Load(filter.Instructions, filter.Flags);
        }
    }

    private static (string Bundle, bool OpenStdin) ReadBundle(SafeFd syncIn)
    {
        Span<byte> head = stackalloc byte[5];
        if (ReadExact(syncIn, head) != 5 || head[0] != 'B')
        {
            throw new InvalidOperationException("the shim went away before it named the bundle");
        }
        var length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head[1..]);
        if (length is <= 0 or > 4096)
        {
            throw new InvalidOperationException("bad bundle message");
        }
        var rest = new byte[length + 1];
        if (ReadExact(syncIn, rest) != rest.Length)
        {
            throw new InvalidOperationException("the shim went away before it named the bundle");
        }
        return (Encoding.UTF8.GetString(rest, 0, length), rest[^1] == '1');
    }

    internal static int ReadExact(SafeFd fd, Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = Fs.Read(fd, buffer[read..]);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        return read;
    }

    internal static int ReadByte(SafeFd fd)
    {
        Span<byte> b = stackalloc byte[1];
        return Fs.Read(fd, b) == 1 ? b[0] : -1;
    }

    internal static void Report(SafeFd syncOut, string message)
    {
        try
        {
            Fs.WriteAll(syncOut, Encoding.UTF8.GetBytes("E" + message), "sync");
        }
        catch (IOException)
        {
        }
    }
}

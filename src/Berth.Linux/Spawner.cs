using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>What a child process gets: program, argv, environment, which fds land where, session.</summary>
public sealed class SpawnRequest
{
    public required string Path { get; init; }
    public required IReadOnlyList<string> Args { get; init; }
    /// <summary>The environment, KEY=VALUE; null inherits the caller's.</summary>
    public IReadOnlyList<string>? Env { get; init; }
    /// <summary>Child fd number → the caller's file to put there. Every other fd is closed in the child.</summary>
    public IReadOnlyDictionary<int, SafeHandle> Fds { get; init; } = new Dictionary<int, SafeHandle>();
    public bool NewSession { get; init; }
    /// <summary>True for a child nobody will wait for (it outlives the caller's interest, as a shim does).</summary>
    public bool Detached { get; init; }
    public string? WorkingDirectory { get; init; }
}

/// <summary>
/// Starts processes with posix_spawn(3): glibc runs the child side in native code (clone with CLONE_VFORK), so
/// no managed code runs between clone and exec. The child inherits the calling thread's namespaces, which is how
/// a dedicated thread that unshared them gives its children new ones. Children are reaped by <see cref="ChildReaper"/>.
/// </summary>
public static unsafe class Spawner
{
    public static int Spawn(SpawnRequest request)
    {
        var fa = NativeMemory.AllocZeroed(LibC.SpawnBufferSize);
        var attr = NativeMemory.AllocZeroed(LibC.SpawnBufferSize);
        var sigset = NativeMemory.AllocZeroed(128);
        var temps = new List<int>();
        var refs = new List<SafeHandle>();
        try
        {
            LibC.posix_spawn_file_actions_init(fa);
            LibC.posix_spawnattr_init(attr);
            // Move every source above any target first, so one dup2 can never clobber another's source.
            var maxTarget = request.Fds.Count == 0 ? 2 : Math.Max(2, request.Fds.Keys.Max());
            foreach (var (target, handle) in request.Fds)
            {
                var added = false;
                handle.DangerousAddRef(ref added);
                refs.Add(handle);
                var tmp = Sys.Check(LibC.fcntl((int)handle.DangerousGetHandle(), LibC.F_DUPFD_CLOEXEC, maxTarget + 1), "fcntl(F_DUPFD_CLOEXEC)");
                temps.Add(tmp);
                Check(LibC.posix_spawn_file_actions_adddup2(fa, tmp, target), "posix_spawn_file_actions_adddup2");
            }
            // Every fd above stdio that is not a target is closed: those below the highest target one by one (glibc
            // ignores closing one that is not open), the rest at once. An inheritable fd of this process that
            // happened to sit between 3 and a target would otherwise reach the child (a container, CVE-2024-21626).
            for (var fd = 3; fd < maxTarget; fd++)
            {
                if (!request.Fds.ContainsKey(fd))
                {
                    Check(LibC.posix_spawn_file_actions_addclose(fa, fd), "posix_spawn_file_actions_addclose");
                }
            }
            Check(LibC.posix_spawn_file_actions_addclosefrom_np(fa, maxTarget + 1), "posix_spawn_file_actions_addclosefrom_np");
            if (request.WorkingDirectory is not null)
            {
                Check(LibC.posix_spawn_file_actions_addchdir_np(fa, request.WorkingDirectory), "posix_spawn_file_actions_addchdir_np");
            }
            // The runtime ignores SIGPIPE and may block signals; a container starts with the defaults.
            LibC.sigemptyset(sigset);
            LibC.posix_spawnattr_setsigmask(attr, sigset);
            LibC.sigfillset(sigset);
            // glibc's sigfillset leaves out its internal signals 32 and 33 (SIGCANCEL, SIGSETXID), and its
            // posix_spawn sets every signal outside the default set that is internal to SIG_IGN in the child, which
            // survives exec: containers would start with them ignored. sigaddset refuses them, so set the bits.
            ((ulong*)sigset)[0] |= (1UL << 31) | (1UL << 32);
            LibC.posix_spawnattr_setsigdefault(attr, sigset);
            short flags = LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF;
            if (request.NewSession)
            {
                flags |= LibC.POSIX_SPAWN_SETSID;
            }
            LibC.posix_spawnattr_setflags(attr, flags);

            using var argv = new NativeStringArray(request.Args);
            using var envp = new NativeStringArray(request.Env ?? CurrentEnvironment());
            var path = LibC.Utf8(request.Path);
            fixed (byte* p = path)
            {
                var rc = LibC.posix_spawn(out var pid, p, fa, attr, argv.Pointer, envp.Pointer);
                if (rc != 0)
                {
                    throw new LinuxException("posix_spawn", request.Path, rc);
                }
                ChildReaper.ChildStarted(pid, request.Detached);
                return pid;
            }
        }
        finally
        {
            foreach (var t in temps)
            {
                LibC.close(t);
            }
            foreach (var r in refs)
            {
                r.DangerousRelease();
            }
            LibC.posix_spawn_file_actions_destroy(fa);
            LibC.posix_spawnattr_destroy(attr);
            NativeMemory.Free(fa);
            NativeMemory.Free(attr);
            NativeMemory.Free(sigset);
        }
    }

    /// <summary>Blocks until <paramref name="pid"/>, a child spawned here, ends.</summary>
    public static ExitStatus Wait(int pid) => ChildReaper.WaitAsync(pid).GetAwaiter().GetResult();

    private static List<string> CurrentEnvironment()
    {
        var list = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            list.Add($"{e.Key}={e.Value}");
        }
        return list;
    }

    private static void Check(int rc, string op)
    {
        if (rc != 0)
        {
            throw new LinuxException(op, null, rc);
        }
    }
}

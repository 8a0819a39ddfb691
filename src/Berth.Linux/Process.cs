namespace Berth.Linux;

/// <summary>Calls that act on the calling process or thread: namespaces, identity, limits, signals.</summary>
public static unsafe class Proc
{
    public static void Unshare(int flags) => Sys.Check(LibC.unshare(flags), "unshare");

    public static void SetHostname(string name)
    {
        var b = System.Text.Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
        {
            Sys.Check(LibC.sethostname(p, b.Length), "sethostname", name);
        }
    }

    public static void SetDomainname(string name)
    {
        var b = System.Text.Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b)
        {
            Sys.Check(LibC.setdomainname(p, b.Length), "setdomainname", name);
        }
    }

    public static void SetGroups(IReadOnlyList<uint> gids)
    {
        var arr = gids.ToArray();
        fixed (uint* p = arr)
        {
            Sys.Check(LibC.setgroups(arr.Length, p), "setgroups");
        }
    }

    public static void SetIds(uint uid, uint gid)
    {
        Sys.Check(LibC.setresgid(gid, gid, gid), "setresgid", gid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Sys.Check(LibC.setresuid(uid, uid, uid), "setresuid", uid.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public static void Prctl(int option, ulong arg2, string name) =>
        Sys.Check(LibC.prctl(option, arg2, 0, 0, 0), "prctl", name);

    public static void SetRlimit(int resource, ulong soft, ulong hard) =>
        Sys.Check(LibC.setrlimit(resource, new LibC.RLimit { rlim_cur = soft, rlim_max = hard }), "setrlimit", resource.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Sends a signal; false when the process is already gone.</summary>
    public static bool Kill(int pid, int signal)
    {
        if (LibC.kill(pid, signal) == 0)
        {
            return true;
        }
        if (Sys.LastErrno == LibC.ESRCH)
        {
            return false;
        }
        throw new LinuxException("kill", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), Sys.LastErrno);
    }

    /// <summary>
    /// Gives back the signal state a new program expects: exec resets handled signals but keeps ignored ones and the
    /// mask, and the .NET runtime ignores SIGPIPE, so a program exec'd from .NET would start with SIGPIPE ignored.
    /// Call it last before <see cref="Exec"/>: it leaves the runtime's own handlers alone, only the ignored go.
    /// </summary>
    public static void ResetSignalsForExec()
    {
        // Without /proc (a spec may not mount it) only the one .NET is known to ignore; never reset a handled
        // signal here, the runtime still needs its own until exec.
        var mask = 1UL << (LibC.SIGPIPE - 1);
        try
        {
            var ignored = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
            mask |= ignored is null ? 0 : Convert.ToUInt64(ignored["SigIgn:".Length..].Trim(), 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        for (var sig = 1; sig <= 64; sig++)
        {
            if ((mask & (1UL << (sig - 1))) != 0 && sig is not (LibC.SIGKILL or LibC.SIGSTOP))
            {
                LibC.signal(sig, LibC.SIG_DFL); // glibc refuses its internal 32 and 33; nothing else can fail
            }
        }
        var empty = stackalloc byte[128];
        LibC.sigemptyset(empty);
        LibC.pthread_sigmask(LibC.SIG_SETMASK, empty, null); // returns an errno, and cannot fail with these arguments
    }

    /// <summary>Replaces the process image. Returns only by throwing.</summary>
    public static void Exec(string path, IReadOnlyList<string> args, IReadOnlyList<string> env)
    {
        using var argv = new NativeStringArray(args);
        using var envp = new NativeStringArray(env);
        LibC.execve(path, argv.Pointer, envp.Pointer);
        throw new LinuxException("exec", path, Sys.LastErrno);
    }

    /// <summary>Resource numbers of setrlimit(2) by Docker's --ulimit names.</summary>
    public static int RlimitResource(string name) => name.ToLowerInvariant().Replace("rlimit_", "", StringComparison.Ordinal) switch
    {
        "cpu" => 0,
        "fsize" => 1,
        "data" => 2,
        "stack" => 3,
        "core" => 4,
        "rss" => 5,
        "nproc" => 6,
        "nofile" => 7,
        "memlock" => 8,
        "as" => 9,
        "locks" => 10,
        "sigpending" => 11,
        "msgqueue" => 12,
        "nice" => 13,
        "rtprio" => 14,
        "rttime" => 15,
        _ => -1,
    };
}

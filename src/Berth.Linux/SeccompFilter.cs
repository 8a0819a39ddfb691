namespace Berth.Linux;

/// <summary>seccomp(2): installs a classic BPF program as the calling thread's filter.</summary>
public static unsafe class SeccompFilter
{
    /// <summary>
    /// <c>seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)</c>. Applies to the calling thread (and, with
    /// <c>SECCOMP_FILTER_FLAG_TSYNC</c>, to every thread of the process); inherited by children and kept across
    /// execve. Needs no_new_privs or CAP_SYS_ADMIN.
    /// </summary>
    public static void Load(ReadOnlySpan<LibC.SockFilter> program, uint flags)
    {
        if (program.Length is 0 or > ushort.MaxValue)
        {
            throw new ArgumentException($"a seccomp program of {program.Length} instructions");
        }
        fixed (LibC.SockFilter* p = program)
        {
            var prog = new LibC.SockFprog { len = (ushort)program.Length, filter = p };
            Sys.Check(LibC.syscall(LibC.SYS_seccomp, LibC.SECCOMP_SET_MODE_FILTER, flags, (long)&prog, 0, 0), "seccomp(SECCOMP_SET_MODE_FILTER)");
        }
    }
}

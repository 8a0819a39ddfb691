using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>A file descriptor owned by managed code; closed exactly once.</summary>
public sealed class SafeFd : SafeHandle
{
    public SafeFd() : base(-1, ownsHandle: true)
    {
    }

    public SafeFd(int fd, bool ownsHandle = true) : base(-1, ownsHandle) => SetHandle(fd);

    public override bool IsInvalid => handle.ToInt64() < 0;

    public int Fd => (int)handle;

    /// <summary>The <c>/proc/self/fd/N</c> path through which a syscall can reach exactly this file.</summary>
    public string ProcPath => "/proc/self/fd/" + Fd;

    protected override bool ReleaseHandle() => LibC.close((int)handle) == 0;
}

using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>Checks a libc return value and turns -1 into a <see cref="LinuxException"/> that keeps the errno.</summary>
public static class Sys
{
    public static int Check(int rc, string operation, string? subject = null)
    {
        if (rc < 0)
        {
            throw new LinuxException(operation, subject, Marshal.GetLastPInvokeError());
        }
        return rc;
    }

    public static long Check(long rc, string operation, string? subject = null)
    {
        if (rc < 0)
        {
            throw new LinuxException(operation, subject, Marshal.GetLastPInvokeError());
        }
        return rc;
    }

    /// <summary>Retries a call interrupted by a signal, as the C idiom <c>TEMP_FAILURE_RETRY</c>.</summary>
    public static int Retry(Func<int> call, string operation, string? subject = null)
    {
        while (true)
        {
            var rc = call();
            if (rc >= 0)
            {
                return rc;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                throw new LinuxException(operation, subject, errno);
            }
        }
    }

    public static int LastErrno => Marshal.GetLastPInvokeError();
}

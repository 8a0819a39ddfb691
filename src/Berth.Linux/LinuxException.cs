using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>A failed system call: the operation, its subject and the errno, worded as crun does
/// (<c>mount `/proc`: Operation not permitted</c>).</summary>
public sealed class LinuxException : IOException
{
    public LinuxException(string operation, string? subject, int errno)
        : base(Format(operation, subject, errno))
    {
        Operation = operation;
        Subject = subject;
        Errno = errno;
        HResult = errno;
    }

    public string Operation { get; }
    public string? Subject { get; }
    public int Errno { get; }

    private static string Format(string op, string? subject, int errno)
    {
        var text = Marshal.GetPInvokeErrorMessage(errno);
        return subject is null ? $"{op}: {text}" : $"{op} `{subject}`: {text}";
    }
}

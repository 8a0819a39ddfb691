using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>A failed system call: the operation, its subject and the errno, worded as crun does
/// (<c>mount `/proc`: Operation not permitted</c>).</summary>
public sealed class LinuxException : IOException
{
    public LinuxException(string operation, string? subject, int errno)
        : this(operation, subject, errno, Marshal.GetPInvokeErrorMessage(errno))
    {
    }

    /// <summary>For where strerror alone would mislead or say too little: <paramref name="text"/> takes its place
    /// (the kernel's extended ack, or what EOPNOTSUPP means for that request).</summary>
    public LinuxException(string operation, string? subject, int errno, string text)
        : base(subject is null ? $"{operation}: {text}" : $"{operation} `{subject}`: {text}")
    {
        Operation = operation;
        Subject = subject;
        Errno = errno;
        HResult = errno;
    }

    public string Operation { get; }
    public string? Subject { get; }
    public int Errno { get; }
}

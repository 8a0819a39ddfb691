using System.Runtime.ExceptionServices;

namespace Berth.Linux;

/// <summary>
/// Network namespace handles. A namespace is joined only by a dedicated thread that ends afterwards: the
/// calling thread and pool threads keep the namespace they have, because a thread that came back from a
/// container's namespace could open the next socket in the wrong place.
/// </summary>
public static class NetNs
{
    private const int StackSize = 256 * 1024;

    /// <summary>Opens a namespace handle: <c>/proc/PID/ns/net</c> or a file one is bind-mounted on.</summary>
    public static SafeFd Open(string path) => Fs.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);

    /// <summary>The calling thread's network namespace.</summary>
    public static SafeFd Current() => Open("/proc/thread-self/ns/net");

    /// <summary>
    /// Creates a network namespace, with <c>lo</c> up, kept alive by a bind mount on <paramref name="bindPath"/>
    /// (a new file, mode 0444, as ip-netns(8) makes them). On failure nothing is left: no file, no mount.
    /// </summary>
    public static void Create(string bindPath)
    {
        OnThread(() =>
        {
            // A thread of its own, which ends with the namespace it unshared.
            Proc.Unshare(LibC.CLONE_NEWNET);
            Fs.Open(bindPath, LibC.O_RDONLY | LibC.O_CREAT | LibC.O_EXCL, 0x124).Dispose();
            try
            {
                // thread-self, not self: after unshare only this thread is in the new namespace.
                Mounts.Mount("/proc/thread-self/ns/net", bindPath, null, LibC.MS_BIND);
                try
                {
                    using var netlink = Netlink.Open();
                    netlink.SetUp("lo");
                }
                catch
                {
                    Mounts.TryUnmount(bindPath);
                    throw;
                }
            }
            catch
            {
                LibC.unlinkat(LibC.AT_FDCWD, bindPath, 0);
                throw;
            }
            return 0;
        });
    }

    /// <summary>Unmounts and deletes a namespace file made by <see cref="Create"/>; one already gone is no error.
    /// The namespace itself lives on while a process, socket or handle still holds it.</summary>
    public static void Remove(string bindPath)
    {
        // Detach, in case something still has files open in it; loop in case the mount was stacked.
        while (Mounts.TryUnmount(bindPath, LibC.MNT_DETACH))
        {
        }
        if (LibC.unlinkat(LibC.AT_FDCWD, bindPath, 0) < 0 && Sys.LastErrno != LibC.ENOENT)
        {
            throw new LinuxException("unlink", bindPath, Sys.LastErrno);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a new thread that has joined <paramref name="netns"/>, and lets that thread
    /// end. For creating what must be born in the namespace — sockets, such as a DNS server's on 127.0.0.11:53 —
    /// which stay there when used from any thread afterwards. The action must not start threads or queue work to
    /// the thread pool: a thread the runtime starts from this one would inherit its namespace.
    /// </summary>
    public static T Run<T>(SafeFd netns, Func<T> action) => OnThread(() =>
    {
        Sys.Check(LibC.setns(netns.Fd, LibC.CLONE_NEWNET), "setns", "network namespace");
        return action();
    });

    private static T OnThread<T>(Func<T> body)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = body();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, StackSize)
        { Name = "netns", IsBackground = true };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}

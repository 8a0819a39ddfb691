using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Berth.Linux;

/// <summary>
/// Network namespace handles. A namespace is joined only by a thread of this class's own (a fresh one that ends
/// for <see cref="Create"/>, the visitor for <see cref="Run"/>): the calling thread and pool threads keep the
/// namespace they have, so no thread that serves anything else ever opens a socket in the wrong place.
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
    public static T Run<T>(SafeFd netns, Func<T> action) => Visitor.Run(netns, action);

    /// <summary>
    /// One long-lived thread that visits network namespaces: it enters the target, runs the action and returns to
    /// the namespace it was born in. Starting a thread per visit cost 0.5–4 ms on every container start; the
    /// thread never serves anything else, and one that cannot get home is retired and replaced.
    /// </summary>
    private static class Visitor
    {
        private static readonly Lock Gate = new();
        private static BlockingCollection<Action>? _queue;

        public static T Run<T>(SafeFd netns, Func<T> action)
        {
            T result = default!;
            ExceptionDispatchInfo? failure = null;
            using var done = new ManualResetEventSlim();
            Queue().Add(() =>
            {
                try
                {
                    Sys.Check(LibC.setns(netns.Fd, LibC.CLONE_NEWNET), "setns", "network namespace");
                    result = action();
                }
                catch (Exception e)
                {
                    failure = ExceptionDispatchInfo.Capture(e);
                }
                finally
                {
                    done.Set();
                }
            });
            done.Wait();
            failure?.Throw();
            return result;
        }

        private static BlockingCollection<Action> Queue()
        {
            lock (Gate)
            {
                if (_queue is { IsAddingCompleted: false } q)
                {
                    return q;
                }
                var queue = new BlockingCollection<Action>();
                var thread = new Thread(() => Serve(queue), StackSize) { Name = "netns-visitor", IsBackground = true };
                thread.Start();
                _queue = queue;
                return queue;
            }
        }

        private static void Serve(BlockingCollection<Action> queue)
        {
            using var home = Current();
            foreach (var work in queue.GetConsumingEnumerable())
            {
                work();
                if (LibC.setns(home.Fd, LibC.CLONE_NEWNET) != 0)
                {
                    // Stranded in a container's namespace: this thread must serve no one again.
                    queue.CompleteAdding();
                    lock (Gate)
                    {
                        if (ReferenceEquals(_queue, queue))
                        {
                            _queue = null;
                        }
                    }
                    foreach (var pending in queue.GetConsumingEnumerable())
                    {
                        Queue().Add(pending);
                    }
                    return;
                }
            }
        }
    }

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

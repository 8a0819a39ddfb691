using Berth.Linux;

namespace Berth.Engine.Tests;

/// <summary>
/// Runs code on a fresh thread in its own mount namespace (unshare CLONE_FS|CLONE_NEWNS, / made rprivate), so a test
/// can bind a file over a host path such as /etc/resolv.conf without anyone else seeing it. The namespace ends with
/// the thread.
/// </summary>
internal static class MountNamespace
{
    public static T Run<T>(Func<T> body)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Sys.Check(LibC.unshare(LibC.CLONE_FS | LibC.CLONE_NEWNS), "unshare");
                Mounts.Mount(null, "/", null, LibC.MS_REC | LibC.MS_PRIVATE);
                result = body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the namespace thread did not finish");
        if (failure is not null)
        {
            throw new InvalidOperationException("in the private mount namespace: " + failure.Message, failure);
        }
        return result;
    }
}

using Berth.Common;

namespace Berth.Engine;

/// <summary>
/// What follows a SIGKILL sent through the shim, as dockerd's <c>Kill</c> (daemon/kill.go) does it for
/// <c>docker kill</c>, for <c>docker stop</c> after its timeout and for <c>docker rm -f</c>: the exit is awaited
/// <see cref="ExitWait"/>; then the container's first process is sent SIGKILL directly and the exit awaited
/// <see cref="FinalWait"/> more; then the kill fails with dockerd's words (a 500). A client that goes away does not
/// cut the wait short (dockerd's context.WithoutCancel).
/// </summary>
internal static class ForcedExit
{
    public static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan FinalWait = TimeSpan.FromSeconds(2);

    public const string NoExitEvent = "tried to kill container, but did not receive an exit event";

    /// <param name="stopped">Completes when the exit has been recorded.</param>
    /// <param name="killDirectly">Sends SIGKILL to the process itself; false when there is no such process (then
    /// there is nothing left to wait for, as with dockerd).</param>
    public static async Task AwaitAsync(Task stopped, Func<bool> killDirectly, string shortId, TimeSpan exitWait, TimeSpan finalWait)
    {
        if (await ExitsWithin(stopped, exitWait).ConfigureAwait(false))
        {
            return;
        }
        Log.Warn("container failed to exit within the wait after SIGKILL; sending SIGKILL directly", ("id", shortId), ("wait", GoDuration.Format(exitWait)));
        if (!killDirectly())
        {
            return;
        }
        if (!await ExitsWithin(stopped, finalWait).ConfigureAwait(false))
        {
            throw new BerthException(ErrorKind.Unknown, NoExitEvent);
        }
    }

    private static async Task<bool> ExitsWithin(Task stopped, TimeSpan wait) =>
        await Task.WhenAny(stopped, Task.Delay(wait)).ConfigureAwait(false) == stopped;
}

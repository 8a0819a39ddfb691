namespace Berth.Http.Tests;

/// <summary>Every test that waits on a socket waits at most this long.</summary>
internal static class Timeouts
{
    public static readonly TimeSpan Test = TimeSpan.FromSeconds(20);

    public static CancellationTokenSource Source() => new(Test);
}

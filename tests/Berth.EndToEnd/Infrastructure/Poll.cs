using System.Diagnostics;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>Waits for a condition by probing it, never by sleeping a guessed time: returns as soon as it holds and
/// fails the test, showing the last value seen, once the deadline passes.</summary>
internal static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static T Until<T>(string what, Func<T> probe, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = probe();
            if (done(value))
            {
                return value;
            }
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds:F0} s waiting for {what}; last seen:\n{value}");
            }
            Thread.Sleep(50);
        }
    }

    public static async Task<T> UntilAsync<T>(string what, Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (clock.Elapsed > limit)
            {
                Assert.Fail($"timed out after {limit.TotalSeconds:F0} s waiting for {what}; last seen:\n{value}");
            }
            await Task.Delay(50);
        }
    }
}

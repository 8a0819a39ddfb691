using Berth.Common;

namespace Berth.Engine.Tests;

/// <summary>The waits after a SIGKILL, as dockerd's Kill has them: the exit, else a direct SIGKILL and a last short
/// wait, else a 500 in dockerd's words. The waits are shortened; the exit and the direct kill are stand-ins.</summary>
public sealed class ForcedExitTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromMilliseconds(200);

    public enum Exit
    {
        AtOnce,
        Never,
        OnTheDirectKill,
    }

    public static TheoryData<string, Exit, bool, int, string?> Cases => new()
    {
        // row, when the exit comes, whether the direct kill finds the process, direct kills sent, the error
        { "the exit comes within the wait", Exit.AtOnce, true, 0, null },
        { "the process is gone when it is killed directly", Exit.Never, false, 1, null },
        { "the direct kill brings the exit", Exit.OnTheDirectKill, true, 1, null },
        { "no exit even after the direct kill", Exit.Never, true, 1, ForcedExit.NoExitEvent },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task AfterSigkill(string row, Exit exit, bool processFound, int directKills, string? error)
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (exit == Exit.AtOnce)
        {
            stopped.SetResult();
        }
        var kills = 0;
        bool KillDirectly()
        {
            kills++;
            if (exit == Exit.OnTheDirectKill)
            {
                stopped.SetResult();
            }
            return processFound;
        }

        var thrown = await Record.ExceptionAsync(() => ForcedExit.AwaitAsync(stopped.Task, KillDirectly, "abc", Wait, Wait));

        Assert.True(directKills == kills, row);
        Assert.Equal(error, thrown?.Message);
        if (thrown is not null)
        {
            Assert.Equal(ErrorKind.Unknown, Assert.IsType<BerthException>(thrown).Kind);
        }
    }

    [Fact]
    public void TheWaitsAreDockerds() =>
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)), (ForcedExit.ExitWait, ForcedExit.FinalWait));
}

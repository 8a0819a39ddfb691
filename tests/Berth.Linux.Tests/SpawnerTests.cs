using System.Runtime.InteropServices;

namespace Berth.Linux.Tests;

/// <summary>posix_spawn as the shim and the daemon use it: fds where asked and nothing else, default signal
/// dispositions, an optional new session; and the reaper that collects every child.</summary>
public sealed class SpawnerTests : IDisposable
{
    // ls, a child of the shell, lists the shell's descriptors: "lrwx------ 1 root root 64 Nov 25 13:00 5 -> /tmp/x".
    private const string ListFds = "ls -l /proc/$$/fd";

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Fds_land_where_asked_and_every_other_fd_is_closed()
    {
        var file = _dir.Join("five");
        File.WriteAllText(file, "");
        using var five = Fs.Open(file, LibC.O_RDONLY);
        // A descriptor of the caller without close-on-exec: exactly what a careless runtime leaks into containers.
        using var leak = new SafeFd(Sys.Check(LibC.dup(five.Fd), "dup"));
        Assert.Equal(0, LibC.fcntl(leak.Fd, LibC.F_GETFD, 0) & LibC.FD_CLOEXEC);

        var (status, output) = await Child.ShellAsync(ListFds, new Dictionary<int, SafeHandle> { [5] = five });

        Assert.Equal(0, status.Code);
        var fds = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" -> ", StringComparison.Ordinal))
            .Select(l => l.Split(" -> ", 2)).ToDictionary(p => int.Parse(p[0][(p[0].LastIndexOf(' ') + 1)..]), p => p[1]);
        Assert.Equal([0, 1, 2, 5], fds.Keys.Order());
        Assert.Equal("/dev/null", fds[0]);
        Assert.StartsWith("pipe:", fds[1], StringComparison.Ordinal);
        Assert.Equal(fds[1], fds[2]);
        Assert.Equal(file, fds[5]);
    }

    [Fact]
    public async Task An_inheritable_fd_below_a_target_is_closed_too()
    {
        var file = _dir.Join("target");
        File.WriteAllText(file, "");
        using var target = Fs.Open(file, LibC.O_RDONLY);
        // An inheritable fd just below the target's number (found free, so nothing of the runtime's is replaced).
        var below = Enumerable.Range(900, 100).First(n => LibC.fcntl(n, LibC.F_GETFD, 0) < 0 && LibC.fcntl(n + 1, LibC.F_GETFD, 0) < 0);
        using var leak = new SafeFd(Sys.Check(LibC.dup3(target.Fd, below, 0), "dup3"));

        var (_, output) = await Child.ShellAsync(ListFds, new Dictionary<int, SafeHandle> { [below + 1] = target });

        Assert.Contains($" {below + 1} -> ", output, StringComparison.Ordinal);
        Assert.DoesNotContain($" {below} -> ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fds_may_swap_places()
    {
        // The child's 1 is the caller's 2 and the other way round: no dup2 may clobber another's source.
        var (aRead, aWrite) = Fs.Pipe();
        var (bRead, bWrite) = Fs.Pipe();
        using (aRead)
        using (bRead)
        using (aWrite)
        using (bWrite)
        {
            var (status, _) = await Child.ShellAsync("echo a >&3; echo b >&4", new Dictionary<int, SafeHandle> { [3] = bWrite, [4] = aWrite });
            aWrite.Dispose();
            bWrite.Dispose();
            Assert.Equal(0, status.Code);
            Assert.Equal("b\n", Child.ReadToEnd(aRead));
            Assert.Equal("a\n", Child.ReadToEnd(bRead));
        }
    }

    [Fact]
    public async Task The_child_gets_default_signal_dispositions_and_an_empty_mask()
    {
        // .NET ignores SIGPIPE in its own process; a container that inherited that would never die of a broken pipe.
        Assert.True(IsSet(Child.Status(Environment.ProcessId, "SigIgn")!, LibC.SIGPIPE), "precondition: the test host ignores SIGPIPE");

        using var devnull = Fs.Open("/dev/null", LibC.O_RDWR);
        var pid = Spawner.Spawn(new SpawnRequest { Path = "/bin/sleep", Args = ["sleep", "30"], Fds = Stdio(devnull) });
        try
        {
            Assert.False(IsSet(Child.Status(pid, "SigIgn")!, LibC.SIGPIPE), "SIGPIPE is ignored in the child");
            // glibc's posix_spawn sets its internal signals (32, 33) to SIG_IGN in the child unless they are in the
            // default set, which sigfillset leaves them out of; runc's children have nothing ignored.
            Assert.Equal("0000000000000000", Child.Status(pid, "SigIgn"));
            Assert.Equal("0000000000000000", Child.Status(pid, "SigBlk"));
        }
        finally
        {
            Proc.Kill(pid, LibC.SIGKILL);
            await ChildReaper.WaitAsync(pid).WaitAsync(Child.Timeout);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task NewSession_puts_the_child_in_a_session_of_its_own(bool newSession)
    {
        using var devnull = Fs.Open("/dev/null", LibC.O_RDWR);
        var pid = Spawner.Spawn(new SpawnRequest { Path = "/bin/sleep", Args = ["sleep", "30"], Fds = Stdio(devnull), NewSession = newSession });
        try
        {
            var stat = Child.Stat(pid);
            var ours = Child.Stat(Environment.ProcessId);
            if (newSession)
            {
                Assert.Equal(pid.ToString(), stat[3]); // session leader
                Assert.Equal(pid.ToString(), stat[2]); // and process group leader
            }
            else
            {
                Assert.Equal(ours[3], stat[3]);
            }
        }
        finally
        {
            Proc.Kill(pid, LibC.SIGKILL);
            await ChildReaper.WaitAsync(pid).WaitAsync(Child.Timeout);
        }
    }

    [Fact]
    public async Task WorkingDirectory_and_Env_are_the_childs()
    {
        var (read, write) = Fs.Pipe();
        using (read)
        {
            int pid;
            using (write)
            {
                pid = Spawner.Spawn(new SpawnRequest
                {
                    Path = "/bin/sh",
                    Args = ["sh", "-c", "pwd; echo $GREETING"],
                    Env = ["GREETING=hello"],
                    WorkingDirectory = _dir.Path,
                    Fds = new Dictionary<int, SafeHandle> { [1] = write },
                });
            }
            Assert.Equal(0, (await ChildReaper.WaitAsync(pid).WaitAsync(Child.Timeout)).Code);
            Assert.Equal($"{_dir.Path}\nhello\n", Child.ReadToEnd(read));
        }
    }

    [Fact]
    public void A_missing_program_fails_at_spawn_with_its_errno()
    {
        using var devnull = Fs.Open("/dev/null", LibC.O_RDWR);
        var e = Assert.Throws<LinuxException>(() => Spawner.Spawn(new SpawnRequest { Path = _dir.Join("nope"), Args = ["nope"], Fds = Stdio(devnull) }));
        Assert.Equal(LibC.ENOENT, e.Errno);
        Assert.Contains(_dir.Join("nope"), e.Message, StringComparison.Ordinal);
    }

    private static Dictionary<int, SafeHandle> Stdio(SafeFd devnull) =>
        new() { [0] = devnull, [1] = devnull, [2] = devnull };

    private static bool IsSet(string hexMask, int signal) => (Convert.ToUInt64(hexMask, 16) & (1UL << (signal - 1))) != 0;
}

using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Berth.Common;
using Berth.Linux;
using Berth.Runtime.Shim;
using Berth.Runtime.Tests.Support;

namespace Berth.Runtime.Tests.Containers;

/// <summary>The shim outlives whoever started it: the daemon may restart while containers run.</summary>
[Collection(ContainerCollection.Name)]
public sealed class ShimTests
{
    [Theory]
    [MemberData(nameof(Runtimes.Names), MemberType = typeof(Runtimes))]
    public async Task The_shim_runs_in_its_own_session_and_is_the_containers_parent(string runtime)
    {
        await using var container = await TestContainer.CreateBundleAsync(runtime, ["sleep", "1000"]);
        using var cts = new CancellationTokenSource(TestContainer.Timeout);
        var (client, ready) = await container.CreateAsync(cts.Token);
        Assert.Equal("created", (await client.StateAsync(cts.Token)).Status);
        await client.StartAsync(cts.Token);

        var shim = Host.Stat(ready.ShimPid)!;
        Assert.Equal(ready.ShimPid.ToString(), shim[3]); // session leader: a terminal hangup of the daemon's session spares it
        Assert.NotEqual(Host.Stat(Environment.ProcessId)![3], shim[3]);
        // runc double-forks its init away; the shim, a subreaper, inherits the container all the same.
        Assert.Equal(ready.ShimPid.ToString(), Host.Stat(ready.Pid)![1]);
        var state = await client.StateAsync(cts.Token);
        Assert.Equal(("running", ready.Pid), (state.Status, state.Pid));

        // Wait before Kill: the shim ends soon after its container, and a later Wait would find no socket.
        var waiting = client.WaitAsync(cts.Token);
        Assert.True(await client.KillAsync(LibC.SIGKILL, cts.Token));
        var exit = await waiting;
        Assert.Equal((137, 9), (exit.ExitCode, exit.Signal));
        await container.AssertNothingLeftAsync();
    }

    [Theory]
    [MemberData(nameof(Runtimes.Names), MemberType = typeof(Runtimes))]
    public async Task The_shim_survives_its_parent(string runtime)
    {
        await using var container = await TestContainer.CreateBundleAsync(runtime, ["sleep", "1000"]);
        using var cts = new CancellationTokenSource(TestContainer.Timeout);
        var ready = await StartShimThroughAShortLivedParentAsync(container);
        var client = new ShimClient(container.Socket);
        await client.StartAsync(cts.Token);

        // The shell that started it is gone: the shim was reparented (to init or a subreaper), not to this process.
        var shim = Host.Stat(ready.ShimPid)!;
        Assert.NotEqual(Environment.ProcessId.ToString(), shim[1]);
        Assert.Equal(ready.ShimPid.ToString(), shim[3]);
        Assert.Equal("running", (await client.StateAsync(cts.Token)).Status);

        var waiting = client.WaitAsync(cts.Token);
        Assert.True(await client.KillAsync(LibC.SIGKILL, cts.Token));
        Assert.Equal(137, (await waiting).ExitCode);
        await container.AssertNothingLeftAsync();
    }

    [Theory]
    [MemberData(nameof(Runtimes.Names), MemberType = typeof(Runtimes))]
    public async Task After_the_shim_is_gone_the_exit_is_in_exit_json(string runtime)
    {
        await using var container = await TestContainer.CreateBundleAsync(runtime, ["sh", "-c", "exit 5"]);
        var run = await container.RunAsync();
        await container.AssertNothingLeftAsync();

        // What a daemon that restarted meanwhile does: the socket is gone, exit.json keeps the answer.
        var e = await Assert.ThrowsAsync<BerthException>(() => new ShimClient(container.Socket).WaitAsync());
        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        var exit = ContainerRuntime.ReadExit(container.Bundle);
        Assert.Equal((5, run.Exit.ExitedAt), (exit?.ExitCode, exit?.ExitedAt));
    }

    /// <summary>What <see cref="ContainerRuntime.CreateAsync"/> does, but through <c>sh -c 'shim &amp;'</c>, so the
    /// shim's parent exits at once, as a daemon that stops would.</summary>
    private static async Task<ShimReady> StartShimThroughAShortLivedParentAsync(TestContainer container)
    {
        var binary = await Artifacts.RuntimeAsync();
        var (readyRead, readyWrite) = Fs.Pipe();
        using (readyRead)
        {
            int sh;
            using (readyWrite)
            using (var devnull = Fs.Open("/dev/null", LibC.O_RDWR))
            using (var log = Fs.Open(Path.Join(container.Bundle, "shim.log"), LibC.O_WRONLY | LibC.O_CREAT | LibC.O_APPEND, 0x180))
            {
                sh = Spawner.Spawn(new SpawnRequest
                {
                    Path = "/bin/sh",
                    Args = ["sh", "-c", "setsid \"$0\" \"$@\" & exit 0", binary, .. container.Options.ToArgs()],
                    Fds = new Dictionary<int, SafeHandle> { [0] = devnull, [1] = log, [2] = log, [ShimServer.ReadyFd] = readyWrite },
                    WorkingDirectory = "/",
                });
            }
            Assert.Equal(0, (await ChildReaper.WaitAsync(sh).WaitAsync(TestContainer.Timeout)).Code);
            var json = await Task.Run(() => Host.ReadToEnd(readyRead)).WaitAsync(TestContainer.Timeout);
            var ready = JsonSerializer.Deserialize(Encoding.UTF8.GetBytes(json), ShimJson.Default.ShimReady)!;
            Assert.Null(ready.Error);
            container.Adopt(ready);
            return ready;
        }
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime.Logging;
using Berth.Runtime.Shim;

namespace Berth.Runtime.Tests.Support;

/// <summary>
/// One OCI bundle run through <see cref="ContainerRuntime"/> and a shim, with Berth's own runtime or runc. Every
/// step is bounded in time; disposing it kills and removes whatever a failed test left behind.
/// </summary>
internal sealed class TestContainer : IAsyncDisposable
{
    public const string Runc = "/usr/sbin/runc";
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Short, because a unix socket path has 108 bytes: /tmp/brt/&lt;id&gt;/shim.sock.</summary>
    public static readonly string BaseDir = Directory.CreateDirectory(Path.Join(Path.GetTempPath(), "brt")).FullName;

    private ShimReady? _ready;

    private TestContainer(string runtime, string id, string bundle, RuntimeSpec spec)
    {
        Runtime = runtime;
        Id = id;
        Bundle = bundle;
        Spec = spec;
    }

    /// <summary><c>berth</c> or <c>runc</c>.</summary>
    public string Runtime { get; }

    public string Id { get; }

    public string Bundle { get; }

    public RuntimeSpec Spec { get; }

    public string Socket => Path.Join(Bundle, "shim.sock");

    public string LogPath => Path.Join(Bundle, "container.log");

    public string RuncRoot => Path.Join(Bundle, "runc");

    public ShimOptions Options => new()
    {
        Id = Id,
        Bundle = Bundle,
        Socket = Socket,
        LogPath = LogPath,
        Runtime = Runtime == "runc" ? Runc : "berth",
        RuntimeRoot = Runtime == "runc" ? RuncRoot : null,
    };

    /// <summary>Writes a bundle: the probe rootfs and Docker's default spec running <paramref name="args"/>
    /// (the probe when null), changed by <paramref name="edit"/>.</summary>
    public static async Task<TestContainer> CreateBundleAsync(string runtime, IReadOnlyList<string>? args = null, Action<RuntimeSpec>? edit = null)
    {
        var id = (runtime == "runc" ? "r" : "b") + Guid.NewGuid().ToString("N")[..11];
        var bundle = Directory.CreateDirectory(Path.Join(BaseDir, id)).FullName;
        var rootfs = Path.Join(bundle, "rootfs");
        await ProbeRootfs.CopyToAsync(rootfs);
        var spec = DockerSpec.Build(id, bundle, rootfs, args ?? ["berth-probe"]);
        edit?.Invoke(spec);
        File.WriteAllBytes(Path.Join(bundle, "config.json"), JsonSerializer.SerializeToUtf8Bytes(spec, OciJson.Default.RuntimeSpec));
        return new TestContainer(runtime, id, bundle, spec);
    }

    /// <summary>Create, attach, start, wait; then the output from the log and the attach, and the timings.</summary>
    public async Task<RunResult> RunAsync()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var ct = cts.Token;
        var clock = Stopwatch.StartNew();
        var (client, ready) = await CreateAsync(ct);
        var created = clock.Elapsed;
        await using var attachment = await client.AttachAsync(ct).WaitAsync(Timeout, ct);
        var attached = ReadAttachedAsync(attachment, ct);
        // Wait is asked before Start: a shim ends soon after its container, and a Wait sent after that finds no
        // socket (a daemon then reads exit.json, see ContainerRuntime.ReadExit).
        var waiting = client.WaitAsync(ct);
        await client.StartAsync(ct).WaitAsync(Timeout, ct);
        var exit = await waiting.WaitAsync(Timeout, ct);
        var exited = clock.Elapsed;
        var (attachedStdout, attachedExit) = await attached.WaitAsync(Timeout, ct);
        Assert.True(attachedExit is not null, "the attached client got no exit frame");
        Assert.Equal((exit.ExitCode, exit.Signal), (attachedExit.ExitCode, attachedExit.Signal));
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        foreach (var e in JsonFileLog.ReadAll(LogPath))
        {
            (e.Stream == LogStream.Stdout ? stdout : stderr).Append(Encoding.UTF8.GetString(e.Line.Span));
        }
        return new RunResult(ready, exit, stdout.ToString(), stderr.ToString(), attachedStdout, created, exited);
    }

    /// <summary>Starts the shim and waits until the container is created (its process exists, not yet exec'd).</summary>
    public async Task<(ShimClient Client, ShimReady Ready)> CreateAsync(CancellationToken ct = default)
    {
        using var runtime = new ContainerRuntime(await Artifacts.RuntimeAsync());
        return await CreateAsync(runtime, ct);
    }

    /// <summary>The same through a given runtime (one that may keep a spare shim).</summary>
    public async Task<(ShimClient Client, ShimReady Ready)> CreateAsync(ContainerRuntime runtime, CancellationToken ct = default)
    {
        // The wait on the ready pipe is not cancellable, so bound it from outside: a hung shim must fail the test.
        var (client, ready) = await runtime.CreateAsync(Options, Spec, ct).WaitAsync(Timeout, ct);
        _ready = ready;
        return (client, ready);
    }

    /// <summary>For a shim a test started by other means: its pids, for the checks and the cleanup.</summary>
    public void Adopt(ShimReady ready) => _ready = ready;

    private static async Task<(string Stdout, ExitRecord? Exit)> ReadAttachedAsync(ShimAttachment attachment, CancellationToken ct)
    {
        var stdout = new MemoryStream();
        while (await attachment.ReadAsync(ct) is { } frame)
        {
            if (frame.Type == ShimFrame.Stdout)
            {
                stdout.Write(frame.Payload);
            }
            else if (frame.Type == ShimFrame.Exit)
            {
                return (Encoding.UTF8.GetString(stdout.ToArray()), JsonSerializer.Deserialize(frame.Payload, ShimJson.Default.ExitRecord));
            }
        }
        return (Encoding.UTF8.GetString(stdout.ToArray()), null);
    }

    /// <summary>The directories this container's cgroup would occupy on any hierarchy of the host.</summary>
    public IEnumerable<string> CgroupDirs() =>
        Directory.EnumerateDirectories("/sys/fs/cgroup").Select(h => Path.Join(h, "berth", Id));

    /// <summary>Asserts that the ended container left nothing: shim, process, socket, cgroups, mounts, runc state.</summary>
    public async Task AssertNothingLeftAsync()
    {
        var ready = _ready ?? throw new InvalidOperationException("the container was not created");
        Assert.True(await Host.EventuallyAsync(() => !Host.IsAlive(ready.ShimPid)), $"shim {ready.ShimPid} is still running");
        Assert.True(await Host.EventuallyAsync(() => !File.Exists(Socket)), $"shim socket {Socket} was not removed");
        Assert.False(Host.IsAlive(ready.Pid), $"container process {ready.Pid} is still running");
        AssertNoCgroupsOrMounts();
        Assert.False(Directory.Exists(Path.Join(RuncRoot, Id)), "runc's state directory was not removed");
    }

    /// <summary>For a container whose create failed: no cgroup, no mount, no socket.</summary>
    public void AssertNoCgroupsOrMounts()
    {
        Assert.DoesNotContain(CgroupDirs(), Directory.Exists);
        Assert.Empty(Mounts.Read().Where(m => m.MountPoint.StartsWith(Bundle + "/", StringComparison.Ordinal)).Select(m => m.MountPoint));
    }

    public async ValueTask DisposeAsync()
    {
        // Only what a failed test left: a live shim or container, runc's state, cgroups, mounts, the bundle.
        if (_ready is { } ready)
        {
            foreach (var pid in new[] { ready.Pid, ready.ShimPid })
            {
                if (pid > 0 && Host.IsAlive(pid))
                {
                    Proc.Kill(pid, LibC.SIGKILL);
                }
            }
        }
        if (Runtime == "runc" && Directory.Exists(Path.Join(RuncRoot, Id)))
        {
            await Host.RunAsync(Runc, ["--root", RuncRoot, "delete", "--force", Id], TimeSpan.FromSeconds(10));
        }
        foreach (var dir in CgroupDirs().Where(Directory.Exists))
        {
            await Host.EventuallyAsync(() =>
            {
                try
                {
                    Directory.Delete(dir);
                    return true;
                }
                catch (IOException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(5));
        }
        foreach (var m in Mounts.Read().Select(m => m.MountPoint).Where(p => p.StartsWith(Bundle + "/", StringComparison.Ordinal)).Reverse())
        {
            Mounts.TryUnmount(m);
        }
        if (Environment.GetEnvironmentVariable("BERTH_TEST_KEEP_BUNDLES") == "1")
        {
            return; // for a post-mortem: shim.log, runtime.log, config.json
        }
        try
        {
            Directory.Delete(Bundle, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

using System.Diagnostics;
using System.Globalization;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>
/// One berthd on its own socket, data root, exec root and pid file, all in one scratch directory (short, for the
/// 108-byte limit of unix socket paths). Its output goes to <see cref="LogFile"/>.
/// </summary>
public sealed class BerthDaemon
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private Process? _process;

    public BerthDaemon(string directory) => Directory = directory;

    /// <summary>A daemon in a network namespace of the test's (<c>ip netns exec</c>), with extra berthd flags.</summary>
    public BerthDaemon(string directory, string netns, params string[] flags)
    {
        Directory = directory;
        Netns = netns;
        Flags = flags;
    }

    /// <summary>A daemon with extra berthd flags (<c>--storage-driver vfs</c>).</summary>
    public BerthDaemon(string directory, IReadOnlyList<string> flags)
    {
        Directory = directory;
        Flags = flags;
    }

    public string? Netns { get; }

    public IReadOnlyList<string> Flags { get; } = [];

    public string Directory { get; }

    public string Socket => Path.Join(Directory, "berthd.sock");

    public string Host => "unix://" + Socket;

    public string DataRoot => Path.Join(Directory, "data");

    public string ExecRoot => Path.Join(Directory, "exec");

    public string PidFile => Path.Join(Directory, "berthd.pid");

    /// <summary>A daemon off the default exec root names its default bridge and its nftables table "berth-" and the
    /// first 6 hex digits of the exec root's sha256 (docs/networking.md), so it shares neither with another.</summary>
    public string NetworkSuffix => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ExecRoot)))[..6];

    public string DefaultBridge => "berth-" + NetworkSuffix;

    public string FirewallTable => "berth-" + NetworkSuffix;

    public string LogFile => Path.Join(Directory, "berthd.log");

    public bool IsRunning => _process is { HasExited: false };

    public int Pid => _process?.Id ?? throw new InvalidOperationException("berthd is not running");

    /// <summary>Starts berthd and returns once <c>HEAD /_ping</c> answers.</summary>
    public void Start()
    {
        var berthd = RepoLayout.Binary("berthd");
        RepoLayout.Binary("berth-runtime");
        RepoLayout.Binary("libe_sqlite3.so");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        var exec = Netns is null ? "exec \"$0\" \"$@\"" : "exec nsenter --net=/run/netns/\"$BERTHD_NETNS\" \"$0\" \"$@\"";
        foreach (var arg in new[] { "-c", exec + " >>\"$BERTHD_LOG\" 2>&1", berthd,
            "-H", Host, "--data-root", DataRoot, "--exec-root", ExecRoot, "--pidfile", PidFile }.Concat(Flags))
        {
            start.ArgumentList.Add(arg);
        }
        if (Netns is not null)
        {
            start.Environment["BERTHD_NETNS"] = Netns;
        }
        start.Environment["BERTHD_LOG"] = LogFile;
        _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {berthd}");

        using var api = new EngineApi(Socket);
        var clock = Stopwatch.StartNew();
        while (!api.Pings())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"berthd exited with {_process.ExitCode} before it answered /_ping\n{LogTail()}");
            }
            if (clock.Elapsed > StartTimeout)
            {
                _process.Kill();
                throw new TimeoutException($"berthd did not answer /_ping within {StartTimeout.TotalSeconds:F0} s\n{LogTail()}");
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>Sends berthd a signal (<c>TERM</c>, <c>KILL</c>) and waits for it to exit; returns its exit status.</summary>
    public int Stop(string signal)
    {
        var process = _process ?? throw new InvalidOperationException("berthd is not running");
        ProcessRunner.Run("kill", ["-s", signal, process.Id.ToString(CultureInfo.InvariantCulture)]).ExpectExit(0);
        if (!process.WaitForExit(StopTimeout))
        {
            process.Kill();
            throw new TimeoutException($"berthd did not exit within {StopTimeout.TotalSeconds:F0} s of SIG{signal}\n{LogTail()}");
        }
        var status = process.ExitCode;
        process.Dispose();
        _process = null;
        return status;
    }

    public string LogTail(int lines = 40)
    {
        var log = File.Exists(LogFile) ? File.ReadAllLines(LogFile) : [];
        return $"[last {Math.Min(lines, log.Length)} lines of {LogFile}]\n" + string.Join('\n', log.TakeLast(lines));
    }
}

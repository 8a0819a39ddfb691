using System.Diagnostics;
using System.Globalization;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>
/// The suite's one berthd, in a fresh directory under /tmp, with a busybox image imported as <c>busybox:latest</c>.
/// Clients (<c>docker</c>, the real CLI on PATH, and <c>berth</c>, from bin/) run with DOCKER_HOST pointing at it.
/// At the end it removes every container, stops berthd with SIGTERM, checks that nothing is left behind and
/// deletes its directory.
/// </summary>
public sealed class BerthEngine : IDisposable
{
    private int _scratchCount;

    public BerthEngine()
        : this([])
    {
    }

    /// <summary>An engine of a test class's own, its berthd started with <paramref name="daemonFlags"/> (a class
    /// that prunes every unused image, or needs another storage driver, must not share the suite's). Without
    /// <paramref name="withBusybox"/> it has no image at all, as a new installation.</summary>
    internal BerthEngine(IReadOnlyList<string> daemonFlags, bool withBusybox = true)
    {
        Daemon = new BerthDaemon(Directory.CreateTempSubdirectory("berth-e2e-").FullName, daemonFlags);
        if (daemonFlags.Contains("--userns-remap"))
        {
            // A remapped container's root reaches its bundle and binds through the daemon's directories, as
            // dockerd's through a 0711 data root: the scratch directory is 0700 otherwise.
            File.SetUnixFileMode(Daemon.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }
        Directory.CreateDirectory(DockerConfig);
        Directory.CreateDirectory(Path.Join(Daemon.Directory, "scratch"));
        Api = new EngineApi(Daemon.Socket);
        try
        {
            Daemon.Start();
            if (withBusybox)
            {
                BusyboxRootfs.WriteTar(BusyboxTar);
                CliWithStdin("docker", BusyboxTar, "import", "-c", "CMD [\"sh\"]", "-", "busybox:latest").Ok();
            }
        }
        catch
        {
            if (Daemon.IsRunning)
            {
                Daemon.Stop("TERM");
            }
            throw;
        }
    }

    public BerthDaemon Daemon { get; }

    public EngineApi Api { get; }

    /// <summary>The tar the busybox image was imported from: its sha256 is the image's one layer diffID.</summary>
    public string BusyboxTar => Path.Join(Daemon.Directory, "busybox.tar");

    /// <summary>The clients' DOCKER_CONFIG: where <c>login</c> files credentials.</summary>
    public string DockerConfig => Path.Join(Daemon.Directory, "docker-config");

    /// <summary>The clients' XDG_CACHE_HOME (where <c>berth build</c> keeps its context digests), not the user's.</summary>
    public string ClientCache => Path.Join(Daemon.Directory, "client-cache");

    /// <summary>Runs a client (<c>docker</c> or <c>berth</c>) against the suite's berthd.</summary>
    public CommandResult Cli(string client, params string[] args) => Run(client, args, null, null);

    /// <summary>Runs a client with a file on its standard input (<c>cat file | docker ...</c>).</summary>
    public CommandResult CliWithStdin(string client, string stdinFile, params string[] args) => Run(client, args, stdinFile, null);

    /// <summary>Runs a client with a longer deadline, for commands that move whole images.</summary>
    public CommandResult CliSlow(string client, params string[] args) => Run(client, args, null, TimeSpan.FromMinutes(3));

    /// <summary>Runs a client with the deadline given, for commands that fetch from the network.</summary>
    public CommandResult CliWithin(TimeSpan timeout, string client, params string[] args) => Run(client, args, null, timeout);

    public CommandResult Docker(params string[] args) => Cli("docker", args);

    /// <summary>Starts a client and leaves it running (<c>logs -f</c>, <c>events</c>); the caller disposes it.</summary>
    public BackgroundCommand CliInBackground(string client, params string[] args) =>
        new(client == "berth" ? RepoLayout.Binary("berth") : "docker", args, new Dictionary<string, string> { ["DOCKER_HOST"] = Daemon.Host, ["DOCKER_CONFIG"] = DockerConfig, ["XDG_CACHE_HOME"] = ClientCache });

    /// <summary><c>docker inspect -f TEMPLATE TARGET</c>, which must succeed; its output trimmed.</summary>
    public string Inspect(string target, string template) => Docker("inspect", "-f", template, target).Ok();

    /// <summary>The STATUS column of <c>ps -a</c> for one container ("Up 2 seconds", "Exited (3) 1 second ago", "Created");
    /// empty when it is not listed.</summary>
    public string PsStatus(string client, string name) =>
        Cli(client, "ps", "-a", "--filter", "name=" + name, "--format", "{{.Names}}|{{.Status}}").ExpectExit(0).Lines
            .Select(l => l.Split('|', 2)).Where(f => f[0] == name).Select(f => f[1]).SingleOrDefault() ?? "";

    /// <summary>A path for a test's own file, unique in the suite.</summary>
    public string Scratch(string name) =>
        Path.Join(Daemon.Directory, "scratch", Interlocked.Increment(ref _scratchCount).ToString(CultureInfo.InvariantCulture) + "-" + name);

    /// <summary>Waits until the container's log shows <paramref name="text"/> (for containers that signal readiness).</summary>
    public void WaitForLog(string container, string text) =>
        Poll.Until($"\"{text}\" in the log of {container}", () => Docker("logs", container), r => r.Stdout.Contains(text, StringComparison.Ordinal));

    private CommandResult Run(string client, IReadOnlyList<string> args, string? stdinFile, TimeSpan? timeout)
    {
        var program = client switch
        {
            "docker" => "docker",
            "berth" => RepoLayout.Binary("berth"),
            _ => throw new ArgumentException($"unknown client {client}: docker or berth", nameof(client)),
        };
        var environment = new Dictionary<string, string> { ["DOCKER_HOST"] = Daemon.Host, ["DOCKER_CONFIG"] = DockerConfig, ["XDG_CACHE_HOME"] = ClientCache };
        return ProcessRunner.Run(program, args, environment, stdinFile, timeout);
    }

    public void Dispose()
    {
        var problems = new List<string>();
        var ids = new List<string>();
        try
        {
            if (!Daemon.IsRunning)
            {
                problems.Add("berthd was not running at the end of the suite");
                Daemon.Start();
            }
            ids.AddRange(Docker("ps", "-aq", "--no-trunc").Lines);
            if (ids.Count > 0)
            {
                var rm = Docker(["rm", "-f", .. ids]);
                if (rm.ExitCode != 0)
                {
                    problems.Add("removing the suite's containers failed:\n" + rm);
                }
            }
            var networks = Docker("network", "ls", "--filter", "type=custom", "--format", "{{.Name}}").Lines;
            if (networks.Count > 0)
            {
                problems.Add("networks left by the tests: " + string.Join(", ", networks));
                Docker(["network", "rm", .. networks]);
            }
            var status = Daemon.Stop("TERM");
            if (status != 0)
            {
                problems.Add($"berthd exited with status {status} on SIGTERM");
            }
            problems.AddRange(HostNetwork.Leftovers(Daemon));
            HostNetwork.Uninstall(Daemon);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException)
        {
            problems.Add("stopping the suite's berthd failed: " + e.Message);
        }
        problems.AddRange(Leftovers(ids));
        Api.Dispose();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"the end-to-end suite's berthd left work undone (its directory {Daemon.Directory} is kept):\n  " +
                string.Join("\n  ", problems) + "\n" + Daemon.LogTail());
        }
        Directory.Delete(Daemon.Directory, recursive: true);
    }

    /// <summary>What is left once every container is removed and berthd has stopped: nothing, or the list of it
    /// (mounts are detached and shims killed, so that the directory can be deleted after a look).</summary>
    private List<string> Leftovers(IEnumerable<string> removedIds)
    {
        var leftovers = new List<string>();
        // A shim lingers a moment after its container is removed, to hand over the exit.
        var clock = Stopwatch.StartNew();
        while (OwnShims().Any() && clock.Elapsed < Poll.DefaultTimeout)
        {
            Thread.Sleep(50);
        }
        foreach (var id in removedIds)
        {
            leftovers.AddRange(HostTraces.Of(Daemon, id).Select(t => $"{id[..12]}: {t}"));
        }
        foreach (var (pid, id, bundle) in OwnShims())
        {
            leftovers.Add($"shim process {pid} of {id} ({bundle})");
            ProcessRunner.Run("kill", ["-s", "KILL", pid.ToString(CultureInfo.InvariantCulture)]);
        }
        foreach (var mount in HostTraces.MountPoints().Where(m => m.StartsWith(Daemon.Directory + "/", StringComparison.Ordinal)).Reverse())
        {
            leftovers.Add("mount " + mount);
            ProcessRunner.Run("umount", ["-l", mount]);
        }
        foreach (var dir in new[] { Path.Join(Daemon.DataRoot, "containers"), Path.Join(Daemon.ExecRoot, "containers") })
        {
            if (Directory.Exists(dir))
            {
                leftovers.AddRange(Directory.EnumerateFileSystemEntries(dir).Select(e => "entry " + e));
            }
        }
        return leftovers.Distinct().ToList();
    }

    private IEnumerable<(int Pid, string Id, string Bundle)> OwnShims() =>
        HostTraces.Shims().Where(s => s.Bundle.StartsWith(Daemon.ExecRoot + "/", StringComparison.Ordinal));
}

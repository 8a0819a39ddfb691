using System.Globalization;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// CVE-2020-15257 (containerd's shim API on abstract unix sockets, which a <c>--network host</c> container could
/// connect to: abstract sockets belong to the network namespace, not the file system). Every unix socket berthd and
/// its shims hold is found through their fds (<c>socket:[INODE]</c>) in /proc/net/unix: none is abstract, and each
/// bound one is a root-owned file of mode 0660 or less, out of a container's sight.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class DaemonSocketTests(BerthEngine engine)
{
    [Fact]
    public void NoSocketOfBerthdOrItsShimsIsAbstractOrReachableFromAHostNetworkContainer()
    {
        engine.Docker("run", "-d", "--name", "socket-sleeper", "busybox", "sleep", "120").Ok();
        try
        {
            var processes = OwnProcesses(engine.Daemon.Pid);
            Assert.Contains(processes, p => p.Comm == "berth-runtime");
            var inodes = processes.SelectMany(p => SocketInodes(p.Pid)).ToHashSet();
            Assert.NotEmpty(inodes);

            var hostView = UnixSockets(File.ReadAllLines("/proc/net/unix"));
            var ours = hostView.Where(s => inodes.Contains(s.Inode)).ToList();
            Assert.Contains(ours, s => s.Path == engine.Daemon.Socket);
            Assert.Empty(ours.Where(s => s.Path.StartsWith('@')).Select(s => $"{s.Inode} {s.Path}"));
            var files = ours.Select(s => s.Path).Where(p => p.Length > 0).Distinct().ToList();
            Assert.Contains(files, p => p.StartsWith(engine.Daemon.ExecRoot + "/s/", StringComparison.Ordinal));
            foreach (var path in files)
            {
                var stat = ProcessRunner.Run("stat", ["-c", "%a %u %F", path]).Ok().Split(' ', 3);
                var mode = Convert.ToInt32(stat[0], 8);
                Assert.True((mode & ~Convert.ToInt32("660", 8)) == 0 && stat[1] == "0" && stat[2] == "socket", $"{path}: mode {stat[0]}, uid {stat[1]}, {stat[2]}");
            }

            // What a --network host container sees: the host's /proc/net/unix, but none of these sockets is
            // abstract, and their files are not in its mount namespace.
            var inside = engine.Docker(["run", "--rm", "--network", "host", "busybox", "sh", "-c",
                "cat /proc/net/unix; for f in \"$@\"; do [ -e \"$f\" ] && echo \"VISIBLE $f\"; done; true", "sh", .. files]).Ok();
            var containerView = UnixSockets(inside.Split('\n'));
            Assert.Contains(containerView, s => inodes.Contains(s.Inode));
            Assert.Empty(containerView.Where(s => inodes.Contains(s.Inode) && s.Path.StartsWith('@')).Select(s => $"{s.Inode} {s.Path}"));
            Assert.DoesNotContain("VISIBLE ", inside, StringComparison.Ordinal);
        }
        finally
        {
            engine.Docker("rm", "-f", "socket-sleeper");
        }
    }

    /// <summary>berthd and the berth-runtime processes it started (its shims, spare or in use).</summary>
    private static List<(int Pid, string Comm)> OwnProcesses(int berthd)
    {
        var parents = new Dictionary<int, (int Parent, string Comm)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var status = File.ReadAllLines(Path.Join(dir, "status"));
                var ppid = int.Parse(status.First(l => l.StartsWith("PPid:", StringComparison.Ordinal))[5..].Trim(), CultureInfo.InvariantCulture);
                parents[pid] = (ppid, File.ReadAllText(Path.Join(dir, "comm")).Trim());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // it exited meanwhile
            }
        }
        bool Descends(int pid)
        {
            for (var p = pid; parents.TryGetValue(p, out var entry) && p > 1; p = entry.Parent)
            {
                if (p == berthd)
                {
                    return true;
                }
            }
            return false;
        }
        return parents.Where(p => p.Key == berthd || p.Value.Comm == "berth-runtime" && Descends(p.Key)).Select(p => (p.Key, p.Value.Comm)).ToList();
    }

    /// <summary>The inodes of the sockets among a process's fds (<c>ls -l /proc/PID/fd</c>: <c>socket:[INODE]</c>).</summary>
    private static IEnumerable<string> SocketInodes(int pid)
    {
        var inodes = new List<string>();
        foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target[8..^1]);
                }
            }
            catch (IOException)
            {
            }
        }
        return inodes;
    }

    /// <summary>/proc/net/unix's rows: Num RefCount Protocol Flags Type St Inode [Path].</summary>
    private static List<(string Inode, string Path)> UnixSockets(IEnumerable<string> lines) =>
        lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length >= 7 && f[0].EndsWith(':') && f[0] != "Num")
            .Select(f => (f[6], f.Length > 7 ? f[7] : ""))
            .ToList();
}

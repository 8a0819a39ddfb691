using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>
/// What a container can leave on the host, read from the kernel and the file system directly (never from the
/// daemon): mounts, cgroups, state directories, sockets and its shim process.
/// </summary>
internal static class HostTraces
{
    private const string CgroupRoot = "/sys/fs/cgroup";

    /// <summary>Every trace of one container, each as "kind path".</summary>
    public static IReadOnlyList<string> Of(BerthDaemon daemon, string id)
    {
        var traces = new List<string>();
        traces.AddRange(MountPoints(daemon).Where(m => m.Contains(id, StringComparison.Ordinal)).Select(m => "mount " + m));
        traces.AddRange(CgroupHierarchies().Select(h => Path.Join(h, "berth", id)).Where(Directory.Exists).Select(c => "cgroup " + c));
        foreach (var dir in new[] { Path.Join(daemon.DataRoot, "containers", id), Path.Join(daemon.ExecRoot, "containers", id) })
        {
            if (Directory.Exists(dir))
            {
                traces.Add("directory " + dir);
            }
        }
        // Sockets, bundles and runtime state: anything in the exec root that names the container (ids may be cut to 32).
        foreach (var entry in ExecRootEntries(daemon).Where(e => Path.GetFileName(e).Contains(id[..32], StringComparison.Ordinal)))
        {
            if (!traces.Contains("directory " + entry))
            {
                traces.Add("entry " + entry);
            }
        }
        traces.AddRange(Shims().Where(s => s.Id == id).Select(s => $"shim process {s.Pid}"));
        return traces;
    }

    /// <summary>Fails unless nothing of the container is left. Its shim may take a moment to go after the container
    /// is removed, so that is awaited (briefly) first.</summary>
    public static void AssertNoneOf(BerthDaemon daemon, string id)
    {
        var clock = Stopwatch.StartNew();
        while (Shims().Any(s => s.Id == id) && clock.Elapsed < Poll.DefaultTimeout)
        {
            Thread.Sleep(20);
        }
        var traces = Of(daemon, id);
        Assert.True(traces.Count == 0, $"container {id} left behind:\n  " + string.Join("\n  ", traces));
    }

    /// <summary>Every container-shaped trace in the daemon's own roots, for before/after comparisons when no container
    /// id is known (a failed create has none).</summary>
    public static IReadOnlySet<string> InRoots(BerthDaemon daemon)
    {
        var traces = new HashSet<string>(StringComparer.Ordinal);
        traces.UnionWith(MountPoints(daemon).Select(m => "mount " + m));
        foreach (var dir in new[]
        {
            Path.Join(daemon.DataRoot, "containers"), Path.Join(daemon.DataRoot, "overlay2"), Path.Join(daemon.DataRoot, "vfs"),
            Path.Join(daemon.ExecRoot, "containers"), Path.Join(daemon.ExecRoot, "s"),
        })
        {
            if (Directory.Exists(dir))
            {
                traces.UnionWith(Directory.EnumerateFileSystemEntries(dir).Select(e => "entry " + e));
            }
        }
        traces.UnionWith(Shims().Where(s => s.Bundle.StartsWith(daemon.ExecRoot + "/", StringComparison.Ordinal) || s.Bundle.StartsWith(daemon.DataRoot + "/", StringComparison.Ordinal)).Select(s => "shim " + s.Id));
        return traces;
    }

    /// <summary>Mount points under the daemon's data root or exec root, from /proc/self/mountinfo.</summary>
    public static IReadOnlyList<string> MountPoints(BerthDaemon daemon) =>
        MountPoints().Where(m => m.StartsWith(daemon.DataRoot + "/", StringComparison.Ordinal) || m.StartsWith(daemon.ExecRoot + "/", StringComparison.Ordinal)).ToList();

    public static IEnumerable<string> MountPoints() =>
        File.ReadAllLines("/proc/self/mountinfo").Select(l => Unescape(l.Split(' ')[4]));

    /// <summary>
    /// The berth-runtime shims alive on the host: <c>berth-runtime shim --id ID --bundle DIR ...</c>, and spares
    /// (<c>berth-runtime shim --spare</c>) that became a container's shim, known by the container files they hold
    /// open (its log); their Bundle is then that file's directory.
    /// </summary>
    public static IReadOnlyList<(int Pid, string Id, string Bundle)> Shims()
    {
        var shims = new List<(int, string, string)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Join(dir, "cmdline")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // it exited meanwhile
            }
            if (argv.Length > 2 && Path.GetFileName(argv[0]) == "berth-runtime" && argv[1] == "shim")
            {
                if (argv[2] == "--spare")
                {
                    if (AdoptedContainer(dir) is { } adopted)
                    {
                        shims.Add((pid, adopted.Id, adopted.Dir));
                    }
                    continue;
                }
                shims.Add((pid, ValueOf(argv, "--id"), ValueOf(argv, "--bundle")));
            }
        }
        return shims;
    }

    private static (string Id, string Dir)? AdoptedContainer(string procDir)
    {
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Join(procDir, "fd")))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is null || !target.EndsWith("-json.log", StringComparison.Ordinal))
                {
                    continue;
                }
                var dir = Path.GetDirectoryName(target)!;
                return (Path.GetFileName(dir), dir);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    /// <summary>The cgroup hierarchies: each v1 controller's mount, or the one v2 tree.</summary>
    public static IReadOnlyList<string> CgroupHierarchies() =>
        File.Exists(Path.Join(CgroupRoot, "cgroup.controllers")) ? [CgroupRoot] : Directory.GetDirectories(CgroupRoot);

    public static bool CgroupV2 => File.Exists(Path.Join(CgroupRoot, "cgroup.controllers"));

    private static IEnumerable<string> ExecRootEntries(BerthDaemon daemon)
    {
        if (!Directory.Exists(daemon.ExecRoot))
        {
            yield break;
        }
        foreach (var top in Directory.EnumerateFileSystemEntries(daemon.ExecRoot))
        {
            yield return top;
            if (Directory.Exists(top) && !File.GetAttributes(top).HasFlag(FileAttributes.ReparsePoint))
            {
                foreach (var child in Directory.EnumerateFileSystemEntries(top))
                {
                    yield return child;
                }
            }
        }
    }

    private static string ValueOf(string[] argv, string flag)
    {
        var i = Array.IndexOf(argv, flag);
        return i >= 0 && i + 1 < argv.Length ? argv[i + 1] : "";
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var sb = new StringBuilder();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && field.Length - i >= 4)
            {
                sb.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(field[i]);
            }
        }
        return sb.ToString();
    }
}

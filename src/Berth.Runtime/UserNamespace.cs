using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Berth.Linux;
using Berth.Oci;

namespace Berth.Runtime;

/// <summary>
/// A container's user namespace (OCI <c>linux.uidMappings</c>/<c>gidMappings</c> and a <c>user</c> namespace).
/// The kernel lets only a single-threaded process create or enter one, and every .NET process has a finalizer
/// thread from its start; so the step is <c>berth-nsexec</c>'s (src/berth-init/nsexec.c, static C, beside
/// berth-runtime): it clones the init into the user namespace together with the others, so it owns them, writes
/// the maps and lets it exec; or it enters the namespace for an exec; or it holds one for idmapped mounts.
/// </summary>
public static class UserNamespace
{
    /// <summary>Whether the spec asks for a new user namespace (one joined by path is not supported).</summary>
    public static bool Wanted(RuntimeSpec spec) =>
        spec.Linux?.Namespaces.Any(n => n.Type == "user" && n.Path is null) == true;

    /// <summary>The text of a uid_map or gid_map file.</summary>
    public static string MapText(IReadOnlyList<LinuxIdMapping>? mappings)
    {
        if (mappings is not { Count: > 0 })
        {
            throw new InvalidOperationException("a user namespace needs uidMappings and gidMappings");
        }
        var sb = new StringBuilder();
        foreach (var m in mappings)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{m.ContainerId} {m.HostId} {m.Size}\n");
        }
        return sb.ToString();
    }

    /// <summary>berth-nsexec: <c>BERTH_NSEXEC_BINARY</c>, or the file beside <paramref name="runtimeBinary"/>. A
    /// runtime binary reached through /proc is the shim's read-only clone of itself (CVE-2019-5736), which has
    /// nothing beside it: the helper is then beside the shim's own binary.</summary>
    public static string Helper(string runtimeBinary)
    {
        if (Environment.GetEnvironmentVariable("BERTH_NSEXEC_BINARY") is { Length: > 0 } path)
        {
            return path;
        }
        var beside = runtimeBinary.StartsWith("/proc/", StringComparison.Ordinal) ? Environment.ProcessPath ?? runtimeBinary : runtimeBinary;
        return Path.Join(Path.GetDirectoryName(beside), "berth-nsexec");
    }

    private const int ResultFd = 9;

    /// <summary>Starts <c>berth-runtime init</c> in a new user namespace and the namespaces of
    /// <paramref name="cloneFlags"/>, with <paramref name="fds"/>; the init is the caller's child (CLONE_PARENT).</summary>
    public static int SpawnInit(string runtimeBinary, int cloneFlags, LinuxConfig linux, IReadOnlyDictionary<int, SafeHandle> fds)
    {
        return RunHelper(runtimeBinary, fds, ["clone", "0x" + cloneFlags.ToString("x", CultureInfo.InvariantCulture), ResultFd.ToString(CultureInfo.InvariantCulture), MapText(linux.UidMappings), MapText(linux.GidMappings), runtimeBinary, "berth-runtime", "init"]);
    }

    /// <summary>A user namespace with these maps, as an fd (to idmap mounts with). A helper's child holds it while
    /// it is opened and is gone when this returns; the namespace lives as long as the fd.</summary>
    public static SafeFd Create(string runtimeBinary, IReadOnlyList<LinuxIdMapping> uidMappings, IReadOnlyList<LinuxIdMapping> gidMappings)
    {
        var (holdRead, holdWrite) = Fs.Pipe();
        int pid;
        using (holdRead)
        {
            pid = RunHelper(runtimeBinary, new Dictionary<int, SafeHandle> { [0] = holdRead }, ["hold", ResultFd.ToString(CultureInfo.InvariantCulture), MapText(uidMappings), MapText(gidMappings)]);
        }
        try
        {
            return Fs.Open($"/proc/{pid}/ns/user", LibC.O_RDONLY | LibC.O_CLOEXEC);
        }
        finally
        {
            holdWrite.Dispose();
            Spawner.Wait(pid);
        }
    }

    /// <summary>argv that runs <paramref name="args"/> inside the user namespace open on fd <paramref name="usernsFd"/>
    /// of the child, as its root (docker exec).</summary>
    public static IReadOnlyList<string> JoinArgs(int usernsFd, string program, IReadOnlyList<string> args) =>
        ["berth-nsexec", "join", usernsFd.ToString(CultureInfo.InvariantCulture), program, .. args];

    private static int RunHelper(string runtimeBinary, IReadOnlyDictionary<int, SafeHandle> fds, IReadOnlyList<string> args)
    {
        var helper = Helper(runtimeBinary);
        var (resultRead, resultWrite) = Fs.Pipe();
        int helperPid;
        using (resultRead)
        {
            using (resultWrite)
            {
                var all = new Dictionary<int, SafeHandle>(fds) { [ResultFd] = resultWrite };
                helperPid = Spawner.Spawn(new SpawnRequest { Path = helper, Args = ["berth-nsexec", .. args], Env = ["PATH=" + Init.ExecLookup.DefaultPath], Fds = all });
            }
            var message = Encoding.UTF8.GetString(ReadAll(resultRead));
            var status = Spawner.Wait(helperPid);
            if (message.StartsWith('P') && int.TryParse(message.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return pid;
            }
            throw new InvalidOperationException("user namespace: " + (message.StartsWith('E') ? message[1..] : $"{helper} ended with {status}"));
        }
    }

    private static byte[] ReadAll(SafeFd fd)
    {
        using var ms = new MemoryStream();
        var buffer = new byte[512];
        int n;
        while ((n = Fs.Read(fd, buffer)) > 0)
        {
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }
}

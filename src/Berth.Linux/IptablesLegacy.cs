using System.Runtime.InteropServices;
using System.Text;

namespace Berth.Linux;

/// <summary>
/// iptables-legacy's save and restore programs (Debian's <c>iptables</c> package), for hosts without nftables. A
/// restore replaces each table it names in one setsockopt, so every <c>COMMIT</c> is atomic as an nft batch is.
/// The programs are spawned with posix_spawn and reaped by <see cref="ChildReaper"/>, the process's one waitpid
/// loop, and inherit the calling thread's network namespace.
/// </summary>
public sealed class IptablesLegacy(string restore, string save)
{
    public const string RestoreProgram = "iptables-legacy-restore";
    public const string SaveProgram = "iptables-legacy-save";

    public string RestorePath => restore;

    public string SavePath => save;

    /// <summary>The programs found on PATH, or null when the package is not installed.</summary>
    public static IptablesLegacy? Find() =>
        FindOnPath(RestoreProgram) is { } r && FindOnPath(SaveProgram) is { } s ? new IptablesLegacy(r, s) : null;

    /// <summary>Applies restore input, keeping what it does not name (<c>--noflush</c>); waits for the xtables lock
    /// as iptables does. Throws with the program's message when a table was refused (that table is unchanged).</summary>
    public void Restore(string input) => Run(restore, ["--noflush", "--wait"], input);

    /// <summary>Every loaded table in iptables-save's format.</summary>
    public string Save() => Run(save, [], null);

    /// <summary>Whether the kernel has loaded any legacy table (reading this loads none, unlike a save).</summary>
    public static bool TablesLoaded() =>
        File.Exists("/proc/net/ip_tables_names") && File.ReadAllText("/proc/net/ip_tables_names").Trim().Length > 0;

    private static string Run(string path, IReadOnlyList<string> args, string? input)
    {
        ChildReaper.EnsureStarted();
        var (inRead, inWrite) = Fs.Pipe();
        var (outRead, outWrite) = Fs.Pipe();
        var (errRead, errWrite) = Fs.Pipe();
        int pid;
        using (inRead)
        using (outWrite)
        using (errWrite)
        {
            pid = Spawner.Spawn(new SpawnRequest
            {
                Path = path,
                Args = [Path.GetFileName(path), .. args],
                Fds = new Dictionary<int, SafeHandle> { [0] = inRead, [1] = outWrite, [2] = errWrite },
            });
        }
        using (outRead)
        using (errRead)
        {
            var stdout = Task.Run(() => ReadAll(outRead), CancellationToken.None);
            var stderr = Task.Run(() => ReadAll(errRead), CancellationToken.None);
            using (inWrite)
            {
                try
                {
                    Fs.WriteText(inWrite, input ?? "", path);
                }
                catch (LinuxException e) when (e.Errno == LibC.EPIPE)
                {
                    // The program quit before reading everything: its exit status and message say why.
                }
            }
            var status = Spawner.Wait(pid);
            var output = stdout.GetAwaiter().GetResult();
            var error = stderr.GetAwaiter().GetResult().Trim();
            if (status.Code != 0 || status.Signaled)
            {
                throw new IptablesException($"{Path.GetFileName(path)} exited with {(status.Signaled ? "signal " + status.Signal : status.Code)}: {error}");
            }
            return output;
        }
    }

    private static string ReadAll(SafeFd fd)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = Fs.Read(fd, chunk)) > 0)
        {
            buffer.Write(chunk, 0, n);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } p ? p : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        // Debian keeps iptables in /usr/sbin, which a daemon started from a user's shell may not have on PATH.
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/sbin"))
        {
            var candidate = Path.Join(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}

/// <summary>An iptables-legacy program that failed, with its message.</summary>
public sealed class IptablesException(string message) : IOException("iptables: " + message);

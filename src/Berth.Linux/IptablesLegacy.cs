namespace Berth.Linux;

/// <summary>
/// iptables-legacy's save and restore programs (Debian's <c>iptables</c> package), for hosts without nftables. A
/// restore replaces each table it names in one setsockopt, so every <c>COMMIT</c> is atomic as an nft batch is.
/// The programs run through <see cref="HostProgram"/> and inherit the calling thread's network namespace.
/// </summary>
public sealed class IptablesLegacy(string restore, string save)
{
    public const string RestoreProgram = "iptables-legacy-restore";
    public const string SaveProgram = "iptables-legacy-save";

    public string RestorePath => restore;

    public string SavePath => save;

    /// <summary>The programs found on PATH, or null when the package is not installed.</summary>
    /// <remarks>Debian keeps iptables in /usr/sbin, which a daemon started from a user's shell may not have on PATH.</remarks>
    public static IptablesLegacy? Find() =>
        HostProgram.Find(RestoreProgram, "/usr/sbin", "/sbin") is { } r && HostProgram.Find(SaveProgram, "/usr/sbin", "/sbin") is { } s ? new IptablesLegacy(r, s) : null;

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
        var r = HostProgram.RunAsync(path, args, input).GetAwaiter().GetResult();
        if (r.Status.Code != 0 || r.Status.Signaled)
        {
            throw new IptablesException($"{Path.GetFileName(path)} exited with {(r.Status.Signaled ? "signal " + r.Status.Signal : r.Status.Code)}: {r.Stderr.Trim()}");
        }
        return r.Stdout;
    }
}

/// <summary>An iptables-legacy program that failed, with its message.</summary>
public sealed class IptablesException(string message) : IOException("iptables: " + message);

using System.Globalization;
using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine;

/// <summary>
/// Which capabilities a container gets: Docker's default set changed by <c>--cap-add</c>/<c>--cap-drop</c> (names
/// with or without <c>CAP_</c>, <c>ALL</c>), or every one for <c>--privileged</c> — "every one" being what this
/// host allows: the kernel's (<c>cap_last_cap</c>) that berthd's own bounding set still has (a VM or an outer
/// container may have dropped some; asking for those would fail at exec).
/// </summary>
internal static class LinuxCapabilities
{
    /// <summary>By number, as in linux/capability.h.</summary>
    public static readonly IReadOnlyList<string> Known =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    private static readonly Lazy<IReadOnlyList<string>> HostCapabilities = new(() => OnHost(
        File.Exists("/proc/sys/kernel/cap_last_cap") ? File.ReadAllText("/proc/sys/kernel/cap_last_cap") : null,
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("CapBnd:", StringComparison.Ordinal))));

    /// <summary>Every capability this host can give a container.</summary>
    public static IReadOnlyList<string> Available => HostCapabilities.Value;

    /// <summary>The capabilities from <c>cap_last_cap</c> and a <c>CapBnd:</c> line of /proc/self/status.</summary>
    internal static IReadOnlyList<string> OnHost(string? lastCap, string? capBndLine)
    {
        var last = int.TryParse(lastCap?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : Known.Count - 1;
        var bounding = capBndLine is not null && ulong.TryParse(capBndLine["CapBnd:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b) ? b : ulong.MaxValue;
        return Known.Where((_, i) => i <= last && (bounding & (1UL << i)) != 0).ToList();
    }

    /// <summary>compat(docker): NormalizeLegacyCapabilities: upper case, <c>CAP_</c> added, <c>ALL</c> kept.</summary>
    public static string Normalize(string name, string field)
    {
        var c = name.Trim().ToUpperInvariant();
        if (c == "ALL")
        {
            return c;
        }
        if (!c.StartsWith("CAP_", StringComparison.Ordinal))
        {
            c = "CAP_" + c;
        }
        return Known.Contains(c) ? c : throw BerthException.Invalid($"invalid {field}: unknown capability: \"{c}\"");
    }

    /// <summary>compat(docker): TweakCapabilities: privileged gets all; ALL in --cap-add means all but the dropped;
    /// ALL in --cap-drop means only the added; otherwise the defaults less the dropped plus the added. An added
    /// capability this host cannot give is refused here rather than at exec.</summary>
    public static List<string> For(HostConfig host, IReadOnlyList<string> defaults, IReadOnlyList<string> available)
    {
        if (host.Privileged)
        {
            return [.. available];
        }
        var add = (host.CapAdd ?? []).Select(c => Normalize(c, "CapAdd")).Distinct().ToList();
        var drop = (host.CapDrop ?? []).Select(c => Normalize(c, "CapDrop")).Distinct().ToList();
        List<string> caps;
        if (add.Contains("ALL"))
        {
            caps = available.Where(c => !drop.Contains(c)).ToList();
        }
        else if (drop.Contains("ALL"))
        {
            caps = add;
        }
        else
        {
            caps = [.. defaults.Where(c => !drop.Contains(c)), .. add.Where(c => !defaults.Contains(c))];
        }
        if (caps.FirstOrDefault(c => !available.Contains(c)) is { } missing)
        {
            throw BerthException.Invalid($"invalid CapAdd: capability \"{missing}\" is not available on this host (berthd's own bounding set lacks it)");
        }
        return caps;
    }
}

using System.Text.RegularExpressions;
using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine;

/// <summary>
/// Which <c>--sysctl</c>s a container may set: only those of a kernel namespace it has of its own (runc's
/// validateSysctl): the IPC ones when its IPC namespace is private, <c>net.*</c> when its network namespace is not
/// the host's. Anything else (<c>kernel.core_pattern</c>, <c>vm.*</c>) would change the host for everyone; a key that
/// is not a plain dotted name could make the init write another file (CVE-2022-0811's kind).
/// </summary>
internal static partial class Sysctls
{
    private static readonly HashSet<string> Ipc = new(StringComparer.Ordinal)
    {
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
    };

    [GeneratedRegex(@"^[a-z0-9_]+(\.[A-Za-z0-9_@:+-]+)+$")]
    private static partial Regex KeyShape();

    public static void Validate(HostConfig host)
    {
        foreach (var (key, value) in host.Sysctls ?? [])
        {
            if (!KeyShape().IsMatch(key))
            {
                throw BerthException.Invalid($"invalid sysctl key \"{key}\": a dotted name such as net.ipv4.ip_forward");
            }
            // A JSON null in the create body arrives as a null value (found by fuzzing).
            if (value is null || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                throw BerthException.Invalid($"invalid value for sysctl \"{key}\": one line expected");
            }
            if (Ipc.Contains(key) || key.StartsWith("fs.mqueue.", StringComparison.Ordinal))
            {
                if (host.IpcMode == "host")
                {
                    throw BerthException.Invalid($"sysctl \"{key}\" not allowed in host IPC namespace");
                }
                continue;
            }
            if (key.StartsWith("net.", StringComparison.Ordinal))
            {
                if (host.NetworkMode == "host")
                {
                    throw BerthException.Invalid($"sysctl \"{key}\" not allowed in host network namespace");
                }
                continue;
            }
            // compat(runc): its words for a sysctl of no namespace of the container's own.
            throw BerthException.Invalid($"sysctl \"{key}\" is not in a separate kernel namespace");
        }
    }
}

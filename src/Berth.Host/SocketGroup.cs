using System.Globalization;

using Berth.Common;

namespace Berth.Host;

/// <summary>The group given the daemon's unix sockets (<c>-G</c>), as dockerd finds its <c>docker</c> group: a name
/// in the group database (/etc/group), else a numeric gid.</summary>
internal static class SocketGroup
{
    /// <summary>The gid for <paramref name="name"/>; null when there is none (the caller decides whether that is an
    /// error: it is not for the default group).</summary>
    public static uint? Lookup(string name, string groupFile = "/etc/group")
    {
        if (File.Exists(groupFile))
        {
            foreach (var line in File.ReadLines(groupFile))
            {
                // group_name:password:GID:user_list
                var fields = line.Split(':');
                if (fields.Length >= 3 && fields[0] == name && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
                {
                    return gid;
                }
            }
        }
        return uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }

    /// <summary>
    /// The gid the sockets get: <paramref name="name"/>'s; root's, with a warning, when the default group does not
    /// exist; a group given with <c>-G</c> that does not exist is an error.
    /// </summary>
    public static uint Resolve(string name, IReadOnlyList<string> sockets, string groupFile = "/etc/group")
    {
        if (Lookup(name, groupFile) is { } gid)
        {
            return gid;
        }
        if (name != DaemonOptions.DefaultGroup)
        {
            throw new ArgumentException($"group {name} not found");
        }
        foreach (var socket in sockets)
        {
            // compat(docker): dockerd's warning when its docker group is missing.
            Log.Warn($"could not change group {socket} to {name}: group {name} not found");
        }
        return 0;
    }
}

using System.Globalization;
using Berth.Common;
using Berth.Linux;

namespace Berth.Engine;

/// <summary>
/// Resolves <c>--user</c> (<c>name</c>, <c>uid</c>, <c>name:group</c>, <c>uid:gid</c>) against the container's own
/// /etc/passwd and /etc/group, read through the mounted rootfs without following links out of it.
/// </summary>
internal static class UserLookup
{
    public sealed record ExecUser(uint Uid, uint Gid, List<uint> AdditionalGids, string Home);

    public static ExecUser Resolve(string rootfs, string user, IEnumerable<string>? groupAdd = null)
    {
        using var root = Fs.Open(rootfs, LibC.O_PATH | LibC.O_DIRECTORY);
        var passwd = ReadLines(root, "/etc/passwd").Select(l => l.Split(':')).Where(f => f.Length >= 7).ToList();
        var groups = ReadLines(root, "/etc/group").Select(l => l.Split(':')).Where(f => f.Length >= 4).ToList();
        var (userPart, groupPart) = user.Contains(':', StringComparison.Ordinal) ? (user[..user.IndexOf(':', StringComparison.Ordinal)], user[(user.IndexOf(':', StringComparison.Ordinal) + 1)..]) : (user, null);
        if (userPart.Length == 0)
        {
            userPart = "0";
        }
        uint uid, gid = 0;
        string name;
        var home = "/";
        var entry = passwd.FirstOrDefault(f => f[0] == userPart) ?? (uint.TryParse(userPart, out var n) ? passwd.FirstOrDefault(f => f[2] == userPart) : null);
        if (entry is not null)
        {
            uid = uint.Parse(entry[2], CultureInfo.InvariantCulture);
            gid = uint.Parse(entry[3], CultureInfo.InvariantCulture);
            name = entry[0];
            home = entry[5];
        }
        else if (uint.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out uid))
        {
            name = "";
        }
        else
        {
            throw BerthException.Invalid($"unable to find user {userPart}: no matching entries in passwd file");
        }
        if (groupPart is { Length: > 0 })
        {
            var g = groups.FirstOrDefault(f => f[0] == groupPart);
            if (g is not null)
            {
                gid = uint.Parse(g[2], CultureInfo.InvariantCulture);
            }
            else if (!uint.TryParse(groupPart, NumberStyles.None, CultureInfo.InvariantCulture, out gid))
            {
                throw BerthException.Invalid($"unable to find group {groupPart}: no matching entries in group file");
            }
        }
        // compat(docker): the primary group is always among the supplementary groups (moby since 20.10.18,
        // CVE-2022-36109), also with an explicit group (-u 0:10) or a uid without a passwd entry.
        var additional = new List<uint> { gid };
        if (name.Length > 0 && groupPart is null)
        {
            foreach (var g in groups)
            {
                if (g[3].Split(',').Contains(name) && uint.TryParse(g[2], NumberStyles.None, CultureInfo.InvariantCulture, out var extra) && !additional.Contains(extra))
                {
                    additional.Add(extra);
                }
            }
        }
        foreach (var g in groupAdd ?? [])
        {
            var found = groups.FirstOrDefault(f => f[0] == g);
            var id = found is not null ? uint.Parse(found[2], CultureInfo.InvariantCulture) :
                uint.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var x) ? x : throw BerthException.Invalid($"unable to find group {g}: no matching entries in group file");
            if (!additional.Contains(id))
            {
                additional.Add(id);
            }
        }
        return new ExecUser(uid, gid, additional, home);
    }

    private static IEnumerable<string> ReadLines(SafeFd root, string path)
    {
        using var fd = Fs.TryOpenInRoot(root, path, LibC.O_RDONLY);
        if (fd is null)
        {
            return [];
        }
        using var stream = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd.DangerousGetHandle(), ownsHandle: false), FileAccess.Read);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        for (var i = 0; i < 10000 && reader.ReadLine() is { } line; i++)
        {
            if (!line.StartsWith('#'))
            {
                lines.Add(line);
            }
        }
        return lines;
    }
}

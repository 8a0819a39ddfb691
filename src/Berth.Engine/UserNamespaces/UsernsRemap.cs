using System.Globalization;
using Berth.Common;
using Berth.Linux;
using Berth.Oci;

namespace Berth.Engine.UserNamespaces;

/// <summary>
/// The daemon's <c>--userns-remap</c>: containers run in a user namespace whose root is the first id of a user's
/// subordinate range (/etc/subuid, /etc/subgid), so root in a container is an unprivileged id on the host.
/// One range of each, as dockerd uses in practice: the namespace's map is that range from id 0.
/// </summary>
public sealed class UsernsRemap
{
    /// <summary>The user that <c>--userns-remap default</c> names (dockerd's is <c>dockremap</c>).</summary>
    public const string DefaultUser = "berthremap";

    /// <summary>How many ids the default user's ranges span (dockerd's 65536).</summary>
    public const uint DefaultRangeSize = 65536;

    public UsernsRemap(string user, string group, SubIdRange uids, SubIdRange gids)
    {
        (User, Group, Uids, Gids) = (user, group, uids, gids);
    }

    public string User { get; }
    public string Group { get; }
    public SubIdRange Uids { get; }
    public SubIdRange Gids { get; }

    /// <summary>The host uid of the container's root.</summary>
    public uint RootUid => Uids.Start;

    /// <summary>The host gid of the container's root.</summary>
    public uint RootGid => Gids.Start;

    /// <summary>The host uid of a container uid; null where the map has none (the kernel shows it as 65534).</summary>
    public uint? HostUid(uint containerUid) => containerUid < Uids.Count ? Uids.Start + containerUid : null;

    /// <summary>The host gid of a container gid; null where the map has none.</summary>
    public uint? HostGid(uint containerGid) => containerGid < Gids.Count ? Gids.Start + containerGid : null;

    public List<LinuxIdMapping> UidMappings() => [new LinuxIdMapping { ContainerId = 0, HostId = Uids.Start, Size = Uids.Count }];

    public List<LinuxIdMapping> GidMappings() => [new LinuxIdMapping { ContainerId = 0, HostId = Gids.Start, Size = Gids.Count }];

    /// <summary>The user and group the flag names: <c>default</c>, <c>USER[:GROUP]</c> or <c>UID[:GID]</c>; a
    /// missing group is the user's name (dockerd's rule).</summary>
    public static (string User, string? Group) ParseFlag(string value)
    {
        if (value == "default")
        {
            return (DefaultUser, DefaultUser);
        }
        var parts = value.Split(':');
        if (parts.Length > 2 || parts.Any(p => p.Length == 0))
        {
            throw BerthException.Invalid($"invalid --userns-remap \"{value}\": expected default, USER[:GROUP] or UID[:GID]");
        }
        return (parts[0], parts.Length == 2 ? parts[1] : null);
    }

    /// <summary>
    /// Resolves the flag against the contents of /etc/passwd, /etc/group, /etc/subuid and /etc/subgid: names and
    /// ids both match (a numeric user must have a passwd entry, as with dockerd), and the first range of each counts.
    /// </summary>
    public static UsernsRemap Resolve(string flag, IReadOnlyList<string> passwd, IReadOnlyList<string> group, IReadOnlyList<string> subuid, IReadOnlyList<string> subgid)
    {
        var (userPart, groupPart) = ParseFlag(flag);
        var (userName, uid) = Lookup(passwd, userPart, "user");
        var (groupName, gid) = groupPart is null ? (userName, Lookup(group, userName, "group", optional: true).Id) : Lookup(group, groupPart, "group");
        var uids = SubIdFile.Ranges(subuid, userName, uid);
        if (uids.Count == 0)
        {
            throw BerthException.Invalid($"no subuid ranges found for user \"{userName}\"");
        }
        var gids = SubIdFile.Ranges(subgid, groupName, gid);
        if (gids.Count == 0)
        {
            throw BerthException.Invalid($"no subgid ranges found for group \"{groupName}\"");
        }
        return new UsernsRemap(userName, groupName, uids[0], gids[0]);
    }

    /// <summary>A name or id looked up in a passwd(5) or group(5) file: its name and id.</summary>
    private static (string Name, uint? Id) Lookup(IReadOnlyList<string> lines, string nameOrId, string what, bool optional = false)
    {
        var entries = lines.Select(l => l.Split(':')).Where(f => f.Length >= 3 && uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out _)).ToList();
        var entry = entries.FirstOrDefault(f => f[0] == nameOrId);
        if (entry is null && uint.TryParse(nameOrId, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            entry = entries.FirstOrDefault(f => f[2] == nameOrId);
        }
        if (entry is null)
        {
            return optional ? (nameOrId, null) : throw BerthException.Invalid($"--userns-remap: no such {what}: {nameOrId}");
        }
        return (entry[0], uint.Parse(entry[2], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Resolves the flag on this host. For <c>default</c>, first makes the user as dockerd makes <c>dockremap</c>:
    /// <c>useradd --system</c> when absent, and a <see cref="DefaultRangeSize"/>-id range in /etc/subuid and
    /// /etc/subgid after every range already there, when it has none.
    /// </summary>
    public static async Task<UsernsRemap> ForHostAsync(string flag, string etc = "/etc", CancellationToken ct = default)
    {
        if (flag == "default")
        {
            if (!ReadLines(Path.Join(etc, "passwd")).Any(l => l.StartsWith(DefaultUser + ":", StringComparison.Ordinal)))
            {
                var useradd = HostProgram.Find("useradd") ?? throw BerthException.Invalid("--userns-remap default: useradd is not installed");
                ct.ThrowIfCancellationRequested();
                var result = await HostProgram.RunAsync(useradd, ["--system", "--shell", "/bin/false", "--no-create-home", DefaultUser]).ConfigureAwait(false);
                if (result.ExitCode != 0)
                {
                    throw BerthException.Invalid($"--userns-remap default: useradd {DefaultUser}: {result.Stderr.Trim()}");
                }
            }
            foreach (var file in new[] { "subuid", "subgid" })
            {
                var path = Path.Join(etc, file);
                var lines = ReadLines(path);
                if (SubIdFile.Ranges(lines, DefaultUser).Count == 0)
                {
                    var line = SubIdFile.Line(DefaultUser, new SubIdRange(SubIdFile.NextFree(lines, DefaultRangeSize), DefaultRangeSize));
                    var text = File.Exists(path) ? File.ReadAllText(path) : "";
                    File.AppendAllText(path, (text.Length > 0 && !text.EndsWith('\n') ? "\n" : "") + line + "\n");
                }
            }
        }
        return Resolve(flag, ReadLines(Path.Join(etc, "passwd")), ReadLines(Path.Join(etc, "group")), ReadLines(Path.Join(etc, "subuid")), ReadLines(Path.Join(etc, "subgid")));
    }

    private static string[] ReadLines(string path) => File.Exists(path) ? File.ReadAllLines(path) : [];
}

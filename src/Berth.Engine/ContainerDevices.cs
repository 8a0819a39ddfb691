using System.Globalization;
using System.Text.RegularExpressions;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Linux;
using Berth.Oci;

namespace Berth.Engine;

/// <summary>
/// <c>--device</c> and <c>--device-cgroup-rule</c>: host device nodes made again inside the container, and the
/// device-cgroup rules that let the container use them (Docker's DevicesFromPath and
/// AppendDevicePermissionsFromCgroupRules). A directory gives every device below it.
/// </summary>
internal static partial class ContainerDevices
{
    [GeneratedRegex(@"^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$")]
    private static partial Regex CgroupRuleShape();

    /// <summary>Checks what can be checked before start: rule shapes, permissions and container paths (the
    /// host's device nodes are looked up at start, as Docker does, since they may come and go).</summary>
    public static void Validate(HostConfig host)
    {
        foreach (var rule in host.DeviceCgroupRules ?? [])
        {
            ParseRule(rule);
        }
        foreach (var d in host.Devices ?? [])
        {
            if (string.IsNullOrEmpty(d.PathOnHost))
            {
                throw BerthException.Invalid("invalid device mapping: the path on the host is empty");
            }
            var inContainer = string.IsNullOrEmpty(d.PathInContainer) ? d.PathOnHost : d.PathInContainer;
            if (!inContainer.StartsWith("/dev/", StringComparison.Ordinal) || inContainer.Split('/').Any(p => p is ".." or "."))
            {
                throw BerthException.Invalid($"invalid device path in the container \"{inContainer}\": Berth makes device nodes only under /dev");
            }
            if (d.CgroupPermissions is { Length: > 0 } p && (p.Length > 3 || p.Any(ch => ch is not ('r' or 'w' or 'm')) || p.Distinct().Count() != p.Length))
            {
                throw BerthException.Invalid($"bad mode specified: {p}");
            }
        }
    }

    /// <summary>One <c>--device-cgroup-rule</c>: <c>TYPE MAJOR:MINOR ACCESS</c>, <c>*</c> for any number.</summary>
    public static LinuxDeviceCgroup ParseRule(string rule)
    {
        var m = CgroupRuleShape().Match(rule);
        if (!m.Success)
        {
            throw BerthException.Invalid($"invalid device cgroup rule format: '{rule}'");
        }
        static long? Number(string s) => s == "*" ? null : long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException(s);
        try
        {
            return new LinuxDeviceCgroup { Allow = true, Type = m.Groups[1].Value, Major = Number(m.Groups[2].Value), Minor = Number(m.Groups[3].Value), Access = m.Groups[4].Value };
        }
        catch (FormatException)
        {
            throw BerthException.Invalid($"invalid device cgroup rule format: '{rule}'");
        }
    }

    /// <summary>The nodes and cgroup rules of the container's <c>--device</c>s, read from the host now.</summary>
    public static (List<LinuxDevice> Devices, List<LinuxDeviceCgroup> Rules) Resolve(IEnumerable<DeviceMapping>? mappings)
    {
        var devices = new List<LinuxDevice>();
        var rules = new List<LinuxDeviceCgroup>();
        foreach (var d in mappings ?? [])
        {
            var inContainer = string.IsNullOrEmpty(d.PathInContainer) ? d.PathOnHost : d.PathInContainer;
            var access = string.IsNullOrEmpty(d.CgroupPermissions) ? "rwm" : d.CgroupPermissions;
            var found = new List<LinuxDevice>();
            if (!Fs.TryStat(d.PathOnHost, out var st))
            {
                throw BerthException.Invalid($"error gathering device information while adding custom device \"{d.PathOnHost}\": no such file or directory");
            }
            if (Node(d.PathOnHost, st) is { } node)
            {
                node.Path = inContainer;
                found.Add(node);
            }
            else if ((st.st_mode & LibC.S_IFMT) == LibC.S_IFDIR)
            {
                // compat(docker): a directory gives the devices below it, at the same place under the container path.
                var root = Path.GetFullPath(d.PathOnHost).TrimEnd('/');
                foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
                {
                    if (Fs.TryLstat(path, out var entry) && Node(path, entry) is { } child)
                    {
                        child.Path = inContainer.TrimEnd('/') + path[root.Length..];
                        found.Add(child);
                    }
                }
            }
            if (found.Count == 0)
            {
                throw BerthException.Invalid($"error gathering device information while adding custom device \"{d.PathOnHost}\": not a device node");
            }
            devices.AddRange(found);
            rules.AddRange(found.Select(n => new LinuxDeviceCgroup { Allow = true, Type = n.Type, Major = n.Major, Minor = n.Minor, Access = access }));
        }
        return (devices, rules);
    }

    /// <summary>A host device node as the runtime makes it again: type, numbers, mode and owner.</summary>
    public static LinuxDevice? Node(string path, LibC.Stat st)
    {
        var type = st.st_mode & LibC.S_IFMT;
        return type is LibC.S_IFCHR or LibC.S_IFBLK
            ? new LinuxDevice
            {
                Path = path,
                Type = type == LibC.S_IFCHR ? "c" : "b",
                Major = LibC.major(st.st_rdev),
                Minor = LibC.minor(st.st_rdev),
                FileMode = st.st_mode & 0xfff,
                Uid = st.st_uid,
                Gid = st.st_gid,
            }
            : null;
    }
}

using System.Globalization;
using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine;

/// <summary>
/// Turns a create request's <c>Binds</c> (<c>-v</c>), <c>Mounts</c> (<c>--mount</c>) and <c>Tmpfs</c> into mount
/// points, with Docker's checks and words (moby's Linux mount parser). Pure: it reads the host only to see whether
/// a <c>--mount</c> bind's source exists, and creates nothing.
/// </summary>
internal static class MountParser
{
    private static readonly HashSet<string> Propagations = new(StringComparer.Ordinal) { "private", "rprivate", "shared", "rshared", "slave", "rslave" };

    /// <summary>Files under /proc that runc lets a bind cover (lxcfs's), every other /proc destination refused.</summary>
    private static readonly HashSet<string> ProcFiles = new(StringComparer.Ordinal)
    {
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime", "/proc/loadavg",
        "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
    };

    /// <summary>A <c>-v</c> entry: <c>[SOURCE:]DEST[:MODE]</c>, SOURCE a volume name or an absolute host path.</summary>
    public static MountPoint ParseBind(string raw, string volumeDriver)
    {
        var parts = raw.Split(':');
        string source = "", target, mode = "";
        switch (parts.Length)
        {
            case 1:
                target = parts[0];
                break;
            case 2 when IsValidMode(parts[1]):
                (target, mode) = (parts[0], parts[1]);
                break;
            case 2:
                (source, target) = (parts[0], parts[1]);
                break;
            case 3:
                (source, target, mode) = (parts[0], parts[1], parts[2]);
                break;
            default:
                throw BerthException.Invalid($"invalid volume specification: '{raw}'");
        }
        if (!IsValidMode(mode))
        {
            throw BerthException.Invalid($"invalid mode: {mode}");
        }
        var modes = mode.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var isBind = source.StartsWith('/');
        var type = isBind ? "bind" : "volume";
        string Spec(string why) => $"invalid volume specification: '{raw}': invalid mount config for type \"{type}\": {why}";
        if (target.Length == 0)
        {
            throw BerthException.Invalid(Spec("field Target must not be empty"));
        }
        if (!target.StartsWith('/'))
        {
            throw BerthException.Invalid(Spec($"invalid mount path: '{target}' mount path must be absolute"));
        }
        var destination = Clean(target);
        if (destination == "/")
        {
            throw BerthException.Invalid(Spec("invalid specification: destination can't be '/'"));
        }
        if (isBind && modes.Contains("nocopy"))
        {
            throw BerthException.Invalid(Spec("field VolumeOptions must not be specified"));
        }
        var propagation = modes.FirstOrDefault(Propagations.Contains);
        if (!isBind && propagation is not null)
        {
            throw BerthException.Invalid(Spec("field BindOptions must not be specified"));
        }
        return new MountPoint
        {
            Type = type,
            Name = isBind ? "" : source,
            Source = isBind ? Clean(source) : "",
            Destination = destination,
            Driver = isBind ? "" : volumeDriver,
            // compat(docker): inspect shows a volume's mode as "z" when none was given.
            Mode = !isBind && mode.Length == 0 ? "z" : mode,
            RW = !modes.Contains("ro"),
            Propagation = isBind ? propagation ?? "rprivate" : "",
            CopyData = !isBind && !modes.Contains("nocopy"),
            CreateSource = isBind,
            ReadOnlyRecursive = isBind && modes.Contains("ro"),
            Anonymous = !isBind && source.Length == 0,
        };
    }

    /// <summary>A <c>--mount</c> entry, as the API carries it.</summary>
    public static MountPoint ParseMount(MountSpec m, string volumeDriver)
    {
        string Config(string why) => $"invalid mount config for type \"{m.Type}\": {why}";
        if (m.Type is not ("bind" or "volume" or "tmpfs"))
        {
            throw BerthException.Invalid(m.Type is "npipe" or "cluster" or "image" ? Config("mount type not supported on this host") : Config("mount type unknown"));
        }
        if (m.Target.Length == 0)
        {
            throw BerthException.Invalid(Config("field Target must not be empty"));
        }
        if (!m.Target.StartsWith('/'))
        {
            throw BerthException.Invalid(Config($"invalid mount path: '{m.Target}' mount path must be absolute"));
        }
        var destination = Clean(m.Target);
        if (destination == "/")
        {
            throw BerthException.Invalid(Config("invalid specification: destination can't be '/'"));
        }
        if (m.Type != "bind" && m.BindOptions is not null)
        {
            throw BerthException.Invalid(Config("field BindOptions must not be specified"));
        }
        if (m.Type != "volume" && m.VolumeOptions is not null)
        {
            throw BerthException.Invalid(Config("field VolumeOptions must not be specified"));
        }
        if (m.Type != "tmpfs" && m.TmpfsOptions is not null)
        {
            throw BerthException.Invalid(Config("field TmpfsOptions must not be specified"));
        }
        switch (m.Type)
        {
            case "bind":
                {
                    if (m.Source.Length == 0)
                    {
                        throw BerthException.Invalid(Config("field Source must not be empty"));
                    }
                    if (!m.Source.StartsWith('/'))
                    {
                        throw BerthException.Invalid(Config($"invalid mount path: '{m.Source}' mount path must be absolute"));
                    }
                    var source = Clean(m.Source);
                    var o = m.BindOptions ?? new BindOptions();
                    if (!o.CreateMountpoint && !Path.Exists(source))
                    {
                        throw BerthException.Invalid(Config($"bind source path does not exist: {source}"));
                    }
                    if (o.Propagation.Length > 0 && !Propagations.Contains(o.Propagation))
                    {
                        throw BerthException.Invalid(Config($"invalid propagation mode: {o.Propagation}"));
                    }
                    if ((o.ReadOnlyNonRecursive || o.ReadOnlyForceRecursive) && !m.ReadOnly)
                    {
                        throw BerthException.Invalid(Config("must also specify ReadOnly when a recursive read-only option is set"));
                    }
                    if (o.ReadOnlyNonRecursive && o.ReadOnlyForceRecursive)
                    {
                        throw BerthException.Invalid(Config("cannot set both ReadOnlyNonRecursive and ReadOnlyForceRecursive"));
                    }
                    return new MountPoint
                    {
                        Type = "bind",
                        Source = source,
                        Destination = destination,
                        RW = !m.ReadOnly,
                        Propagation = o.Propagation.Length > 0 ? o.Propagation : "rprivate",
                        CreateSource = o.CreateMountpoint,
                        NonRecursive = o.NonRecursive,
                        ReadOnlyRecursive = m.ReadOnly && !o.ReadOnlyNonRecursive && !o.NonRecursive,
                    };
                }
            case "volume":
                {
                    var o = m.VolumeOptions ?? new VolumeOptions();
                    if (o.Subpath.Length > 0 && (o.Subpath.StartsWith('/') || o.Subpath.Split('/').Contains("..")))
                    {
                        throw BerthException.Invalid(Config("subpath must be a relative path within the volume"));
                    }
                    var driver = o.DriverConfig?.Name is { Length: > 0 } d ? d : volumeDriver;
                    return new MountPoint
                    {
                        Type = "volume",
                        Name = m.Source,
                        Destination = destination,
                        Driver = driver,
                        Mode = "z",
                        RW = !m.ReadOnly,
                        CopyData = !o.NoCopy && o.Subpath.Length == 0,
                        Anonymous = m.Source.Length == 0,
                        Subpath = o.Subpath,
                        DriverOptions = o.DriverConfig?.Options is { Count: > 0 } opts ? new(opts) : null,
                        VolumeLabels = o.Labels is { Count: > 0 } labels ? new(labels) : null,
                    };
                }
            default:
                {
                    if (m.Source.Length > 0)
                    {
                        throw BerthException.Invalid(Config("field Source must not be specified"));
                    }
                    var o = m.TmpfsOptions ?? new TmpfsOptions();
                    if (o.SizeBytes < 0)
                    {
                        throw BerthException.Invalid(Config("invalid tmpfs size"));
                    }
                    var data = new List<string>();
                    if (o.SizeBytes > 0)
                    {
                        data.Add("size=" + o.SizeBytes.ToString(CultureInfo.InvariantCulture));
                    }
                    if (o.Mode != 0)
                    {
                        data.Add("mode=" + Convert.ToString(o.Mode & 0xfff, 8));
                    }
                    foreach (var option in o.Options ?? [])
                    {
                        data.Add(option switch
                        {
                            [var flag] => flag,
                            [var key, var value] => key + "=" + value,
                            _ => throw BerthException.Invalid(Config("invalid tmpfs option")),
                        });
                    }
                    return new MountPoint { Type = "tmpfs", Destination = destination, RW = !m.ReadOnly, Data = string.Join(',', data) };
                }
        }
    }

    /// <summary>A <c>--tmpfs DEST[:OPTIONS]</c> entry, kept in the host config: checked here, mounted at start.</summary>
    public static string ParseTmpfs(string target)
    {
        if (!target.StartsWith('/'))
        {
            throw BerthException.Invalid($"invalid mount path: '{target}' mount path must be absolute");
        }
        var destination = Clean(target);
        if (destination == "/")
        {
            throw BerthException.Invalid("invalid specification: destination can't be '/'");
        }
        return destination;
    }

    /// <summary>A <c>--volumes-from CONTAINER[:ro|rw]</c> entry: the container and the mode its mounts get.</summary>
    public static (string Container, bool? ReadWrite) ParseVolumesFrom(string raw)
    {
        var colon = raw.LastIndexOf(':');
        if (colon < 0)
        {
            return (raw, null);
        }
        var mode = raw[(colon + 1)..];
        return mode switch
        {
            "ro" => (raw[..colon], false),
            "rw" => (raw[..colon], true),
            _ => throw BerthException.Invalid($"invalid mode: {mode}"),
        };
    }

    /// <summary>
    /// Destinations the runtime must not cover: /proc (only procfs belongs there; runc's rule, with the files
    /// lxcfs replaces) and a /dev that is not a device directory.
    /// </summary>
    public static void CheckDestination(MountPoint m)
    {
        var what = m.Type == "tmpfs" ? "tmpfs" : m.Type == "bind" ? m.Source : m.Name;
        if (m.Destination == "/proc")
        {
            throw BerthException.Invalid($"error mounting \"{what}\" to rootfs at \"/proc\": cannot be mounted because it is not of type proc");
        }
        if (m.Destination.StartsWith("/proc/", StringComparison.Ordinal) && !(m.Type == "bind" && ProcFiles.Contains(m.Destination) && File.Exists(m.Source)))
        {
            throw BerthException.Invalid($"error mounting \"{what}\" to rootfs at \"{m.Destination}\": \"{m.Destination}\" cannot be mounted because it is inside /proc");
        }
        if (m.Destination == "/dev" && m.Type == "bind" && !File.Exists(Path.Join(m.Source, "null")))
        {
            throw BerthException.Invalid($"error mounting \"{m.Source}\" to rootfs at \"/dev\": {m.Source} holds no device nodes ({m.Source}/null is missing)");
        }
    }

    /// <summary>Docker's modes after <c>-v …:</c>: at most one each of rw/ro, z/Z, a propagation and nocopy.</summary>
    public static bool IsValidMode(string mode)
    {
        if (mode.Length == 0)
        {
            return true;
        }
        int rw = 0, label = 0, propagation = 0, copy = 0;
        foreach (var o in mode.Split(','))
        {
            switch (o)
            {
                case "rw" or "ro":
                    rw++;
                    break;
                case "z" or "Z":
                    label++;
                    break;
                case "nocopy":
                    copy++;
                    break;
                case var p when Propagations.Contains(p):
                    propagation++;
                    break;
                default:
                    return false;
            }
        }
        return rw <= 1 && label <= 1 && propagation <= 1 && copy <= 1;
    }

    /// <summary>Go's filepath.Clean for absolute paths.</summary>
    public static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".")
            {
                continue;
            }
            if (p == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                continue;
            }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }
}

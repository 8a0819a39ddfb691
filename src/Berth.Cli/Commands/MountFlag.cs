using System.Globalization;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>A <c>--mount</c> value as the docker CLI parses it (CSV of key=value) and sends it (<c>HostConfig.Mounts</c>).</summary>
internal sealed class MountFlag
{
    public string Type = "volume";
    public string Source = "";
    public string Target = "";
    public bool ReadOnly;
    public string Consistency = "";
    public bool HasBind;
    public string Propagation = "";
    public bool NonRecursive;
    public bool ReadOnlyNonRecursive;
    public bool ReadOnlyForceRecursive;
    public bool HasVolume;
    public bool NoCopy;
    public string Subpath = "";
    public SortedDictionary<string, string>? VolumeLabels;
    public string VolumeDriver = "";
    public SortedDictionary<string, string>? VolumeOptions;
    public bool HasTmpfs;
    public long TmpfsSize;
    public uint TmpfsMode;

    /// <summary>The check the flag set runs on each value: null when valid, else the docker CLI's words.</summary>
    public static string? Check(string value)
    {
        try
        {
            Parse(value);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    public static MountFlag Parse(string value)
    {
        var m = new MountFlag();
        foreach (var field in value.Split(','))
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? field : field[..eq]).ToLowerInvariant();
            var val = eq < 0 ? "" : field[(eq + 1)..];
            if (eq < 0)
            {
                switch (key)
                {
                    case "readonly" or "ro":
                        m.ReadOnly = true;
                        continue;
                    case "volume-nocopy":
                        (m.HasVolume, m.NoCopy) = (true, true);
                        continue;
                    case "bind-nonrecursive":
                        (m.HasBind, m.NonRecursive) = (true, true);
                        continue;
                    default:
                        throw new FormatException($"invalid field '{field}' must be a key=value pair");
                }
            }
            switch (key)
            {
                case "type":
                    m.Type = val.ToLowerInvariant();
                    break;
                case "source" or "src":
                    m.Source = !val.StartsWith('/') && val.StartsWith('.') ? Path.GetFullPath(val) : val;
                    break;
                case "target" or "dst" or "destination":
                    m.Target = val;
                    break;
                case "readonly" or "ro":
                    m.ReadOnly = Bool(key, val);
                    break;
                case "consistency":
                    m.Consistency = val.ToLowerInvariant();
                    break;
                case "bind-propagation":
                    (m.HasBind, m.Propagation) = (true, val.ToLowerInvariant());
                    break;
                case "bind-nonrecursive":
                    (m.HasBind, m.NonRecursive) = (true, Bool(key, val));
                    break;
                case "bind-recursive":
                    m.HasBind = true;
                    switch (val)
                    {
                        case "enabled":
                            break;
                        case "disabled":
                            m.NonRecursive = true;
                            break;
                        case "writable":
                            m.ReadOnlyNonRecursive = true;
                            break;
                        case "readonly":
                            m.ReadOnlyForceRecursive = true;
                            break;
                        default:
                            throw new FormatException($"invalid value for {key}: {val} (must be \"enabled\", \"disabled\", \"writable\", or \"readonly\")");
                    }
                    break;
                case "volume-subpath":
                    (m.HasVolume, m.Subpath) = (true, val);
                    break;
                case "volume-nocopy":
                    (m.HasVolume, m.NoCopy) = (true, Bool(key, val));
                    break;
                case "volume-label":
                    {
                        m.HasVolume = true;
                        var (k, v) = Cut(val);
                        (m.VolumeLabels ??= new(StringComparer.Ordinal))[k] = v;
                        break;
                    }
                case "volume-driver":
                    (m.HasVolume, m.VolumeDriver) = (true, val);
                    break;
                case "volume-opt":
                    {
                        m.HasVolume = true;
                        var (k, v) = Cut(val);
                        (m.VolumeOptions ??= new(StringComparer.Ordinal))[k] = v;
                        break;
                    }
                case "tmpfs-size":
                    m.HasTmpfs = true;
                    if (!HumanUnits.TryParseRam(val, out m.TmpfsSize, out _))
                    {
                        throw new FormatException($"invalid value for {key}: {val}");
                    }
                    break;
                case "tmpfs-mode":
                    m.HasTmpfs = true;
                    try
                    {
                        m.TmpfsMode = Convert.ToUInt32(val, 8);
                    }
                    catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
                    {
                        throw new FormatException($"invalid value for {key}: {val}");
                    }
                    break;
                default:
                    throw new FormatException($"unexpected key '{key}' in '{field}'");
            }
        }
        if (m.Target.Length == 0)
        {
            throw new FormatException("target is required");
        }
        if (m.HasVolume && m.Type != "volume")
        {
            throw new FormatException($"cannot mix 'volume-*' options with mount type '{m.Type}'");
        }
        if (m.HasBind && m.Type != "bind")
        {
            throw new FormatException($"cannot mix 'bind-*' options with mount type '{m.Type}'");
        }
        if (m.HasTmpfs && m.Type != "tmpfs")
        {
            throw new FormatException($"cannot mix 'tmpfs-*' options with mount type '{m.Type}'");
        }
        if (m.ReadOnlyNonRecursive && !m.ReadOnly)
        {
            throw new FormatException("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
        }
        if (m.ReadOnlyForceRecursive && !m.ReadOnly)
        {
            throw new FormatException("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
        }
        return m;
    }

    private static bool Bool(string key, string val) => val.ToLowerInvariant() switch
    {
        "1" or "t" or "true" => true,
        "0" or "f" or "false" => false,
        _ => throw new FormatException($"invalid value for {key}: {val}"),
    };

    private static (string Key, string Value) Cut(string val)
    {
        var eq = val.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? (val, "") : (val[..eq], val[(eq + 1)..]);
    }

    /// <summary>One element of <c>HostConfig.Mounts</c>, fields in Go's order, empty ones left out as Go does.</summary>
    public void Write(GoJsonWriter w)
    {
        w.BeginObject().String("Type", Type);
        if (Source.Length > 0)
        {
            w.String("Source", Source);
        }
        w.String("Target", Target);
        if (ReadOnly)
        {
            w.Bool("ReadOnly", true);
        }
        if (Consistency.Length > 0)
        {
            w.String("Consistency", Consistency);
        }
        if (HasBind)
        {
            w.BeginObject("BindOptions");
            if (Propagation.Length > 0)
            {
                w.String("Propagation", Propagation);
            }
            if (NonRecursive)
            {
                w.Bool("NonRecursive", true);
            }
            if (ReadOnlyNonRecursive)
            {
                w.Bool("ReadOnlyNonRecursive", true);
            }
            if (ReadOnlyForceRecursive)
            {
                w.Bool("ReadOnlyForceRecursive", true);
            }
            w.EndObject();
        }
        if (HasVolume)
        {
            w.BeginObject("VolumeOptions");
            if (NoCopy)
            {
                w.Bool("NoCopy", true);
            }
            if (VolumeLabels is not null)
            {
                w.StringMap("Labels", VolumeLabels);
            }
            if (Subpath.Length > 0)
            {
                w.String("Subpath", Subpath);
            }
            if (VolumeDriver.Length > 0 || VolumeOptions is not null)
            {
                w.BeginObject("DriverConfig");
                if (VolumeDriver.Length > 0)
                {
                    w.String("Name", VolumeDriver);
                }
                if (VolumeOptions is not null)
                {
                    w.StringMap("Options", VolumeOptions);
                }
                w.EndObject();
            }
            w.EndObject();
        }
        if (HasTmpfs)
        {
            w.BeginObject("TmpfsOptions");
            if (TmpfsSize != 0)
            {
                w.Number("SizeBytes", TmpfsSize);
            }
            if (TmpfsMode != 0)
            {
                w.Number("Mode", TmpfsMode);
            }
            w.EndObject();
        }
        w.EndObject();
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Type}:{Source}:{Target}");
}

using System.Globalization;

namespace Berth.Runtime.Cgroups;

/// <summary>Parsers for the shapes cgroupfs accounting files come in (flat keyed, nested keyed, lists, single values).</summary>
internal static class CgroupStatFiles
{
    /// <summary>kernel: cpuacct.stat counts USER_HZ ticks, which is 100 a second whatever CONFIG_HZ is.</summary>
    public const ulong NanosPerUserHzTick = 1_000_000_000 / 100;

    /// <summary>A single number, or null for "max", an empty or a missing file.</summary>
    public static ulong? Value(string? text)
    {
        var t = text?.Trim();
        if (string.IsNullOrEmpty(t) || t == "max")
        {
            return null;
        }
        return ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            // kernel: v1 writes -1 for "no limit" in a few knobs.
            : long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) && s < 0 ? null
            : throw new FormatException($"not a cgroup value: '{t}'");
    }

    /// <summary>A flat keyed file ("key value" lines: memory.stat, cpu.stat, cpuacct.stat), in the file's order;
    /// lines whose value is not a number are left out.</summary>
    public static List<KeyValuePair<string, ulong>> FlatKeyed(string? text)
    {
        var result = new List<KeyValuePair<string, ulong>>();
        foreach (var line in (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                result.Add(new(parts[0], v));
            }
        }
        return result;
    }

    public static ulong Key(List<KeyValuePair<string, ulong>> pairs, string key) =>
        pairs.FirstOrDefault(p => p.Key == key).Value;

    /// <summary>A space-separated list of numbers (cpuacct.usage_percpu).</summary>
    public static List<ulong> List(string? text) =>
        (text ?? "").Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(p => ulong.Parse(p, NumberStyles.None, CultureInfo.InvariantCulture)).ToList();

    /// <summary>v1 blkio files: "MAJ:MIN Op Value" lines, and a closing "Total N" that is left out.</summary>
    public static List<CgroupIoEntry> Blkio(string? text)
    {
        var result = new List<CgroupIoEntry>();
        foreach (var line in (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 3 || !TryDevice(parts[0], out var major, out var minor) ||
                !ulong.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }
            result.Add(new CgroupIoEntry(major, minor, parts[1], value));
        }
        return result;
    }

    /// <summary>v2 io.stat, a nested keyed file: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N" per device.</summary>
    public static CgroupIoStats IoStat(string? text)
    {
        var bytes = new List<CgroupIoEntry>();
        var ios = new List<CgroupIoEntry>();
        foreach (var line in (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !TryDevice(parts[0], out var major, out var minor))
            {
                continue;
            }
            foreach (var field in parts.Skip(1))
            {
                var eq = field.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !ulong.TryParse(field.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                {
                    continue;
                }
                // compat(docker): v2 operations are named in lower case, as dockerd names them.
                switch (field[..eq])
                {
                    case "rbytes": bytes.Add(new(major, minor, "read", v)); break;
                    case "wbytes": bytes.Add(new(major, minor, "write", v)); break;
                    case "dbytes": bytes.Add(new(major, minor, "discard", v)); break;
                    case "rios": ios.Add(new(major, minor, "read", v)); break;
                    case "wios": ios.Add(new(major, minor, "write", v)); break;
                    case "dios": ios.Add(new(major, minor, "discard", v)); break;
                }
            }
        }
        return new CgroupIoStats { ServiceBytes = bytes, Serviced = ios };
    }

    private static bool TryDevice(string text, out ulong major, out ulong minor)
    {
        minor = 0;
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return ulong.TryParse(colon < 0 ? text : text[..colon], NumberStyles.None, CultureInfo.InvariantCulture, out major) &&
            colon > 0 && ulong.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out minor);
    }
}

using System.Globalization;
using System.Text.Json;

namespace Berth.Probe;

/// <summary>Reads what the process sees from /proc and /sys and writes it as JSON. Only reads: a file that is
/// missing or unreadable is left out (or reported as null), because a masked path is something to report.</summary>
internal static class Report
{
    private static readonly string[] CgroupFiles =
    [
        "/sys/fs/cgroup/memory/memory.limit_in_bytes",
        "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes",
        "/sys/fs/cgroup/memory.max",
        "/sys/fs/cgroup/memory.swap.max",
        "/sys/fs/cgroup/pids/pids.max",
        "/sys/fs/cgroup/pids.max",
        "/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
        "/sys/fs/cgroup/cpu/cpu.cfs_period_us",
        "/sys/fs/cgroup/cpu/cpu.shares",
        "/sys/fs/cgroup/cpu.max",
    ];

    /// <summary>fd number → readlink of /proc/self/fd/N, without the descriptor of the listing itself.</summary>
    public static SortedDictionary<int, string> OpenFds()
    {
        var result = new SortedDictionary<int, string>();
        var self = "/proc/" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "/fd";
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            var target = ReadLink(entry);
            if (target is null || target == self)
            {
                continue; // gone already, or the directory being listed
            }
            result[int.Parse(Path.GetFileName(entry), CultureInfo.InvariantCulture)] = target;
        }
        return result;
    }

    public static void Write(Stream output, SortedDictionary<int, string> fds, string[] args)
    {
        var status = ReadStatus();
        using var w = new Utf8JsonWriter(output);
        w.WriteStartObject();
        w.WriteNumber("pid", Environment.ProcessId);
        w.WriteNumber("ppid", int.Parse(status.GetValueOrDefault("PPid", "-1"), CultureInfo.InvariantCulture));
        WriteNumbers(w, "uid", status.GetValueOrDefault("Uid", ""));
        WriteNumbers(w, "gid", status.GetValueOrDefault("Gid", ""));
        WriteNumbers(w, "groups", status.GetValueOrDefault("Groups", ""));
        w.WriteString("umask", status.GetValueOrDefault("Umask"));
        w.WriteStartObject("caps");
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        {
            w.WriteString(set, status.GetValueOrDefault(set));
        }
        w.WriteEndObject();
        w.WriteString("noNewPrivs", status.GetValueOrDefault("NoNewPrivs"));
        w.WriteString("seccomp", status.GetValueOrDefault("Seccomp"));
        w.WriteString("sigIgn", status.GetValueOrDefault("SigIgn"));
        w.WriteString("sigBlk", status.GetValueOrDefault("SigBlk"));
        w.WriteString("hostname", Environment.MachineName);
        w.WriteString("domainname", ReadText("/proc/sys/kernel/domainname")?.Trim());
        w.WriteString("cwd", Environment.CurrentDirectory);
        WriteStrings(w, "args", args);
        WriteStrings(w, "env", Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Select(k => k + "=" + Environment.GetEnvironmentVariable(k)).Order(StringComparer.Ordinal));

        w.WriteStartObject("namespaces");
        foreach (var ns in Directory.EnumerateFileSystemEntries("/proc/self/ns").Order(StringComparer.Ordinal))
        {
            w.WriteString(Path.GetFileName(ns), ReadLink(ns));
        }
        w.WriteEndObject();

        w.WriteStartArray("mounts");
        foreach (var line in File.ReadLines("/proc/self/mountinfo"))
        {
            WriteMount(w, line);
        }
        w.WriteEndArray();

        w.WriteStartArray("interfaces");
        foreach (var line in File.ReadLines("/proc/net/dev").Skip(2))
        {
            var name = line.Split(':')[0].Trim();
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("flags", ReadText("/sys/class/net/" + name + "/flags")?.Trim());
            w.WriteEndObject();
        }
        w.WriteEndArray();

        w.WriteStartObject("fds");
        foreach (var (fd, target) in fds)
        {
            w.WriteString(fd.ToString(CultureInfo.InvariantCulture), target);
        }
        w.WriteEndObject();

        w.WriteStartObject("rlimits");
        foreach (var line in File.ReadLines("/proc/self/limits").Skip(1))
        {
            // "Max open files            1048576              1048576              files"
            var name = line[..Math.Min(26, line.Length)].Trim();
            var rest = line.Length > 26 ? line[26..].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            w.WriteString(name, rest.Length >= 2 ? rest[0] + " " + rest[1] : string.Join(' ', rest));
        }
        w.WriteEndObject();

        w.WriteStartObject("cgroupFiles");
        foreach (var file in CgroupFiles)
        {
            if (ReadText(file) is { } text)
            {
                w.WriteString(file, text.Trim());
            }
        }
        w.WriteEndObject();
        WriteStrings(w, "cgroups", (ReadText("/proc/self/cgroup") ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        w.WriteEndObject();
        w.Flush();
        output.Write("\n"u8);
    }

    /// <summary>mountinfo(5): <c>36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue</c>.</summary>
    private static void WriteMount(Utf8JsonWriter w, string line)
    {
        var f = line.Split(' ');
        var dash = Array.IndexOf(f, "-", 6);
        if (f.Length < 10 || dash < 0)
        {
            return;
        }
        w.WriteStartObject();
        w.WriteString("mountPoint", Unescape(f[4]));
        w.WriteString("root", Unescape(f[3]));
        w.WriteString("fsType", f[dash + 1]);
        w.WriteString("source", Unescape(f[dash + 2]));
        w.WriteString("options", f[5]);
        w.WriteString("superOptions", dash + 3 < f.Length ? f[dash + 3] : "");
        w.WriteString("propagation", string.Join(' ', f[6..dash]));
        w.WriteEndObject();
    }

    private static Dictionary<string, string> ReadStatus()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                result[line[..colon]] = line[(colon + 1)..].Trim();
            }
        }
        return result;
    }

    private static void WriteNumbers(Utf8JsonWriter w, string name, string text)
    {
        w.WriteStartArray(name);
        foreach (var n in text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            w.WriteNumberValue(long.Parse(n, CultureInfo.InvariantCulture));
        }
        w.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length)
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }
}

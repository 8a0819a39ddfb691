using System.Text.Json;
using System.Text.RegularExpressions;

namespace Berth.Runtime.Tests.Support;

/// <summary>The probe's JSON (see tests/Berth.Probe), with accessors for what the tests assert on.</summary>
internal sealed partial class ProbeReport(JsonElement root)
{
    public JsonElement Root { get; } = root;

    public static ProbeReport Parse(string json)
    {
        try
        {
            return new ProbeReport(JsonDocument.Parse(json).RootElement);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"the probe's output is not JSON: {e.Message}\n{json}", e);
        }
    }

    public int Pid => Root.GetProperty("pid").GetInt32();

    public int Ppid => Root.GetProperty("ppid").GetInt32();

    public string Hostname => Root.GetProperty("hostname").GetString()!;

    public string Cwd => Root.GetProperty("cwd").GetString()!;

    public IReadOnlyList<long> Uid => Numbers("uid");

    public IReadOnlyList<long> Gid => Numbers("gid");

    public IReadOnlyList<long> Groups => Numbers("groups");

    public string Cap(string set) => Root.GetProperty("caps").GetProperty(set).GetString()!;

    public IReadOnlyList<string> Env => Strings("env");

    public string SigIgn => Root.GetProperty("sigIgn").GetString()!;

    public IReadOnlyDictionary<string, string> Namespaces =>
        Root.GetProperty("namespaces").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");

    public IReadOnlyList<ProbeMount> Mounts => Root.GetProperty("mounts").EnumerateArray().Select(m => new ProbeMount(
        m.GetProperty("mountPoint").GetString()!, m.GetProperty("root").GetString()!, m.GetProperty("fsType").GetString()!,
        m.GetProperty("source").GetString()!, m.GetProperty("options").GetString()!, m.GetProperty("superOptions").GetString()!)).ToList();

    public IReadOnlyList<(string Name, string? Flags)> Interfaces =>
        Root.GetProperty("interfaces").EnumerateArray().Select(i => (i.GetProperty("name").GetString()!, i.GetProperty("flags").GetString())).ToList();

    public IReadOnlyDictionary<int, string> Fds =>
        Root.GetProperty("fds").EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.GetString()!);

    public IReadOnlyDictionary<string, string> CgroupFiles =>
        Root.GetProperty("cgroupFiles").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    public IReadOnlyDictionary<string, string> Rlimits =>
        Root.GetProperty("rlimits").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

    public IReadOnlyList<string> Cgroups => Strings("cgroups");

    /// <summary>The mount on top at <paramref name="path"/> (the last in mountinfo order), or null.</summary>
    public ProbeMount? MountAt(string path) => Mounts.LastOrDefault(m => m.MountPoint == path);

    /// <summary>
    /// The report as "key: value" lines with what legitimately differs between two runs or two runtimes taken out:
    /// namespace inodes (only whether each is the host's or new), pipe inodes, the container id in cgroup paths,
    /// mount sources (devices and host paths), and mount ids. What stays is what Docker promises a container.
    /// </summary>
    public SortedDictionary<string, string> Normalise(string containerId)
    {
        var lines = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["pid"] = Pid.ToString(),
            ["ppid"] = Ppid.ToString(),
            ["uid"] = string.Join(' ', Uid),
            ["gid"] = string.Join(' ', Gid),
            ["groups"] = string.Join(' ', Groups),
            ["umask"] = Root.GetProperty("umask").GetString() ?? "",
            ["noNewPrivs"] = Root.GetProperty("noNewPrivs").GetString() ?? "",
            ["seccomp"] = Root.GetProperty("seccomp").GetString() ?? "",
            ["sigIgn"] = SigIgn,
            ["sigBlk"] = Root.GetProperty("sigBlk").GetString() ?? "",
            ["hostname"] = Hostname,
            ["domainname"] = Root.GetProperty("domainname").GetString() ?? "",
            ["cwd"] = Cwd,
            ["env"] = string.Join('\n', Env),
            ["interfaces"] = string.Join(' ', Interfaces.Select(i => $"{i.Name}={i.Flags}")),
            ["fds"] = string.Join(' ', Fds.OrderBy(f => f.Key).Select(f => $"{f.Key}={PipeInode().Replace(f.Value, "pipe:[]")}")),
        };
        foreach (var set in new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" })
        {
            lines["caps." + set] = Cap(set);
        }
        foreach (var (ns, link) in Namespaces)
        {
            lines["ns." + ns] = link == Host.NamespaceLink(ns) ? "host" : "new";
        }
        foreach (var (name, value) in Rlimits)
        {
            lines["rlimit." + name] = value;
        }
        foreach (var (file, value) in CgroupFiles)
        {
            lines["cgroupFile." + file] = value;
        }
        lines["cgroups"] = string.Join('\n', Cgroups);
        foreach (var group in Mounts.GroupBy(m => m.MountPoint))
        {
            // Stacked mounts keep their order: a masked path is a mount on top of /proc.
            lines["mount." + group.Key] = string.Join(" | ", group.Select(m => m.Describe()));
        }
        // The id names the hostname, the cgroups and the bundle's paths; two runs differ in nothing else by it.
        foreach (var key in lines.Keys.ToList())
        {
            lines[key] = lines[key].Replace(containerId, "<id>", StringComparison.Ordinal);
        }
        return lines;
    }

    private List<long> Numbers(string name) => Root.GetProperty(name).EnumerateArray().Select(e => e.GetInt64()).ToList();

    private List<string> Strings(string name) => Root.GetProperty(name).EnumerateArray().Select(e => e.GetString()!).ToList();

    [GeneratedRegex(@"pipe:\[\d+\]")]
    private static partial Regex PipeInode();
}

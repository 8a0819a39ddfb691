using System.Text.RegularExpressions;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>What networking leaves on the host, read with <c>ip</c> and <c>nft</c> (never from the daemon).</summary>
internal static partial class HostNetwork
{
    /// <summary>The links of the host's namespace, by name, with their kind and master.</summary>
    public static IReadOnlyList<(string Name, string Kind, string Master)> Links()
    {
        var links = new List<(string, string, string)>();
        foreach (var line in ProcessRunner.Run("ip", ["-o", "-d", "link", "show"]).Ok().Split('\n'))
        {
            var m = LinkLine().Match(line);
            if (!m.Success)
            {
                continue;
            }
            var master = MasterOf().Match(line);
            var kind = line.Contains(" veth ", StringComparison.Ordinal) ? "veth" : line.Contains(" bridge ", StringComparison.Ordinal) ? "bridge" : line.Contains(" macvlan ", StringComparison.Ordinal) ? "macvlan" : "";
            links.Add((m.Groups[1].Value, kind, master.Success ? master.Groups[1].Value : ""));
        }
        return links;
    }

    /// <summary>The interfaces enslaved to a bridge (a container's veth while it runs).</summary>
    public static IReadOnlyList<string> PortsOf(string bridge) => [.. Links().Where(l => l.Master == bridge).Select(l => l.Name)];

    public static bool LinkExists(string name) => Links().Any(l => l.Name == name);

    /// <summary>The host end of a running container's eth0: the link whose index the container's eth0 names as
    /// its peer (<c>/sys/class/net/eth0/iflink</c>).</summary>
    public static string VethOf(BerthEngine engine, string container)
    {
        var index = engine.Docker("exec", container, "cat", "/sys/class/net/eth0/iflink").Ok();
        var line = ProcessRunner.Run("ip", ["-o", "link", "show"]).Ok().Split('\n').Single(l => l.StartsWith(index + ": ", StringComparison.Ordinal));
        return LinkLine().Match(line).Groups[1].Value;
    }

    /// <summary>Waits until a server in the container listens on TCP <paramref name="port"/>. <c>run -d</c> returns once
    /// the process runs, not once it has bound its port: a client started at once may find nothing there yet. Read
    /// from the host, in <c>/proc/PID/net/</c> (the container's namespace), without entering the container.</summary>
    public static void WaitForListener(BerthEngine engine, string container, int port) =>
        WaitForListener(engine.Inspect(container, "{{.State.Pid}}"), container, port);

    /// <summary><see cref="WaitForListener(BerthEngine, string, int)"/> for a container known by its process.</summary>
    public static void WaitForListener(string pid, string container, int port)
    {
        var listening = $":{port:X4}";
        Poll.Until($"{container} to listen on port {port}", () =>
        {
            var sockets = new List<string>();
            foreach (var file in new[] { "tcp", "tcp6" })
            {
                try
                {
                    sockets.AddRange(File.ReadAllLines($"/proc/{pid}/net/{file}").Skip(1));
                }
                catch (IOException)
                {
                }
            }
            return string.Join("\n", sockets);
        }, sockets => sockets.Split('\n').Any(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var local, _, "0A", ..] && local.EndsWith(listening, StringComparison.Ordinal)));
    }

    /// <summary>The daemon's nftables table as <c>nft</c> prints it; empty when it does not exist.</summary>
    public static string Table(BerthDaemon daemon)
    {
        var r = ProcessRunner.Run("nft", ["list", "table", "ip", daemon.FirewallTable]);
        return r.ExitCode == 0 ? r.Stdout : "";
    }

    /// <summary>After every container and custom network is gone: nothing of theirs may be left.</summary>
    public static IEnumerable<string> Leftovers(BerthDaemon daemon)
    {
        // A stopped container's veth goes with its namespace, which the kernel tears down in the background (one
        // namespace after another, slowly on a loaded machine).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (PortsOf(daemon.DefaultBridge).Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(50);
        }
        foreach (var port in PortsOf(daemon.DefaultBridge))
        {
            yield return $"interface {port} still on {daemon.DefaultBridge}";
        }
        var table = Table(daemon);
        if (table.Contains("dnat to", StringComparison.Ordinal))
        {
            yield return "published-port rules left in table " + daemon.FirewallTable + ":\n" + table;
        }
    }

    /// <summary>Removes what a daemon keeps while it is stopped (its default bridge and table), as a user
    /// uninstalling Berth would.</summary>
    public static void Uninstall(BerthDaemon daemon)
    {
        ProcessRunner.Run("ip", ["link", "delete", daemon.DefaultBridge]);
        ProcessRunner.Run("nft", ["delete", "table", "ip", daemon.FirewallTable]);
        foreach (var handle in ForeignHandles(daemon))
        {
            ProcessRunner.Run("nft", ["delete", "rule", "ip", "filter", "FORWARD", "handle", handle]);
        }
    }

    /// <summary>The daemon's rules in a foreign <c>ip filter FORWARD</c> chain (dockerd's), by handle.</summary>
    public static IReadOnlyList<string> ForeignHandles(BerthDaemon daemon)
    {
        var r = ProcessRunner.Run("nft", ["-a", "list", "chain", "ip", "filter", "FORWARD"]);
        return r.ExitCode != 0 ? [] : [.. r.Stdout.Split('\n').Where(l => l.Contains($"comment \"{daemon.FirewallTable}\"", StringComparison.Ordinal))
            .Select(l => Handle().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value)];
    }

    [GeneratedRegex(@"^\d+: ([^:@]+)[:@]")]
    private static partial Regex LinkLine();

    [GeneratedRegex(@" master (\S+) ")]
    private static partial Regex MasterOf();

    [GeneratedRegex(@"# handle (\d+)")]
    private static partial Regex Handle();
}

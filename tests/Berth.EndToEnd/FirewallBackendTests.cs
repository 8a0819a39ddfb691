using System.Diagnostics;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// What the firewall must do, run against each backend: a berthd with <c>--firewall-backend</c> in a network
/// namespace of the test's own (so neither the host's nftables nor its iptables are touched), joined by a veth pair
/// to a second namespace, "far", that has no route back to any container subnet and serves HTTP on 10.213.102.2:8080.
/// A container reaching far proves masquerading; published ports are reached over the namespace's loopback, from
/// another container and from the container itself; and no rule is left behind.
/// </summary>
public abstract class FirewallBackendTests : IDisposable
{
    private readonly string _suffix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
    private readonly string _root = Directory.CreateTempSubdirectory("berth-e2e-fw-").FullName;
    private readonly Process? _farServer;

    protected FirewallBackendTests(string backend)
    {
        try
        {
            Ip("netns", "add", Namespace);
            Ip("netns", "add", Far);
            Ip("link", "add", "bfwa" + _suffix, "type", "veth", "peer", "name", "bfwb" + _suffix);
            foreach (var (ns, link, address) in new[] { (Namespace, "bfwa" + _suffix, "10.213.102.1/24"), (Far, "bfwb" + _suffix, "10.213.102.2/24") })
            {
                Ip("link", "set", link, "netns", ns);
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("-n", ns, "addr", "add", address, "dev", link);
                Ip("-n", ns, "link", "set", link, "up");
            }
            var www = Directory.CreateDirectory(Path.Join(_root, "www")).FullName;
            File.WriteAllText(Path.Join(www, "far"), "far\n");
            _farServer = Process.Start("ip", ["netns", "exec", Far, "/bin/busybox", "httpd", "-f", "-p", "8080", "-h", www]);

            Daemon = new BerthDaemon(Path.Join(_root, "d"), Namespace, "--firewall-backend", backend);
            Directory.CreateDirectory(Daemon.Directory);
            Daemon.Start();
            var tar = Path.Join(Daemon.Directory, "busybox.tar");
            BusyboxRootfs.WriteTar(tar);
            ProcessRunner.Run("docker", ["import", "-", "busybox:latest"], Env, tar).Ok();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    protected string Namespace => "berth-fw-" + _suffix;

    private string Far => "berth-far-" + _suffix;

    protected BerthDaemon Daemon { get; }

    /// <summary>Berth's rules in the daemon's namespace, as the backend's own tool prints them.</summary>
    protected abstract string Rules();

    /// <summary>Whether <see cref="Rules"/> shows a DNAT to a host port.</summary>
    protected abstract bool Publishes(string rules, int hostPort);

    /// <summary>Asserts that the other backend holds nothing of Berth's: the one chosen is the one in use.</summary>
    protected abstract void AssertOnlyThisBackend();

    protected CommandResult InNamespace(params string[] command) => ProcessRunner.Run("ip", ["netns", "exec", Namespace, .. command]);

    private static void Ip(params string[] args) => ProcessRunner.Run("ip", args).Ok();

    private Dictionary<string, string> Env => new() { ["DOCKER_HOST"] = Daemon.Host, ["DOCKER_CONFIG"] = Path.Join(_root, "docker-config") };

    private CommandResult Docker(params string[] args) => ProcessRunner.Run("docker", args, Env);

    private string Inspect(string target, string template) => Docker("inspect", "-f", template, target).Ok();

    [Fact]
    public void PublishedPortsMasqueradingAndIsolationWorkAndLeaveNoRule()
    {
        Docker("network", "create", "--subnet", "10.213.100.0/24", "e2e-fw").Ok();
        var bridge = "br-" + Inspect("e2e-fw", "{{.Id}}")[..12];
        Docker("run", "-d", "--name", "fw-web", "--network", "e2e-fw", "-p", "18150:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
        HostNetwork.WaitForListener(Inspect("fw-web", "{{.State.Pid}}"), "fw-web", 80);
        var hostname = Inspect("fw-web", "{{.Config.Hostname}}");
        var webIp = Inspect("fw-web", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
        var gateway = Inspect("bridge", "{{range .IPAM.Config}}{{.Gateway}}{{end}}");

        // Published: over loopback (route_localnet), from a container on another network, and hairpin.
        Assert.Equal(hostname, InNamespace("curl", "-sS", "--max-time", "5", "http://127.0.0.1:18150/hostname").Ok());
        Assert.Equal(hostname, Docker("run", "--rm", "busybox", "sh", "-c", $"timeout 5 wget -qO- http://{gateway}:18150/hostname").Ok());
        Assert.Equal(hostname, Docker("exec", "fw-web", "timeout", "5", "wget", "-qO-", $"http://{gateway}:18150/hostname").Ok());
        // Masquerading: far has no route back to 10.213.100.0/24 nor to the default bridge's subnet.
        Assert.Equal("far", Docker("exec", "fw-web", "timeout", "5", "wget", "-qO-", "http://10.213.102.2:8080/far").Ok());
        Assert.Equal("far", Docker("run", "--rm", "busybox", "sh", "-c", "timeout 5 wget -qO- http://10.213.102.2:8080/far").Ok());
        // Isolation: the default bridge does not reach e2e-fw's container but through its published port. (As PID 1,
        // wget would ignore timeout's SIGTERM: a shell runs it.)
        Assert.NotEqual(0, Docker("run", "--rm", "busybox", "sh", "-c", $"timeout 3 wget -qO- http://{webIp}/hostname; exit $?").ExitCode);
        Assert.True(Publishes(Rules(), 18150), Rules());
        AssertOnlyThisBackend();

        Docker("rm", "-f", "fw-web").Ok();
        Assert.False(Publishes(Rules(), 18150), Rules());
        Docker("network", "rm", "e2e-fw").Ok();
        Assert.DoesNotContain(bridge, Rules(), StringComparison.Ordinal);
    }

    [Fact]
    public void AContainerThatDiesWhileTheDaemonIsDownLeavesNoRuleAfterTheRestart()
    {
        Docker("run", "-d", "--name", "fw-dies", "-p", "127.0.0.1:18151:80", "busybox", "httpd", "-f", "-p", "80").Ok();
        var pid = Inspect("fw-dies", "{{.State.Pid}}");
        Assert.True(Publishes(Rules(), 18151), Rules());

        Assert.Equal(137, Daemon.Stop("KILL"));
        ProcessRunner.Run("kill", ["-s", "KILL", pid]).Ok();
        Poll.Until($"pid {pid} to exit", () => Directory.Exists("/proc/" + pid), exists => !exists);
        // A stopped daemon keeps its rules (as dockerd keeps its chains): live containers stay reachable.
        Assert.True(Publishes(Rules(), 18151), Rules());
        Daemon.Start();

        Assert.False(Publishes(Rules(), 18151), Rules());
        Docker("rm", "-f", "fw-dies").Ok();
        Daemon.Stop("TERM");
        Assert.False(Publishes(Rules(), 18151), Rules());
    }

    public void Dispose()
    {
        if (Daemon is { IsRunning: true } d)
        {
            var ids = Docker("ps", "-aq").Lines;
            if (ids.Count > 0)
            {
                Docker(["rm", "-f", .. ids]);
            }
            foreach (var n in Docker("network", "ls", "--filter", "type=custom", "-q").Lines)
            {
                Docker("network", "rm", n);
            }
            d.Stop("TERM");
        }
        if (_farServer is { HasExited: false })
        {
            _farServer.Kill();
            _farServer.WaitForExit();
        }
        _farServer?.Dispose();
        // The namespaces take the bridges, veths and every rule of the daemon's with them.
        foreach (var ns in new[] { Namespace, Far })
        {
            ProcessRunner.Run("ip", ["netns", "delete", ns]);
        }
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }
}

[Collection(BerthCollection.Name)]
public sealed class NftablesBackendTests() : FirewallBackendTests("nftables")
{
    protected override string Rules()
    {
        var r = InNamespace("nft", "list", "table", "ip", Daemon.FirewallTable);
        return r.ExitCode == 0 ? r.Stdout : "";
    }

    protected override bool Publishes(string rules, int hostPort) => rules.Contains($"dport {hostPort} dnat to", StringComparison.Ordinal);

    protected override void AssertOnlyThisBackend() =>
        Assert.DoesNotContain(Daemon.FirewallTable.ToUpperInvariant(), InNamespace("iptables-legacy-save").Stdout, StringComparison.Ordinal);
}

/// <summary>The fallback for hosts without nftables, forced: iptables-legacy chains jumped to from the built-in ones.</summary>
[Collection(BerthCollection.Name)]
public sealed class IptablesBackendTests() : FirewallBackendTests("iptables")
{
    protected override string Rules() => InNamespace("iptables-legacy-save").Ok();

    protected override bool Publishes(string rules, int hostPort) => rules.Contains($"--dport {hostPort} -j DNAT", StringComparison.Ordinal);

    protected override void AssertOnlyThisBackend()
    {
        var chains = Daemon.FirewallTable.ToUpperInvariant();
        var rules = Rules();
        Assert.Contains($"-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment {Daemon.FirewallTable} -j {chains}-PUBLISHED", rules, StringComparison.Ordinal);
        Assert.Contains($"-A FORWARD -m comment --comment {Daemon.FirewallTable} -j {chains}-FORWARD", rules, StringComparison.Ordinal);
        Assert.NotEqual(0, InNamespace("nft", "list", "table", "ip", Daemon.FirewallTable).ExitCode);
    }

    [Fact]
    public void AStoppedDaemonsChainsAreRemovedWhenItStartsOnNftables()
    {
        Assert.Contains($":{Daemon.FirewallTable.ToUpperInvariant()}-FORWARD", Rules(), StringComparison.Ordinal);
        Daemon.Stop("TERM");

        var nft = new BerthDaemon(Daemon.Directory, Namespace, "--firewall-backend", "nftables");
        nft.Start();
        try
        {
            Assert.DoesNotContain(Daemon.FirewallTable.ToUpperInvariant(), Rules(), StringComparison.Ordinal);
            Assert.Equal(0, InNamespace("nft", "list", "table", "ip", Daemon.FirewallTable).ExitCode);
        }
        finally
        {
            nft.Stop("TERM");
        }
    }
}

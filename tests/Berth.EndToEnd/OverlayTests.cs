using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// An overlay network between two Berth hosts: two berthd daemons, each in a network namespace of the test's own,
/// joined by a veth pair (the "physical" network 10.213.90.0/24), each running a container on the same overlay
/// network; one reaches the other by name across the VXLAN tunnel.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class OverlayTests : IDisposable
{
    private readonly string _suffix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
    private readonly string _root = Directory.CreateTempSubdirectory("berth-e2e-overlay-").FullName;
    private readonly List<BerthDaemon> _daemons = [];

    private string NamespaceA => "berth-ova-" + _suffix;

    private string NamespaceB => "berth-ovb-" + _suffix;

    public OverlayTests()
    {
        try
        {
            Ip("netns", "add", NamespaceA);
            Ip("netns", "add", NamespaceB);
            Ip("link", "add", "bova" + _suffix, "type", "veth", "peer", "name", "bovb" + _suffix);
            foreach (var (ns, link, address) in new[] { (NamespaceA, "bova" + _suffix, "10.213.90.1/24"), (NamespaceB, "bovb" + _suffix, "10.213.90.2/24") })
            {
                Ip("link", "set", link, "netns", ns);
                Ip("-n", ns, "link", "set", "lo", "up");
                Ip("-n", ns, "addr", "add", address, "dev", link);
                Ip("-n", ns, "link", "set", link, "up");
            }
            foreach (var (ns, advertise) in new[] { (NamespaceA, "10.213.90.1"), (NamespaceB, "10.213.90.2") })
            {
                var daemon = new BerthDaemon(Path.Join(_root, ns), ns, "--cluster-advertise", advertise);
                Directory.CreateDirectory(daemon.Directory);
                daemon.Start();
                _daemons.Add(daemon);
                var tar = Path.Join(daemon.Directory, "busybox.tar");
                BusyboxRootfs.WriteTar(tar);
                ProcessRunner.Run("docker", ["import", "-", "busybox:latest"], Env(daemon), tar).Ok();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static void Ip(params string[] args) => ProcessRunner.Run("ip", args).Ok();

    private Dictionary<string, string> Env(BerthDaemon d) => new() { ["DOCKER_HOST"] = d.Host, ["DOCKER_CONFIG"] = Path.Join(_root, "docker-config") };

    private CommandResult Docker(BerthDaemon d, params string[] args) => ProcessRunner.Run("docker", args, Env(d));

    [Fact]
    public void ContainersOnTwoHostsReachEachOtherByNameOverVxlan()
    {
        var (a, b) = (_daemons[0], _daemons[1]);
        Docker(a, "network", "create", "-d", "overlay", "--subnet", "10.213.91.0/24", "-o", "peers=10.213.90.2", "e2e-ov").Ok();
        Docker(b, "network", "create", "-d", "overlay", "--subnet", "10.213.91.0/24", "-o", "peers=10.213.90.1", "e2e-ov").Ok();
        Docker(b, "run", "-d", "--name", "ov-web", "--network", "e2e-ov", "--network-alias", "ov-alias", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
        HostNetwork.WaitForListener(Docker(b, "inspect", "-f", "{{.State.Pid}}", "ov-web").Ok(), "ov-web", 80);
        var hostname = Docker(b, "inspect", "-f", "{{.Config.Hostname}}", "ov-web").Ok();
        var webIp = Docker(b, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", "ov-web").Ok();

        var seen = Docker(a, "run", "--rm", "--network", "e2e-ov", "busybox", "sh", "-c",
            "ip -4 -o addr show eth0; ping -c1 -W3 ov-web >/dev/null && echo pinged; wget -qO- http://ov-alias/hostname").Ok();

        Assert.Contains("pinged", seen, StringComparison.Ordinal);
        Assert.EndsWith(hostname, seen, StringComparison.Ordinal);
        Assert.DoesNotContain($"inet {webIp}/", seen, StringComparison.Ordinal); // the hosts did not hand out one address twice
        Assert.Equal("overlay", Docker(a, "network", "inspect", "-f", "{{.Driver}}", "e2e-ov").Ok());
    }

    [Fact]
    public void AnOverlayNeedsAnAdvertisedAddressAndASubnet()
    {
        var noSubnet = Docker(_daemons[0], "network", "create", "-d", "overlay", "e2e-ov-nosubnet");

        noSubnet.ExpectExit(1);
        Assert.Contains("overlay networks need --subnet", noSubnet.Stderr, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var d in _daemons.Where(d => d.IsRunning))
        {
            var ids = Docker(d, "ps", "-aq").Lines;
            if (ids.Count > 0)
            {
                Docker(d, ["rm", "-f", .. ids]);
            }
            foreach (var n in Docker(d, "network", "ls", "--filter", "type=custom", "-q").Lines)
            {
                Docker(d, "network", "rm", n);
            }
            d.Stop("TERM");
        }
        foreach (var ns in new[] { NamespaceA, NamespaceB })
        {
            ProcessRunner.Run("ip", ["netns", "delete", ns]);
        }
        ProcessRunner.Run("ip", ["link", "delete", "bova" + _suffix]);
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

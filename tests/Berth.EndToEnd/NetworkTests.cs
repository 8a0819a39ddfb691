using System.Net.Http;
using System.Text.Json;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>
/// Docker's networking through the real docker CLI: the default bridge, user-defined networks with their own
/// subnets, published ports, connect and disconnect, macvlan on a bridge the test makes, and what is left on the
/// host afterwards (links, nftables rules). Only loopback and the subnets these tests create are used.
/// </summary>
[Collection(BerthCollection.Name)]
public sealed class NetworkTests(BerthEngine engine)
{
    /// <summary>A user-defined network for one test, removed at the end whatever happened.</summary>
    private sealed class TestNetwork : IDisposable
    {
        private readonly BerthEngine _engine;

        public TestNetwork(BerthEngine engine, string name, params string[] options)
        {
            _engine = engine;
            Name = name;
            engine.Docker(["network", "create", .. options, name]).Ok();
            Bridge = engine.Inspect(name, "{{.Id}}") is var id && id.Length >= 12 ? "br-" + id[..12] : "";
        }

        public string Name { get; }

        public string Bridge { get; }

        public void Dispose() => _engine.Docker("network", "rm", Name);
    }

    private void Remove(params string[] containers) => engine.Docker(["rm", "-f", .. containers]);

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AFreshDaemonHasBridgeHostAndNone(string client)
    {
        var networks = engine.Cli(client, "network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}").Lines;

        Assert.Contains("bridge bridge local", networks);
        Assert.Contains("host host local", networks);
        Assert.Contains("none null local", networks);
    }

    [Fact]
    public void TheDefaultBridgeShowsItsSubnetGatewayAndOptions()
    {
        var shown = engine.Inspect("bridge", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}|{{index .Options \"com.docker.network.bridge.name\"}}|{{index .Options \"com.docker.network.bridge.default_bridge\"}}");
        var (pool, bridge, isDefault) = shown.Split('|') switch { var f => (f[0], f[1], f[2]) };

        Assert.Matches(@"^\d+\.\d+\.\d+\.0/\d+ \d+\.\d+\.\d+\.1$", pool);
        Assert.Equal((engine.Daemon.DefaultBridge, "true"), (bridge, isDefault));
        var gateway = pool.Split(' ')[1];
        Assert.Contains($"inet {gateway}/", ProcessRunner.Run("ip", ["-4", "-o", "addr", "show", "dev", bridge]).Ok(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AContainerOnTheDefaultBridgeGetsEth0AnAddressAndADefaultRoute(string client)
    {
        var gateway = engine.Inspect("bridge", "{{range .IPAM.Config}}{{.Gateway}}{{end}}");

        var seen = engine.Cli(client, "run", "--rm", "busybox", "sh", "-c", "ip -4 -o addr show eth0; ip route; ping -c1 -W2 " + gateway + " >/dev/null && echo gateway answers").Ok();

        Assert.Matches(@"eth0\s+inet \d+\.\d+\.\d+\.\d+/\d+", seen);
        Assert.Contains($"default via {gateway} dev eth0", seen, StringComparison.Ordinal);
        Assert.Contains("gateway answers", seen, StringComparison.Ordinal);
    }

    [Fact]
    public void InspectShowsTheAddressWhileRunningAndNoneAfter()
    {
        engine.Docker("run", "-d", "--name", "net-inspect", "busybox", "sleep", "60").Ok();
        try
        {
            var (ip, mac, gw) = engine.Inspect("net-inspect", "{{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.Networks.bridge.MacAddress}} {{.NetworkSettings.Gateway}}").Split(' ') switch { var f => (f[0], f[1], f[2]) };
            var inside = engine.Docker("exec", "net-inspect", "ip", "-o", "link", "show", "eth0").Ok();

            Assert.Matches(@"^\d+\.\d+\.\d+\.\d+$", ip);
            Assert.Contains(mac, inside, StringComparison.Ordinal);
            Assert.StartsWith("02:42:", mac, StringComparison.Ordinal);
            Assert.Equal(engine.Inspect("bridge", "{{range .IPAM.Config}}{{.Gateway}}{{end}}"), gw);
            Assert.Contains("\"Name\":\"net-inspect\"", engine.Docker("network", "inspect", "-f", "{{json .Containers}}", "bridge").Ok(), StringComparison.Ordinal);
            var veth = HostNetwork.VethOf(engine, "net-inspect");
            Assert.Contains(veth, HostNetwork.PortsOf(engine.Daemon.DefaultBridge));

            engine.Docker("stop", "-t", "0", "net-inspect").Ok();

            Assert.Equal("", engine.Inspect("net-inspect", "{{.NetworkSettings.Networks.bridge.IPAddress}}"));
            // The veth goes with the container's namespace, or by the daemon in the background: shortly.
            Poll.Until($"the veth {veth} to go", () => HostNetwork.LinkExists(veth), exists => !exists);
        }
        finally
        {
            Remove("net-inspect");
        }
    }

    [Fact]
    public void ContainersOnAUserNetworkReachEachOther()
    {
        using var net = new TestNetwork(engine, "e2e-reach", "--subnet", "10.213.70.0/24", "--gateway", "10.213.70.1");
        engine.Docker("run", "-d", "--name", "reach-web", "--network", net.Name, "--ip", "10.213.70.50", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
        try
        {
            HostNetwork.WaitForListener(engine, "reach-web", 80);
            var page = engine.Docker("run", "--rm", "--network", net.Name, "busybox", "wget", "-qO-", "http://10.213.70.50/hostname").Ok();

            Assert.Equal(engine.Inspect("reach-web", "{{.Config.Hostname}}"), page);
            Assert.Equal("10.213.70.50", engine.Inspect("reach-web", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"));
            Assert.True(HostNetwork.LinkExists(net.Bridge), $"bridge {net.Bridge} of the network");
        }
        finally
        {
            Remove("reach-web");
        }
    }

    [Fact]
    public void NetworksAreIsolatedFromEachOther()
    {
        using var a = new TestNetwork(engine, "e2e-iso-a", "--subnet", "10.213.71.0/24");
        using var b = new TestNetwork(engine, "e2e-iso-b", "--subnet", "10.213.72.0/24");
        engine.Docker("run", "-d", "--name", "iso-web", "--network", a.Name, "--ip", "10.213.71.9", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
        try
        {
            // Listening, so that the refusal below is the networks' isolation and not a server not yet up.
            HostNetwork.WaitForListener(engine, "iso-web", 80);
            var run = engine.Docker("run", "--rm", "--network", b.Name, "busybox", "sh", "-c", "timeout 3 wget -qO- http://10.213.71.9/hostname; exit $?");

            Assert.NotEqual(0, run.ExitCode);
        }
        finally
        {
            Remove("iso-web");
        }
    }

    [Fact]
    public void AnInternalNetworkHasNoWayOut()
    {
        using var net = new TestNetwork(engine, "e2e-internal", "--internal", "--subnet", "10.213.73.0/24");

        var routes = engine.Docker("run", "--rm", "--network", net.Name, "busybox", "ip", "route").Ok();

        Assert.DoesNotContain("default", routes, StringComparison.Ordinal);
        Assert.Equal("true", engine.Inspect(net.Name, "{{.Internal}}"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public async Task APublishedPortAnswersOnLoopbackFromOtherContainersAndItself(string client)
    {
        var name = "published-" + client;
        engine.Cli(client, "run", "-d", "--name", name, "-p", "127.0.0.1::80", "-p", "0.0.0.0::80", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
        try
        {
            HostNetwork.WaitForListener(engine, name, 80);
            var ports = engine.Inspect(name, "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostIp}}:{{.HostPort}} {{end}}{{end}}").Split(' ');
            Assert.Equal(3, ports.Length);
            var loopback = ports.Single(p => p.StartsWith("127.0.0.1:", StringComparison.Ordinal));
            var any = ports.Single(p => p.StartsWith("0.0.0.0:", StringComparison.Ordinal)).Split(':')[1];
            var hostname = engine.Inspect(name, "{{.Config.Hostname}}");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

            Assert.Equal(hostname + "\n", await http.GetStringAsync($"http://{loopback}/hostname"));
            Assert.Equal(hostname + "\n", await http.GetStringAsync($"http://127.0.0.1:{any}/hostname"));
            // The host's IPv6 loopback goes through the userland proxy, as with dockerd.
            Assert.Equal(hostname + "\n", await http.GetStringAsync($"http://[::1]:{any}/hostname"));
            Assert.Contains($"80/tcp -> [::]:{any}", engine.Cli(client, "port", name).Ok(), StringComparison.Ordinal);
            var gateway = engine.Inspect("bridge", "{{range .IPAM.Config}}{{.Gateway}}{{end}}");
            Assert.Equal(hostname, engine.Docker("run", "--rm", "busybox", "sh", "-c", $"timeout 5 wget -qO- http://{gateway}:{any}/hostname").Ok());
            Assert.Equal(hostname, engine.Docker("exec", name, "sh", "-c", $"timeout 5 wget -qO- http://{gateway}:{any}/hostname").Ok());
            Assert.Contains($"dport {any}", HostNetwork.Table(engine.Daemon), StringComparison.Ordinal);
            Assert.Contains($"80/tcp -> 127.0.0.1:{loopback.Split(':')[1]}", engine.Cli(client, "port", name).Ok(), StringComparison.Ordinal);
        }
        finally
        {
            Remove(name);
        }
        Assert.DoesNotContain("dnat to", HostNetwork.Table(engine.Daemon), StringComparison.Ordinal);
    }

    [Fact]
    public void AHostPortInUseIsRefusedAndNothingIsLeft()
    {
        engine.Docker("run", "-d", "--name", "port-holder", "-p", "127.0.0.1:18089:80", "busybox", "sleep", "60").Ok();
        var holder = HostNetwork.VethOf(engine, "port-holder");
        try
        {
            var before = HostNetwork.PortsOf(engine.Daemon.DefaultBridge).ToHashSet();
            var run = engine.Docker("run", "-d", "--name", "port-taker", "-p", "127.0.0.1:18089:80", "busybox", "sleep", "60");

            run.ExpectExit(125);
            // The whole answer in the failure message: a start that failed for another reason must say which.
            Assert.True(run.Stderr.Contains("port is already allocated", StringComparison.Ordinal), run.ToString());
            Assert.Equal("created", engine.Inspect("port-taker", "{{.State.Status}}"));
            // The refused container's veth goes (no link appeared to stay); the holder's stays.
            Poll.Until("the refused container's veth to go", () => HostNetwork.PortsOf(engine.Daemon.DefaultBridge), ports => ports.All(before.Contains));
            Assert.Contains(holder, HostNetwork.PortsOf(engine.Daemon.DefaultBridge));
        }
        finally
        {
            Remove("port-holder", "port-taker");
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ConnectAndDisconnectARunningContainer(string client)
    {
        using var net = new TestNetwork(engine, "e2e-connect-" + client, "--subnet", "10.213.74.0/24");
        engine.Docker("run", "-d", "--name", "hopper", "busybox", "sleep", "60").Ok();
        try
        {
            engine.Cli(client, "network", "connect", "--ip", "10.213.74.20", "--alias", "hop", net.Name, "hopper").Ok();

            Assert.Contains("inet 10.213.74.20/24", engine.Docker("exec", "hopper", "ip", "-4", "-o", "addr", "show", "eth1").Ok(), StringComparison.Ordinal);
            Assert.Contains("hop", engine.Inspect("hopper", "{{json .NetworkSettings.Networks}}"), StringComparison.Ordinal);
            var rm = engine.Cli(client, "network", "rm", net.Name);
            rm.ExpectExit(1);
            Assert.Contains("has active endpoints", rm.Stderr, StringComparison.Ordinal);

            engine.Cli(client, "network", "disconnect", net.Name, "hopper").Ok();

            Assert.NotEqual(0, engine.Docker("exec", "hopper", "ip", "link", "show", "eth1").ExitCode);
            Assert.Empty(HostNetwork.PortsOf(net.Bridge));
        }
        finally
        {
            Remove("hopper");
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void HostnameAddHostAndDnsGoWhereDockerPutsThem(string client)
    {
        using var net = new TestNetwork(engine, "e2e-etc-" + client, "--subnet", "10.213.75.0/24");
        var seen = engine.Cli(client, "run", "--rm", "--network", net.Name, "--hostname", "web1", "--add-host", "db.local:10.9.8.7", "--add-host", "gw.local:host-gateway",
            "--dns-search", "example.test", "--ip", "10.213.75.33",
            "busybox", "sh", "-c", "cat /etc/hosts /etc/resolv.conf").Ok();

        Assert.Contains("10.9.8.7\tdb.local", seen, StringComparison.Ordinal);
        Assert.Contains(engine.Inspect("bridge", "{{range .IPAM.Config}}{{.Gateway}}{{end}}") + "\tgw.local", seen, StringComparison.Ordinal);
        Assert.Contains("10.213.75.33\tweb1", seen, StringComparison.Ordinal);
        Assert.Contains("nameserver 127.0.0.11", seen, StringComparison.Ordinal);
        Assert.Contains("search example.test", seen, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker", "10.213.83")]
    [InlineData("berth", "10.213.84")]
    public void OnAUserNetworkContainersFindEachOtherByNameAndAlias(string client, string prefix)
    {
        using var net = new TestNetwork(engine, "e2e-dns-" + client, "--subnet", prefix + ".0/24");
        var web = "dns-web-" + client;
        engine.Cli(client, "run", "-d", "--name", web, "--network", net.Name, "--network-alias", "store-" + client, "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
        try
        {
            HostNetwork.WaitForListener(engine, web, 80);
            var hostname = engine.Inspect(web, "{{.Config.Hostname}}");

            var seen = engine.Cli(client, "run", "--rm", "--network", net.Name, "busybox", "sh", "-c",
                $"wget -qO- http://{web}/hostname; wget -qO- http://STORE-{client}/hostname; wget -qO- http://{web}.{net.Name}/hostname; nslookup {prefix}.2 127.0.0.11").Ok();

            Assert.Equal(3, seen.Split('\n').Count(l => l == hostname));
            Assert.Contains($"{web}.{net.Name}", seen, StringComparison.Ordinal);
        }
        finally
        {
            Remove(web);
        }
    }

    [Fact]
    public void TheDefaultBridgeUsesTheHostsResolversOrDns()
    {
        var seen = engine.Docker("run", "--rm", "--dns", "10.213.76.53", "busybox", "cat", "/etc/resolv.conf").Ok();

        Assert.Contains("nameserver 10.213.76.53", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.11", seen, StringComparison.Ordinal);
    }

    [Fact]
    public void ContainerModeSharesTheOtherContainersInterfaces()
    {
        engine.Docker("run", "-d", "--name", "net-owner", "busybox", "sleep", "60").Ok();
        try
        {
            var ip = engine.Inspect("net-owner", "{{.NetworkSettings.Networks.bridge.IPAddress}}");

            var seen = engine.Docker("run", "--rm", "--network", "container:net-owner", "busybox", "ip", "-4", "-o", "addr", "show", "eth0").Ok();

            Assert.Contains($"inet {ip}/", seen, StringComparison.Ordinal);
        }
        finally
        {
            Remove("net-owner");
        }
    }

    [Fact]
    public void MacvlanContainersOnABridgeParentReachEachOther()
    {
        const string parent = "bmvtest0";
        ProcessRunner.Run("ip", ["link", "add", parent, "type", "bridge"]).Ok();
        ProcessRunner.Run("ip", ["link", "set", parent, "up"]).Ok();
        try
        {
            using var net = new TestNetwork(engine, "e2e-macvlan", "-d", "macvlan", "-o", "parent=" + parent, "--subnet", "10.213.77.0/24");
            engine.Docker("run", "-d", "--name", "mv-web", "--network", net.Name, "--ip", "10.213.77.10", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
            try
            {
                HostNetwork.WaitForListener(engine, "mv-web", 80);
                var page = engine.Docker("run", "--rm", "--network", net.Name, "busybox", "sh", "-c", "timeout 5 wget -qO- http://10.213.77.10/hostname").Ok();

                Assert.Equal(engine.Inspect("mv-web", "{{.Config.Hostname}}"), page);
                Assert.Equal("macvlan", engine.Inspect(net.Name, "{{.Driver}}"));
            }
            finally
            {
                Remove("mv-web");
            }
        }
        finally
        {
            ProcessRunner.Run("ip", ["link", "delete", parent]);
        }
    }

    /// <summary>The mode is the kernel's (read with the host's <c>ip -d link</c> in the container's namespace);
    /// private also keeps the children of one parent from talking to each other, whatever the parent does.</summary>
    [Theory]
    [InlineData("private")]
    [InlineData("vepa")]
    [InlineData("passthru")]
    public void MacvlanModesAreTheKernelsModes(string mode)
    {
        var parent = "bmv" + mode[..4];
        ProcessRunner.Run("ip", ["link", "add", parent, "type", "bridge"]).Ok();
        ProcessRunner.Run("ip", ["link", "set", parent, "up"]).Ok();
        try
        {
            using var net = new TestNetwork(engine, "e2e-macvlan-" + mode, "-d", "macvlan", "-o", "parent=" + parent, "-o", "macvlan_mode=" + mode, "--subnet", "10.213.86.0/24");
            var name = "mv-" + mode;
            engine.Docker("run", "-d", "--name", name, "--network", net.Name, "--ip", "10.213.86.10", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
            try
            {
                HostNetwork.WaitForListener(engine, name, 80);
                var pid = engine.Inspect(name, "{{.State.Pid}}");
                var link = ProcessRunner.Run("nsenter", ["-t", pid, "-n", "ip", "-d", "link", "show", "eth0"]).Ok();

                Assert.Contains($"macvlan mode {mode} ", link, StringComparison.Ordinal);
                Assert.Contains("10.213.86.10", engine.Docker("exec", name, "ip", "-4", "-o", "addr", "show", "eth0").Ok(), StringComparison.Ordinal);
                if (mode == "private")
                {
                    var run = engine.Docker("run", "--rm", "--network", net.Name, "busybox", "sh", "-c", "timeout 3 wget -qO- http://10.213.86.10/hostname; exit $?");
                    Assert.NotEqual(0, run.ExitCode);
                }
            }
            finally
            {
                Remove(name);
            }
        }
        finally
        {
            ProcessRunner.Run("ip", ["link", "delete", parent]);
        }
    }

    [Fact]
    public void IpvlanOnThisKernelFailsClearlyAndLeavesNothing()
    {
        const string parent = "bipvtest0";
        ProcessRunner.Run("ip", ["link", "add", parent, "type", "bridge"]).Ok();
        try
        {
            var before = HostNetwork.Links().Select(l => l.Name).ToHashSet();
            var create = engine.Docker("network", "create", "-d", "ipvlan", "-o", "parent=" + parent, "--subnet", "10.213.78.0/24", "e2e-ipvlan");

            if (create.ExitCode == 0)
            {
                // A kernel with the ipvlan link type makes the network; this test is for one without it.
                engine.Docker("network", "rm", "e2e-ipvlan").Ok();
                return;
            }
            Assert.Contains("ipvlan", create.Stderr, StringComparison.Ordinal);
            Assert.Contains("module", create.Stderr, StringComparison.Ordinal);
            Assert.Equal(before, HostNetwork.Links().Select(l => l.Name).ToHashSet());
            Assert.DoesNotContain("e2e-ipvlan", engine.Docker("network", "ls", "--format", "{{.Name}}").Lines);
        }
        finally
        {
            ProcessRunner.Run("ip", ["link", "delete", parent]);
        }
    }

    [Theory]
    [InlineData("docker", new[] { "--subnet", "10.213.79.0/33" }, "invalid CIDR address: 10.213.79.0/33")]
    [InlineData("docker", new[] { "--subnet", "10.213.79.0/24", "--gateway", "10.213.80.1" }, "no matching subnet for gateway 10.213.80.1")]
    [InlineData("docker", new[] { "--subnet", "10.213.79.0/24", "--ip-range", "10.213.80.0/25" }, "no matching subnet for range 10.213.80.0/25")]
    [InlineData("docker", new[] { "-d", "nosuchdriver" }, "plugin \"nosuchdriver\" not found")]
    [InlineData("docker", new[] { "-d", "host" }, "only one instance of \"host\" network is allowed")]
    [InlineData("docker", new[] { "-d", "macvlan", "-o", "parent=nosuchlink0" }, "-o parent interface was not found on the host: nosuchlink0")]
    [InlineData("berth", new[] { "--subnet", "10.213.79.0/24", "--gateway", "10.213.80.1" }, "no matching subnet for gateway 10.213.80.1")]
    [InlineData("berth", new[] { "-d", "nosuchdriver" }, "plugin \"nosuchdriver\" not found")]
    [InlineData("berth", new[] { "--subnet", "10.213.79.0/24", "--ipv6" }, "IPv6")]
    public void BadNetworkRequestsAreRefusedWithDockersWords(string client, string[] options, string message)
    {
        var before = HostNetwork.Links().Count;
        var records = Directory.GetFiles(Path.Join(engine.Daemon.DataRoot, "network")).Length;

        var create = engine.Cli(client, ["network", "create", .. options, "e2e-bad"]);

        create.ExpectExit(1);
        Assert.Contains(message, create.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, HostNetwork.Links().Count);
        Assert.DoesNotContain("e2e-bad", engine.Docker("network", "ls", "--format", "{{.Name}}").Lines);
        Assert.Equal(records, Directory.GetFiles(Path.Join(engine.Daemon.DataRoot, "network")).Length);
    }

    [Fact]
    public void OverlappingSubnetsAndDuplicateNamesAreRefused()
    {
        using var net = new TestNetwork(engine, "e2e-dup", "--subnet", "10.213.81.0/24");

        var overlap = engine.Docker("network", "create", "--subnet", "10.213.81.128/25", "e2e-overlap");
        var duplicate = engine.Docker("network", "create", "e2e-dup");

        overlap.ExpectExit(1);
        Assert.Contains("Pool overlaps with other one on this address space", overlap.Stderr, StringComparison.Ordinal);
        duplicate.ExpectExit(1);
        Assert.Contains("network with name e2e-dup already exists", duplicate.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void RemovingANetworkRemovesItsBridgeAndPruneTakesTheUnused(string client)
    {
        engine.Cli(client, "network", "create", "--label", "e2e-prune=1", "e2e-prune").Ok();
        var bridge = "br-" + engine.Inspect("e2e-prune", "{{.Id}}")[..12];
        Assert.True(HostNetwork.LinkExists(bridge));

        var pruned = engine.Cli(client, "network", "prune", "-f", "--filter", "label=e2e-prune=1").Ok();

        Assert.Contains("e2e-prune", pruned, StringComparison.Ordinal);
        Assert.False(HostNetwork.LinkExists(bridge), $"bridge {bridge} left after prune");
        Assert.DoesNotContain($"\"{bridge}\"", HostNetwork.Table(engine.Daemon), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddressesAndPublishedPortsSurviveADaemonRestart()
    {
        using var net = new TestNetwork(engine, "e2e-restart", "--subnet", "10.213.82.0/24");
        engine.Docker("run", "-d", "--name", "net-survivor", "--network", net.Name, "-p", "127.0.0.1:18090:80", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc").Ok();
        try
        {
            var ip = engine.Inspect("net-survivor", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}");
            Assert.Equal(0, engine.Daemon.Stop("KILL") - 137);
            engine.Daemon.Start();

            Assert.Contains("dport 18090", HostNetwork.Table(engine.Daemon), StringComparison.Ordinal);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            Assert.Equal(engine.Inspect("net-survivor", "{{.Config.Hostname}}") + "\n", await http.GetStringAsync("http://127.0.0.1:18090/hostname"));
            // The restarted daemon knows the address is taken.
            var clash = engine.Docker("run", "--rm", "--network", net.Name, "--ip", ip, "busybox", "true");
            Assert.NotEqual(0, clash.ExitCode);
        }
        finally
        {
            Remove("net-survivor");
        }
        Assert.DoesNotContain("18090", HostNetwork.Table(engine.Daemon), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public async Task PublishAllRangesAndUdpAreBoundAsAsked(string client)
    {
        var name = "publish-all-" + client;
        var image = "exposes-" + client + ":1";
        engine.CliWithStdin("docker", engine.BusyboxTar, "import", "-c", "EXPOSE 80/tcp 53/udp", "-", image).Ok();
        engine.Cli(client, "run", "-d", "--name", name, "-P", "-p", "127.0.0.1:18100-18110:8080", "-p", "127.0.0.1:18120:5353/udp", image,
            "sh", "-c", "httpd -p 8080 -h /etc; sleep 60").Ok();
        try
        {
            var ports = engine.Cli(client, "port", name).Lines;

            Assert.Contains(ports, p => p.StartsWith("80/tcp -> 0.0.0.0:", StringComparison.Ordinal));
            Assert.Contains(ports, p => p.StartsWith("53/udp -> 0.0.0.0:", StringComparison.Ordinal));
            Assert.Contains("8080/tcp -> 127.0.0.1:18100", ports);
            Assert.Contains("5353/udp -> 127.0.0.1:18120", ports);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var page = await Poll.UntilAsync("httpd behind 127.0.0.1:18100", async () =>
            {
                try
                {
                    return await http.GetStringAsync("http://127.0.0.1:18100/hostname");
                }
                catch (HttpRequestException)
                {
                    return "";
                }
            }, p => p.Length > 0);
            Assert.Equal(engine.Inspect(name, "{{.Config.Hostname}}") + "\n", page);
            // This busybox has no UDP server to answer through the port; the rule is what carries it.
            Assert.Matches(@"ip daddr 127\.0\.0\.1 udp dport 18120 dnat to \d+\.\d+\.\d+\.\d+:5353", HostNetwork.Table(engine.Daemon));
        }
        finally
        {
            Remove(name);
            engine.Docker("rmi", image);
        }
    }

    [Fact]
    public void RunEmitsNetworkConnectAndDisconnectEvents()
    {
        var since = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var id = engine.Docker("run", "-d", "busybox", "true").Ok();
        engine.Docker("wait", id).Ok();
        Poll.Until("the container's network disconnect", () => engine.Docker("events", "--since", since, "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--filter", "type=network", "--format", "{{.Action}} {{.Actor.Attributes.container}} {{.Actor.Attributes.name}}").Lines,
            lines => lines.Contains($"disconnect {id} bridge"));
        Remove(id);
    }

    [Fact]
    public void AContainerThatDiesWhileTheDaemonIsDownLeavesNoRuleNoAddressAndNoVeth()
    {
        using var net = new TestNetwork(engine, "e2e-crash", "--subnet", "10.213.85.0/24");
        engine.Docker("run", "-d", "--name", "net-dies", "--network", net.Name, "--ip", "10.213.85.5", "-p", "127.0.0.1:18130:80", "busybox", "httpd", "-f", "-p", "80").Ok();
        var pid = engine.Inspect("net-dies", "{{.State.Pid}}");
        try
        {
            Assert.Equal(137, engine.Daemon.Stop("KILL"));
            ProcessRunner.Run("kill", ["-s", "KILL", pid]).Ok();
            Poll.Until($"pid {pid} to exit", () => Directory.Exists("/proc/" + pid), exists => !exists);
            engine.Daemon.Start();

            Assert.DoesNotContain("18130", HostNetwork.Table(engine.Daemon), StringComparison.Ordinal);
            Poll.Until("the dead container's veth to go", () => HostNetwork.PortsOf(net.Bridge), ports => ports.Count == 0);
            Assert.Equal("", engine.Inspect("net-dies", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"));
            // Its fixed address is free again: another container takes it.
            Assert.Equal("10.213.85.5", engine.Docker("run", "--rm", "--network", net.Name, "--ip", "10.213.85.5", "busybox", "sh", "-c", "ip -4 -o addr show eth0 | sed 's/.*inet \\([0-9.]*\\).*/\\1/'").Ok());
        }
        finally
        {
            Remove("net-dies");
        }
    }

    [Theory]
    [InlineData("docker", "", "02:42:ac:11:99:01", "02:42:ac:11:99:01")]
    [InlineData("docker", "e2e-mac-docker", "02:42:ac:11:99:02", "02:42:ac:11:99:02")]
    [InlineData("berth", "", "02:42:ac:11:99:03", "02:42:ac:11:99:03")]
    [InlineData("berth", "e2e-mac-berth", "02:42:ac:11:99:04", "02:42:ac:11:99:04")]
    // Every form Go's net.ParseMAC reads for six octets: dashes, dots, either case.
    [InlineData("docker", "", "02-42-AC-11-99-0B", "02:42:ac:11:99:0b")]
    [InlineData("docker", "e2e-mac-docker", "0242.ac11.990c", "02:42:ac:11:99:0c")]
    [InlineData("berth", "", "0242.AC11.990D", "02:42:ac:11:99:0d")]
    [InlineData("berth", "e2e-mac-berth", "02-42-ac-11-99-0e", "02:42:ac:11:99:0e")]
    public void RunMacAddressSetsEth0sAddressOnTheNetworkItJoins(string client, string network, string given, string mac)
    {
        using var net = network.Length > 0 ? new TestNetwork(engine, network) : null;
        var name = "mac-" + client + (net is null ? "-bridge" : "-user");
        string[] joins = net is null ? [] : ["--network", net.Name];
        engine.Cli(client, ["run", "-d", "--name", name, "--mac-address", given, .. joins, "busybox", "sleep", "60"]).Ok();
        try
        {
            var inside = engine.Docker("exec", name, "ip", "-o", "link", "show", "eth0").Ok();
            var shown = engine.Inspect(name, $"{{{{(index .NetworkSettings.Networks \"{net?.Name ?? "bridge"}\").MacAddress}}}} {{{{.Config.MacAddress}}}}");

            Assert.Contains("link/ether " + mac + " ", inside, StringComparison.Ordinal);
            // compat(docker): the endpoint shows the MAC as Go writes it; Config.MacAddress still shows the primary
            // network's MAC as it was asked for (dockerd's DesiredMacAddress), per endpoint at API 1.44.
            Assert.Equal($"{mac} {given}", shown);
        }
        finally
        {
            Remove(name);
        }
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ABadMacAddressIsRefusedByTheClientAndNothingIsCreated(string client)
    {
        var before = engine.Docker("ps", "-aq").Lines.Count;

        var run = engine.Cli(client, "run", "--name", "mac-bad-" + client, "--mac-address", "02:42:ac:11:99", "busybox", "true");

        run.ExpectExit(125);
        Assert.Contains("02:42:ac:11:99 is not a valid mac address", run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, engine.Docker("ps", "-aq").Lines.Count);
    }

    public static TheoryData<string, string, string, string> BadMacBodies => new()
    {
        // row, path, body, message: dockerd names the network in either case
        { "per endpoint at 1.44", "/v1.44/containers/create", """{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"default":{"MacAddress":"zz:42"}}}}""",
            "invalid config for network bridge: invalid MAC address zz:42" },
        { "container-wide at 1.44", "/v1.44/containers/create", """{"Image":"busybox","MacAddress":"zz:42"}""", "invalid config for network bridge: invalid MAC address zz:42" },
        { "container-wide at 1.41", "/v1.41/containers/create", """{"Image":"busybox","MacAddress":"zz:42"}""", "invalid config for network bridge: invalid MAC address zz:42" },
        // compat(docker): Go reads 8 and 20 octets too and dockerd takes them (the kernel then sets the first six on
        // the veth); berthd refuses what is no Ethernet address.
        { "eight octets", "/v1.44/containers/create", """{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"default":{"MacAddress":"02:42:ac:11:99:05:00:01"}}}}""",
            "invalid config for network bridge: invalid MAC address 02:42:ac:11:99:05:00:01: an Ethernet address has 6 octets, not 8" },
    };

    [Theory]
    [MemberData(nameof(BadMacBodies))]
    public async Task ABadMacAddressIsRefusedByTheDaemonWithDockersWords(string row, string path, string body, string message)
    {
        var before = engine.Docker("ps", "-aq").Lines.Count;

        var response = await engine.Api.PostJsonAsync(path + "?name=mac-bad-api", body);

        Assert.True(response.Status == 400, $"{row}: {response}");
        Assert.Equal(message, Message(response));
        Assert.Equal(before, engine.Docker("ps", "-aq").Lines.Count);
    }

    [Fact]
    public async Task TheContainerWideMacAddressIsDeprecatedAt144AndStillApplied()
    {
        try
        {
            var old = await engine.Api.PostJsonAsync("/v1.42/containers/create?name=mac-api-142", """{"Image":"busybox","Cmd":["sleep","60"],"MacAddress":"02:42:ac:11:99:06"}""");
            var current = await engine.Api.PostJsonAsync("/v1.44/containers/create?name=mac-api-144", """{"Image":"busybox","Cmd":["sleep","60"],"MacAddress":"02:42:ac:11:99:07"}""");
            var mismatch = await engine.Api.PostJsonAsync("/v1.44/containers/create?name=mac-api-mismatch",
                """{"Image":"busybox","MacAddress":"02:42:ac:11:99:08","NetworkingConfig":{"EndpointsConfig":{"default":{"MacAddress":"02:42:ac:11:99:09"}}}}""");

            Assert.Equal((201, 201, 400), (old.Status, current.Status, mismatch.Status));
            Assert.Equal([], Warnings(old));
            Assert.Equal(["The container-wide MacAddress field is now deprecated. It should be specified in EndpointsConfig instead."], Warnings(current));
            Assert.Equal("the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty", Message(mismatch));
            engine.Docker("start", "mac-api-142", "mac-api-144").Ok();
            Assert.Contains("link/ether 02:42:ac:11:99:06 ", engine.Docker("exec", "mac-api-142", "ip", "-o", "link", "show", "eth0").Ok(), StringComparison.Ordinal);
            Assert.Contains("link/ether 02:42:ac:11:99:07 ", engine.Docker("exec", "mac-api-144", "ip", "-o", "link", "show", "eth0").Ok(), StringComparison.Ordinal);
        }
        finally
        {
            Remove("mac-api-142", "mac-api-144", "mac-api-mismatch");
        }
    }

    [Fact]
    public async Task NetworkConnectTakesAMacAddressPerEndpoint()
    {
        // compat(docker): the docker CLI 28 has no network connect --mac-address; the API has had it since 1.44.
        using var net = new TestNetwork(engine, "e2e-mac-connect");
        engine.Docker("run", "-d", "--name", "mac-connect", "busybox", "sleep", "60").Ok();
        try
        {
            var bad = await engine.Api.PostJsonAsync($"/v1.44/networks/{net.Name}/connect", """{"Container":"mac-connect","EndpointConfig":{"MacAddress":"02:42"}}""");
            var twenty = await engine.Api.PostJsonAsync($"/v1.44/networks/{net.Name}/connect",
                """{"Container":"mac-connect","EndpointConfig":{"MacAddress":"0000.0000.fe80.0000.0000.0000.0200.5e10.0000.0001"}}""");
            // Dashes and upper case, as Go's net.ParseMAC reads them; shown as Go writes them.
            var good = await engine.Api.PostJsonAsync($"/v1.44/networks/{net.Name}/connect", """{"Container":"mac-connect","EndpointConfig":{"MacAddress":"02-42-AC-11-99-0A"}}""");

            Assert.Equal((400, "invalid MAC address 02:42"), (bad.Status, Message(bad)));
            Assert.Equal((400, "invalid MAC address 0000.0000.fe80.0000.0000.0000.0200.5e10.0000.0001: an Ethernet address has 6 octets, not 20"), (twenty.Status, Message(twenty)));
            Assert.Equal(200, good.Status);
            Assert.Contains("link/ether 02:42:ac:11:99:0a ", engine.Docker("exec", "mac-connect", "ip", "-o", "link", "show", "eth1").Ok(), StringComparison.Ordinal);
            Assert.Equal("02:42:ac:11:99:0a", engine.Inspect("mac-connect", $"{{{{(index .NetworkSettings.Networks \"{net.Name}\").MacAddress}}}}"));
        }
        finally
        {
            Remove("mac-connect");
        }
    }

    private static string Message(ApiResponse response)
    {
        using var body = JsonDocument.Parse(response.Body);
        return body.RootElement.GetProperty("message").GetString() ?? "";
    }

    private static List<string> Warnings(ApiResponse response)
    {
        using var body = JsonDocument.Parse(response.Body);
        return [.. body.RootElement.GetProperty("Warnings").EnumerateArray().Select(w => w.GetString() ?? "")];
    }
}

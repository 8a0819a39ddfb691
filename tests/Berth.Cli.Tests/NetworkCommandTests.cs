namespace Berth.Cli.Tests;

/// <summary>
/// <c>berth network ...</c> and <c>berth port</c> against a stand-in daemon: request bodies byte for byte and
/// outputs as the docker CLI's in docker-api-traffic/network-*.txt, inspect-network.txt and port.txt (the other
/// rows were checked against docker 28.2.2 talking to the same stand-in).
/// </summary>
public sealed class NetworkCommandTests
{
    private const string RecNetId = "23880478d8d90b59481888bc225406ad95f874071425cc844861d953e5828c95";

    // network-ls.txt
    private const string NetworkList = """[{"Name":"bridge","Id":"6e84ea07bf833556530c8620891818dc865ec0a1919888f90824baafb8bef5cb","Created":"2026-11-25T11:47:46.361170502Z","Scope":"local","Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"172.17.0.0/16"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{"com.docker.network.bridge.default_bridge":"true","com.docker.network.bridge.enable_icc":"true","com.docker.network.bridge.enable_ip_masquerade":"true","com.docker.network.bridge.host_binding_ipv4":"0.0.0.0","com.docker.network.bridge.name":"docker0","com.docker.network.driver.mtu":"1500"},"Labels":{}},{"Name":"rec-net","Id":"23880478d8d90b59481888bc225406ad95f874071425cc844861d953e5828c95","Created":"2026-11-25T11:52:46.496372918Z","Scope":"local","Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.213.77.0/24","Gateway":"10.213.77.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{"rec":"1"}},{"Name":"none","Id":"b75db902e6008af92a890da37b83206c4bb7eaedce7ae43fd9be7266b683d85d","Created":"2026-11-25T11:47:46.332566678Z","Scope":"local","Driver":"null","EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{}},{"Name":"host","Id":"7aa23769f795c7aee46a2ec12bad850fe0d31514324cfd05e3c730d1d471ff56","Created":"2026-11-25T11:47:46.342016108Z","Scope":"local","Driver":"host","EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{}}]""";

    // inspect-network.txt
    private const string RecNet = """{"Name":"rec-net","Id":"23880478d8d90b59481888bc225406ad95f874071425cc844861d953e5828c95","Created":"2026-11-25T11:52:46.496372918Z","Scope":"local","Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.213.77.0/24","Gateway":"10.213.77.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{"d10605c95c522c0efa2f9ca3db545ba15e9b5233ff333e49a8cb6067d12c906f":{"Name":"rec-web","EndpointID":"d2c78959cfe898bfbf47737beddb9d330e215bd9bbf134e3f3aa2b5882190a06","MacAddress":"02:42:0a:d5:4d:02","IPv4Address":"10.213.77.2/24","IPv6Address":""}},"Options":{},"Labels":{"rec":"1"}}""";

    private const string RecNetIndented = """
        [
            {
                "Name": "rec-net",
                "Id": "23880478d8d90b59481888bc225406ad95f874071425cc844861d953e5828c95",
                "Created": "2026-11-25T11:52:46.496372918Z",
                "Scope": "local",
                "Driver": "bridge",
                "EnableIPv6": false,
                "IPAM": {
                    "Driver": "default",
                    "Options": {},
                    "Config": [
                        {
                            "Subnet": "10.213.77.0/24",
                            "Gateway": "10.213.77.1"
                        }
                    ]
                },
                "Internal": false,
                "Attachable": false,
                "Ingress": false,
                "ConfigFrom": {
                    "Network": ""
                },
                "ConfigOnly": false,
                "Containers": {
                    "d10605c95c522c0efa2f9ca3db545ba15e9b5233ff333e49a8cb6067d12c906f": {
                        "Name": "rec-web",
                        "EndpointID": "d2c78959cfe898bfbf47737beddb9d330e215bd9bbf134e3f3aa2b5882190a06",
                        "MacAddress": "02:42:0a:d5:4d:02",
                        "IPv4Address": "10.213.77.2/24",
                        "IPv6Address": ""
                    }
                },
                "Options": {},
                "Labels": {
                    "rec": "1"
                }
            }
        ]

        """;

    // port.txt, cut to what the command reads.
    private const string RecWeb = """{"Id":"d10605c95c522c0efa2f9ca3db545ba15e9b5233ff333e49a8cb6067d12c906f","Name":"/rec-web","NetworkSettings":{"Ports":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}]}}}""";

    private const string ActiveEndpoints = "error while removing network: network rec-net id 23880478d8d90b59481888bc225406ad95f874071425cc844861d953e5828c95 has active endpoints";

    private static FakeDaemon Daemon(string apiVersion = "1.41") => new FakeDaemon(apiVersion)
        .On("GET /networks", 200, NetworkList)
        .On("GET /networks/rec-net", 200, RecNet)
        .On("GET /networks/rec-net-tmp", 200, RecNet.Replace("\"rec-net\"", "\"rec-net-tmp\"", StringComparison.Ordinal))
        .On("GET /networks/missing", 404, """{"message":"network missing not found"}""")
        .On("DELETE /networks/rec-net", 403, "{\"message\":\"" + ActiveEndpoints + "\"}")
        .On("DELETE /networks/rec-net-tmp", 204)
        .On("DELETE /networks/missing", 404, """{"message":"network missing not found"}""")
        .On("POST /networks/create", 201, "{\"Id\":\"" + RecNetId + "\",\"Warning\":\"\"}")
        .On("POST /networks/rec-net/connect", 200)
        .On("POST /networks/rec-net/disconnect", 200)
        .On("POST /networks/prune", 200, """{"NetworksDeleted":["rec-net-prune"]}""")
        .On("GET /containers/rec-web/json", 200, RecWeb)
        .On("GET /containers/missing/json", 404, """{"message":"No such container: missing"}""");

    [Fact]
    public void CreateSendsTheRecordedBody()
    {
        using var d = Daemon();
        var result = CliRunner.Run(d, "network", "create", "--driver", "bridge", "--subnet", "10.213.77.0/24", "--gateway", "10.213.77.1", "--label", "rec=1", "rec-net");
        Assert.Equal((0, RecNetId + "\n", ""), result);
        var request = Assert.Single(d.Requests);
        Assert.Equal(("POST", "1.41", "/networks/create", "application/json"), (request.Method, request.Version, request.Target, request.ContentType));
        Assert.Equal("""{"Driver":"bridge","Scope":"","IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.213.77.0/24","Gateway":"10.213.77.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{},"Labels":{"rec":"1"},"Name":"rec-net","CheckDuplicate":true}""" + "\n", request.BodyText);
        Assert.Equal(297, request.Body.Length);
    }

    [Theory]
    [InlineData("1.41", "x --subnet 10.1.0.0/16 --ip-range 10.1.2.0/24 --gateway 10.1.0.254 --aux-address b=10.1.0.6 --aux-address a=10.1.0.5 --ipam-opt x=1 --ipam-driver foo -o mtu=1400 -o com.docker.network.bridge.name=br9 --internal --attachable --ipv6 --label a --label b=c --scope local --config-only",
        """{"Driver":"bridge","Scope":"local","EnableIPv6":true,"IPAM":{"Driver":"foo","Options":{"x":"1"},"Config":[{"Subnet":"10.1.0.0/16","IPRange":"10.1.2.0/24","Gateway":"10.1.0.254","AuxiliaryAddresses":{"a":"10.1.0.5","b":"10.1.0.6"}}]},"Internal":true,"Attachable":true,"Ingress":false,"ConfigOnly":true,"ConfigFrom":null,"Options":{"com.docker.network.bridge.name":"br9","mtu":"1400"},"Labels":{"a":"","b":"c"},"Name":"x","CheckDuplicate":true}""")]
    [InlineData("1.41", "y --ipv4=false --ipv6=false --config-from other --ingress",
        """{"Driver":"bridge","Scope":"","EnableIPv4":false,"EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[]},"Internal":false,"Attachable":false,"Ingress":true,"ConfigOnly":false,"ConfigFrom":{"Network":"other"},"Options":{},"Labels":{},"Name":"y","CheckDuplicate":true}""")]
    [InlineData("1.41", "z --subnet 10.1.0.0/16,fd00::/64 --gateway fd00::1",
        """{"Driver":"bridge","Scope":"","IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.1.0.0/16"},{"Subnet":"fd00::/64","Gateway":"fd00::1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{},"Labels":{},"Name":"z","CheckDuplicate":true}""")]
    [InlineData("1.50", "q --ipv4=false -d macvlan",
        """{"Driver":"macvlan","Scope":"","EnableIPv4":false,"IPAM":{"Driver":"default","Options":{},"Config":[]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigOnly":false,"ConfigFrom":null,"Options":{},"Labels":{},"Name":"q"}""")]
    public void CreateBodies(string apiVersion, string args, string body)
    {
        using var d = Daemon(apiVersion);
        var (code, _, err) = CliRunner.Run(d, ["network", "create", .. args.Split(' ')]);
        Assert.Equal((0, ""), (code, err));
        Assert.Equal(body + "\n", Assert.Single(d.Requests).BodyText);
    }

    [Theory]
    [InlineData("--gateway 10.0.0.1", "every ip-range or gateway must have a corresponding subnet")]
    [InlineData("--subnet 10.0.0.0/8 --gateway 10.0.0.1 --gateway 10.0.0.2", "every ip-range or gateway must have a corresponding subnet")]
    [InlineData("--subnet 10.0.0.0/8 --gateway 11.0.0.1", "no matching subnet for gateway 11.0.0.1")]
    [InlineData("--subnet 10.0.0.0/8 --gateway 010.0.0.1", "no matching subnet for gateway 010.0.0.1")]
    [InlineData("--subnet 10.0.0.0/8,10.0.0.0/8", "multiple overlapping subnet configuration is not supported")]
    [InlineData("--subnet 10.0.0.0/8 --subnet 10.1.0.0/16", "multiple overlapping subnet configuration is not supported")]
    [InlineData("--subnet 10.0.0.0/8 --subnet bogus", "invalid subnet: invalid CIDR address: bogus")]
    [InlineData("--subnet 10.0.0.0/33 --subnet 1.0.0.0/8", "invalid CIDR address: 10.0.0.0/33")]
    [InlineData("--subnet 10.0.0.0/8 --ip-range 10.1.0.0", "invalid CIDR address: 10.1.0.0")]
    [InlineData("--subnet 10.0.0.0/8 --ip-range 11.1.0.0/16", "no matching subnet for range 11.1.0.0/16")]
    [InlineData("--subnet 10.0.0.0/8 --subnet 12.0.0.0/8 --ip-range 10.1.0.0/16 --ip-range 10.2.0.0/16", "cannot configure multiple ranges (10.2.0.0/16, 10.1.0.0/16) on the same subnet (10.0.0.0/8)")]
    [InlineData("--subnet 10.0.0.0/8 --subnet 12.0.0.0/8 --gateway 10.0.0.1 --gateway 10.0.0.2", "cannot configure multiple gateways (10.0.0.2, 10.0.0.1) for the same subnet (10.0.0.0/8)")]
    [InlineData("--subnet 10.0.0.0/8 --aux-address x=11.0.0.1", "no matching subnet for aux-address 11.0.0.1")]
    [InlineData("--subnet 10.0.0.0/8 --aux-address x", "no matching subnet for aux-address ")]
    public void CreateRefusesUnpairedAddresses(string args, string error)
    {
        using var d = Daemon();
        Assert.Equal((1, "", error + "\n"), CliRunner.Run(d, ["network", "create", .. args.Split(' '), "n"]));
        Assert.Empty(d.Requests);
    }

    [Fact]
    public void CreatePairsNestedAndMappedAddresses()
    {
        using var d = Daemon();
        var (code, _, _) = CliRunner.Run(d, "network", "create", "--subnet", "10.0.0.1/8", "--gateway", "10.0.0.1/32", "--ip-range", "10.5.0.0/016",
            "--subnet", "::ffff:11.0.0.0/104", "--gateway", "11.0.0.1", "n");
        Assert.Equal(0, code);
        Assert.Contains("""
            "Config":[{"Subnet":"10.0.0.1/8","IPRange":"10.5.0.0/016","Gateway":"10.0.0.1/32"},{"Subnet":"::ffff:11.0.0.0/104","Gateway":"11.0.0.1"}]
            """, Assert.Single(d.Requests).BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectSendsTheRecordedBody()
    {
        using var d = Daemon();
        Assert.Equal((0, "", ""), CliRunner.Run(d, "network", "connect", "--alias", "logger-alias", "rec-net", "rec-logger"));
        var request = Assert.Single(d.Requests);
        Assert.Equal(("POST", "/networks/rec-net/connect", "application/json"), (request.Method, request.Target, request.ContentType));
        Assert.Equal("""{"Container":"rec-logger","EndpointConfig":{"IPAMConfig":{},"Links":null,"Aliases":["logger-alias"],"MacAddress":"","DriverOpts":{},"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}""" + "\n", request.BodyText);
        Assert.Equal(304, request.Body.Length);
    }

    [Fact]
    public void ConnectWithoutOptionsAtApi150()
    {
        // api-1.50/network-connect.txt
        using var d = Daemon("1.50");
        Assert.Equal((0, "", ""), CliRunner.Run(d, "network", "connect", "rec-net", "rec-logger"));
        var request = Assert.Single(d.Requests);
        Assert.Equal("1.50", request.Version);
        Assert.Equal("""{"Container":"rec-logger","EndpointConfig":{"IPAMConfig":{},"Links":null,"Aliases":[],"MacAddress":"","DriverOpts":{},"GwPriority":0,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}""" + "\n", request.BodyText);
        Assert.Equal(290, request.Body.Length);
    }

    [Fact]
    public void ConnectWithEveryOption()
    {
        using var d = Daemon();
        var result = CliRunner.Run(d, "network", "connect", "--alias", "a,b", "--alias", "c", "--ip", "10.213.77.9", "--ip6", "fd00::9", "--link", "x", "--link", "y:z",
            "--link-local-ip", "169.254.0.5", "--driver-opt", "k=v", "--driver-opt", " k2 = v2 ", "--gw-priority", "-5", "rec-net", " rec-logger ");
        Assert.Equal((0, "", ""), result);
        Assert.Equal("""{"Container":"rec-logger","EndpointConfig":{"IPAMConfig":{"IPv4Address":"10.213.77.9","IPv6Address":"fd00::9","LinkLocalIPs":["169.254.0.5"]},"Links":["x","y:z"],"Aliases":["a","b","c"],"MacAddress":"","DriverOpts":{"k":"v","k2":"v2"},"GwPriority":-5,"NetworkID":"","EndpointID":"","Gateway":"","IPAddress":"","IPPrefixLen":0,"IPv6Gateway":"","GlobalIPv6Address":"","GlobalIPv6PrefixLen":0,"DNSNames":null}}""" + "\n",
            Assert.Single(d.Requests).BodyText);
    }

    [Theory]
    [InlineData("--driver-opt nokey rec-net c", 1, "invalid key/value pair format in driver options\n")]
    [InlineData("--driver-opt =v rec-net c", 1, "invalid key/value pair format in driver options\n")]
    [InlineData("_ c", 1, "invalid network name or ID: value is empty\n")]
    [InlineData("rec-net _", 1, "invalid container name or ID: value is empty\n")]
    [InlineData("missing c", 1, "Error response from daemon: page not found\n")]
    [InlineData("--link a:b:c rec-net c", 125, "invalid argument \"a:b:c\" for \"--link\" flag: bad format for links: a:b:c\n\nUsage:  berth network connect [OPTIONS] NETWORK CONTAINER\n\nRun 'berth network connect --help' for more information\n")]
    [InlineData("--gw-priority x rec-net c", 125, "invalid argument \"x\" for \"--gw-priority\" flag: strconv.ParseInt: parsing \"x\": invalid syntax\n\nUsage:  berth network connect [OPTIONS] NETWORK CONTAINER\n\nRun 'berth network connect --help' for more information\n")]
    [InlineData("rec-net", 1, "berth: 'berth network connect' requires 2 arguments\n\nUsage:  berth network connect [OPTIONS] NETWORK CONTAINER\n\nRun 'berth network connect --help' for more information\n")]
    public void ConnectErrors(string args, int code, string stderr)
    {
        using var d = Daemon();
        var argv = args.Split(' ').Select(a => a == "_" ? " " : a);
        Assert.Equal((code, "", stderr), CliRunner.Run(d, ["network", "connect", .. argv]));
    }

    [Theory]
    [InlineData(new string[0], """{"Container":"rec-logger","Force":false}""")]
    [InlineData(new[] { "-f" }, """{"Container":"rec-logger","Force":true}""")]
    public void DisconnectSendsTheRecordedBody(string[] flags, string body)
    {
        using var d = Daemon();
        Assert.Equal((0, "", ""), CliRunner.Run(d, ["network", "disconnect", .. flags, "rec-net", "rec-logger"]));
        var request = Assert.Single(d.Requests);
        Assert.Equal(("POST", "/networks/rec-net/disconnect"), (request.Method, request.Target));
        Assert.Equal(body + "\n", request.BodyText);
    }

    [Fact]
    public void RmInspectsThenDeletes()
    {
        using var d = Daemon();
        Assert.Equal((0, "rec-net-tmp\n", ""), CliRunner.Run(d, "network", "rm", "rec-net-tmp"));
        Assert.Equal(new[] { "GET /networks/rec-net-tmp", "DELETE /networks/rec-net-tmp" }, d.Requests.Select(r => r.ToString()));
    }

    [Fact]
    public void RmReportsEachFailureThenExitStatus()
    {
        using var d = Daemon();
        var (code, output, err) = CliRunner.Run(d, "network", "remove", "missing", "rec-net-tmp", "rec-net", " ");
        Assert.Equal(1, code);
        Assert.Equal("rec-net-tmp\n", output);
        Assert.Equal("Error response from daemon: network missing not found\nError response from daemon: " + ActiveEndpoints +
            "\ninvalid network name or ID: value is empty\nexit status 1\n", err);
        Assert.Equal(new[] { "GET /networks/missing", "DELETE /networks/missing", "GET /networks/rec-net-tmp", "DELETE /networks/rec-net-tmp",
            "GET /networks/rec-net", "DELETE /networks/rec-net" }, d.Requests.Select(r => r.ToString()));
    }

    [Fact]
    public void RmForceIsQuietAboutMissingNetworks()
    {
        using var d = Daemon();
        Assert.Equal((0, "rec-net-tmp\n", ""), CliRunner.Run(d, "network", "rm", "-f", "missing", "rec-net-tmp"));
    }

    [Theory]
    [InlineData("y\n", true)]
    [InlineData(" Y ", true)]
    [InlineData("n\n", false)]
    [InlineData("", false)]
    public void RmAsksBeforeRemovingTheIngressNetwork(string answer, bool removed)
    {
        using var d = Daemon().On("GET /networks/ingress", 200, """{"Name":"ingress","Ingress":true}""").On("DELETE /networks/ingress", 204);
        var (code, output, _) = CliRunner.Run(answer, "-H", d.Host, "network", "rm", "ingress");
        Assert.Equal(0, code);
        Assert.Equal("WARNING! Before removing the routing-mesh network, make sure all the nodes in your swarm run the same docker engine version. Otherwise, removal may not be effective and functionality of newly create ingress networks will be impaired.\nAre you sure you want to continue? [y/N] "
            + (removed ? "ingress\n" : ""), output);
        Assert.Equal(removed, d.Requests.Any(r => r.Method == "DELETE"));
    }

    [Fact]
    public void PruneSendsFiltersAndListsWhatWent()
    {
        using var d = Daemon();
        Assert.Equal((0, "Deleted Networks:\nrec-net-prune\n\n", ""), CliRunner.Run(d, "network", "prune", "-f", "--filter", "label=rec=1"));
        var request = Assert.Single(d.Requests);
        Assert.Equal(("POST", "/networks/prune?filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D"), (request.Method, request.Target));
    }

    [Theory]
    [InlineData("y\n", true)]
    [InlineData("n\n", false)]
    [InlineData("", false)]
    public void PruneAsksFirst(string answer, bool pruned)
    {
        using var d = Daemon();
        var result = CliRunner.Run(answer, "-H", d.Host, "network", "prune");
        const string question = "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ";
        Assert.Equal((0, question + (pruned ? "Deleted Networks:\nrec-net-prune\n\n" : ""), ""), result);
        Assert.Equal(pruned ? 1 : 0, d.Requests.Count);
    }

    [Fact]
    public void LsMatchesTheRecording()
    {
        using var d = Daemon();
        const string expected = """
            NETWORK ID     NAME      DRIVER    SCOPE
            6e84ea07bf83   bridge    bridge    local
            7aa23769f795   host      host      local
            b75db902e600   none      null      local
            23880478d8d9   rec-net   bridge    local

            """;
        Assert.Equal((0, expected, ""), CliRunner.Run(d, "network", "ls"));
        Assert.Equal("GET /networks", Assert.Single(d.Requests).ToString());
    }

    [Fact]
    public void LsFilterNoTruncMatchesTheRecording()
    {
        using var d = Daemon();
        // network-ls-filter.txt
        d.On("GET /networks", 200, """[{"Name":"rec-net","Id":"23880478d8d90b59481888bc225406ad95f874071425cc844861d953e5828c95","Created":"2026-11-25T11:52:46.496372918Z","Scope":"local","Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"10.213.77.0/24","Gateway":"10.213.77.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{"rec":"1"}}]""");
        const string expected = """
            NETWORK ID                                                         NAME      DRIVER    SCOPE
            23880478d8d90b59481888bc225406ad95f874071425cc844861d953e5828c95   rec-net   bridge    local

            """;
        Assert.Equal((0, expected, ""), CliRunner.Run(d, "network", "ls", "--filter", "label=rec=1", "--no-trunc"));
        Assert.Equal("/networks?filters=%7B%22label%22%3A%7B%22rec%3D1%22%3Atrue%7D%7D", Assert.Single(d.Requests).Target);
    }

    [Theory]
    [InlineData("-q", "6e84ea07bf83\n7aa23769f795\nb75db902e600\n23880478d8d9\n")]
    [InlineData("--format raw", "network_id: 6e84ea07bf83\nname: bridge\ndriver: bridge\nscope: local\n\nnetwork_id: 7aa23769f795\nname: host\ndriver: host\nscope: local\n\nnetwork_id: b75db902e600\nname: none\ndriver: null\nscope: local\n\nnetwork_id: 23880478d8d9\nname: rec-net\ndriver: bridge\nscope: local\n\n")]
    [InlineData("-q --format {{.Name}}_{{.Label_\"rec\"}}", "bridge \nhost \nnone \nrec-net 1\n")]
    [InlineData("--format table_{{.Name}}\\t{{.CreatedAt}}\\t{{.Labels}}\\t{{.Label_\"rec\"}}\\t{{.IPv6}}",
        "NAME      CREATED AT                                LABELS    rec       IPV6\nbridge    2026-11-25 11:47:46.361170502 +0000 UTC                       false\nhost      2026-11-25 11:47:46.342016108 +0000 UTC                       false\nnone      2026-11-25 11:47:46.332566678 +0000 UTC                       false\nrec-net   2026-11-25 11:52:46.496372918 +0000 UTC   rec=1     1         false\n")]
    public void LsFormats(string args, string expected)
    {
        using var d = Daemon();
        var argv = args.Split(' ').Select(a => a.Replace('_', ' '));
        Assert.Equal((0, expected, ""), CliRunner.Run(d, ["network", "ls", .. argv]));
    }

    [Fact]
    public void LsJsonMarshalsEveryField()
    {
        using var d = Daemon();
        var (_, output, _) = CliRunner.Run(d, "network", "ls", "--format", "json");
        Assert.Equal("""{"CreatedAt":"2026-11-25 11:52:46.496372918 +0000 UTC","Driver":"bridge","ID":"23880478d8d9","IPv4":"false","IPv6":"false","Internal":"false","Labels":"rec=1","Name":"rec-net","Scope":"local"}""",
            output.Split('\n')[3]);
    }

    [Fact]
    public void InspectMatchesTheRecording()
    {
        using var d = Daemon();
        Assert.Equal((0, RecNetIndented, ""), CliRunner.Run(d, "network", "inspect", "rec-net"));
        Assert.Equal("GET /networks/rec-net", Assert.Single(d.Requests).ToString());
    }

    [Fact]
    public void InspectVerboseAndMissing()
    {
        using var d = Daemon();
        var (code, output, err) = CliRunner.Run(d, "network", "inspect", "-v", "-f", "{{.Name}} {{range .IPAM.Config}}{{.Gateway}}{{end}}", "rec-net", "missing");
        Assert.Equal((1, "rec-net 10.213.77.1\n", "Error response from daemon: network missing not found\n"), (code, output, err));
        Assert.Equal("/networks/rec-net?verbose=true", d.Requests[0].Target);
    }

    [Fact]
    public void PortListsEveryMapping()
    {
        using var d = Daemon();
        Assert.Equal((0, "80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n", ""), CliRunner.Run(d, "port", "rec-web"));
        Assert.Equal("GET /containers/rec-web/json", Assert.Single(d.Requests).ToString());
    }

    [Theory]
    [InlineData("80", 0, "0.0.0.0:8080\n[::]:8080\n", "")]
    [InlineData("80/tcp", 0, "0.0.0.0:8080\n[::]:8080\n", "")]
    [InlineData("", 0, "80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n", "")]
    [InlineData("81/tcp", 1, "", "Error: No public port '81/tcp' published for rec-web\n")]
    [InlineData("80/udp", 1, "", "Error: No public port '80/udp' published for rec-web\n")]
    [InlineData("080", 1, "", "Error: No public port '080' published for rec-web\n")]
    [InlineData("abc", 1, "", "Error: invalid port (abc): strconv.ParseUint: parsing \"abc\": invalid syntax\n")]
    [InlineData("+80", 1, "", "Error: invalid port (+80): strconv.ParseUint: parsing \"+80\": invalid syntax\n")]
    [InlineData("70000/udp", 1, "", "Error: invalid port (70000): strconv.ParseUint: parsing \"70000\": value out of range\n")]
    public void PortForOnePrivatePort(string port, int code, string stdout, string stderr)
    {
        using var d = Daemon();
        Assert.Equal((code, stdout, stderr), CliRunner.Run(d, "port", "rec-web", port));
    }

    [Fact]
    public void PortSortsNaturallyAndSkipsUnpublished()
    {
        using var doc = System.Text.Json.JsonDocument.Parse("""
            {"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}],"443/tcp":[{"HostIp":"127.0.0.1","HostPort":"10443"}],
             "53/udp":[{"HostIp":"","HostPort":"5353"}],"7000/tcp":null,"9001/udp":[{"HostIp":"0.0.0.0","HostPort":"9001"}],"9000/udp":[{"HostIp":"0.0.0.0","HostPort":"9000"}]}
            """);
        Assert.Equal("53/udp -> :5353\n80/tcp -> 0.0.0.0:8080\n80/tcp -> [::]:8080\n443/tcp -> 127.0.0.1:10443\n9000/udp -> 0.0.0.0:9000\n9001/udp -> 0.0.0.0:9001\n",
            Berth.Cli.Commands.PortCommand.Render(doc.RootElement, "c", null));
        var e = Assert.Throws<StatusException>(() => Berth.Cli.Commands.PortCommand.Render(doc.RootElement, "c", "7000"));
        Assert.Equal("Error: No public port '7000' published for c", e.Message);
    }

    [Fact]
    public void NetworkAloneShowsHelpOnStderr()
    {
        var (code, output, err) = CliRunner.Run("", "network");
        Assert.Equal((0, ""), (code, output));
        Assert.Contains("Usage:  berth network COMMAND\n\nManage networks\n\nCommands:\n  connect     Connect a container to a network\n  create      Create a network\n", err, StringComparison.Ordinal);
        Assert.Contains("  rm          Remove one or more networks\n\nRun 'berth network COMMAND --help' for more information on a command.\n", err, StringComparison.Ordinal);
        Assert.Equal(err, CliRunner.Run("", "network", "--help").Out);
    }

    [Theory]
    [InlineData("network frob", 1, "berth: unknown command: berth network frob\n\nUsage:  berth network\n\nRun 'berth network --help' for more information\n")]
    [InlineData("network create", 1, "berth: 'berth network create' requires 1 argument\n\nUsage:  berth network create [OPTIONS] NETWORK\n\nRun 'berth network create --help' for more information\n")]
    [InlineData("network create --label =x n", 125, "invalid argument \"=x\" for \"--label\" flag: invalid label '=x': empty name\n\nUsage:  berth network create [OPTIONS] NETWORK\n\nRun 'berth network create --help' for more information\n")]
    [InlineData("network create --subnet a\"b n", 125, "invalid argument \"a\\\"b\" for \"--subnet\" flag: parse error on line 1, column 2: bare \" in non-quoted-field\n\nUsage:  berth network create [OPTIONS] NETWORK\n\nRun 'berth network create --help' for more information\n")]
    [InlineData("network ls x", 1, "berth: 'berth network ls' accepts no arguments\n\nUsage:  berth network ls [OPTIONS]\n\nRun 'berth network ls --help' for more information\n")]
    [InlineData("network ls --filter nope", 125, "invalid argument \"nope\" for \"-f, --filter\" flag: bad format of filter (expected name=value)\n\nUsage:  berth network ls [OPTIONS]\n\nRun 'berth network ls --help' for more information\n")]
    [InlineData("network rm", 1, "berth: 'berth network rm' requires at least 1 argument\n\nUsage:  berth network rm NETWORK [NETWORK...]\n\nSee 'berth network rm --help' for more information\n")]
    [InlineData("network prune x", 1, "berth: 'berth network prune' accepts no arguments\n\nUsage:  berth network prune [OPTIONS]\n\nRun 'berth network prune --help' for more information\n")]
    [InlineData("port", 1, "berth: 'berth port' requires at least 1 and at most 2 arguments\n\nUsage:  berth port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nRun 'berth port --help' for more information\n")]
    [InlineData("container port a b c", 1, "berth: 'berth container port' requires at least 1 and at most 2 arguments\n\nUsage:  berth container port CONTAINER [PRIVATE_PORT[/PROTO]]\n\nRun 'berth container port --help' for more information\n")]
    public void UsageErrors(string args, int code, string stderr) =>
        Assert.Equal((code, "", stderr), CliRunner.Run("", ["-H", "unix:///nonexistent/berth.sock", .. args.Split(' ')]));
}

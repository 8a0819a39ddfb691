using System.Net;

namespace Berth.Network.Tests;

public sealed class NftablesFirewallTests
{
    private static readonly BridgeRules Default = new("berth0", Subnet.Parse("172.18.0.0/16"), Internal: false, Masquerade: true);
    private static readonly BridgeRules Internal = new("br-1", Subnet.Parse("10.1.0.0/24"), Internal: true, Masquerade: true);

    [Fact]
    public void Published_ports_become_dnat_rules_and_hairpin_masquerades()
    {
        var ports = new[]
        {
            new PortRules("berth0", new PortMapping("tcp", 80, IPAddress.Any, 8080), IPAddress.Parse("172.18.0.2")),
            new PortRules("berth0", new PortMapping("udp", 53, IPAddress.Loopback, 5353), IPAddress.Parse("172.18.0.3")),
        };

        var table = NftablesFirewall.Render("berth", [Default], ports);

        Assert.Contains("    tcp dport 8080 dnat to 172.18.0.2:80\n", table, StringComparison.Ordinal);
        Assert.Contains("    ip daddr 127.0.0.1 udp dport 5353 dnat to 172.18.0.3:53\n", table, StringComparison.Ordinal);
        Assert.Contains("ip saddr 172.18.0.2 ip daddr 172.18.0.2 tcp dport 80 masquerade", table, StringComparison.Ordinal);
        Assert.Contains("ip saddr 172.18.0.0/16 oifname != \"berth0\" masquerade", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Internal_networks_neither_masquerade_nor_forward_and_networks_are_isolated()
    {
        var table = NftablesFirewall.Render("berth", [Default, Internal], []);

        Assert.DoesNotContain("ip saddr 10.1.0.0/24", table, StringComparison.Ordinal);
        Assert.Contains("iifname \"br-1\" oifname != \"br-1\" drop", table, StringComparison.Ordinal);
        Assert.Contains("iifname \"berth0\" oifname { \"br-1\" } drop", table, StringComparison.Ordinal);
        Assert.Contains("iifname \"br-1\" oifname { \"berth0\" } drop", table, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_is_accepted_by_the_kernel()
    {
        using var nft = Berth.Linux.Nftables.Open();
        var table = NftablesFirewall.Render("berth-unit-test", [Default, Internal],
            [new PortRules("berth0", new PortMapping("tcp", 80, IPAddress.Any, 8080), IPAddress.Parse("172.18.0.2"))]);

        // nft's check mode parses and validates against the kernel without changing anything.
        nft.Run("add table ip berth-unit-test\ndelete table ip berth-unit-test\n" + table, check: true);
    }
}

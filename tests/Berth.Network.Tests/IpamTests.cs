using System.Net;
using Berth.Common;

namespace Berth.Network.Tests;

public sealed class IpamTests
{
    [Theory]
    [InlineData("172.18.0.0/16", "172.18.0.0", "172.18.255.255")]
    [InlineData("10.1.2.128/25", "10.1.2.128", "10.1.2.255")]
    [InlineData("10.1.2.3/24", "10.1.2.0", "10.1.2.255")]
    public void A_subnet_spans_its_first_to_last_address(string text, string first, string last)
    {
        var s = Subnet.Parse(text);

        Assert.Equal((first, last), (Subnet.ToAddress(s.First).ToString(), Subnet.ToAddress(s.Last).ToString()));
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0/24")]
    [InlineData("fd00::/64")]
    [InlineData("10.0.0.0")]
    [InlineData("")]
    public void Bad_subnets_are_refused_in_dockers_words(string text)
    {
        var e = Assert.Throws<BerthException>(() => Subnet.Parse(text));

        Assert.Equal($"invalid CIDR address: {text}", e.Message);
    }

    [Fact]
    public void The_default_pools_are_dockers_in_dockers_order()
    {
        var pools = Ipam.DefaultPools().Select(p => p.ToString()).ToList();

        Assert.Equal("172.17.0.0/16", pools[0]);
        Assert.Equal("172.31.0.0/16", pools[14]);
        Assert.Equal("192.168.0.0/20", pools[15]);
        Assert.Equal("192.168.240.0/20", pools[^1]);
    }

    [Fact]
    public void A_chosen_subnet_overlaps_no_network_and_no_host_route()
    {
        var taken = new[] { Subnet.Parse("172.17.0.0/16"), Subnet.Parse("172.18.5.0/24") };

        var chosen = Ipam.ChooseSubnet(taken);

        Assert.DoesNotContain(taken, chosen.Overlaps);
        Assert.DoesNotContain(Ipam.HostRoutes(), chosen.Overlaps);
    }

    [Fact]
    public void Host_routes_are_read_from_proc_net_route_without_the_default_route()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n" +
                "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n" +
                "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n" +
                "br0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n");

            Assert.Equal(["192.0.2.0/24", "172.17.0.0/16"], Ipam.HostRoutes(file).Select(r => r.ToString()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Addresses_are_handed_out_in_turn_skipping_the_gateway_and_not_reused_at_once()
    {
        var pool = new AddressPool(Subnet.Parse("10.9.0.0/29"), null, IPAddress.Parse("10.9.0.1"));

        var a = pool.Allocate();
        var b = pool.Allocate();
        pool.Release(a);
        var c = pool.Allocate();

        Assert.Equal(("10.9.0.2", "10.9.0.3", "10.9.0.4"), (a.ToString(), b.ToString(), c.ToString()));
    }

    [Fact]
    public void A_full_pool_says_so_and_a_released_address_comes_back()
    {
        var pool = new AddressPool(Subnet.Parse("10.9.0.0/30"), null, IPAddress.Parse("10.9.0.1"));
        var only = pool.Allocate();

        var e = Assert.Throws<BerthException>(() => pool.Allocate());
        pool.Release(only);

        Assert.Contains("no available IPv4 addresses", e.Message, StringComparison.Ordinal);
        Assert.Equal(only, pool.Allocate());
    }

    [Fact]
    public void An_ip_range_limits_dynamic_addresses_but_not_fixed_ones()
    {
        var pool = new AddressPool(Subnet.Parse("10.9.0.0/24"), Subnet.Parse("10.9.0.128/25"), IPAddress.Parse("10.9.0.1"));

        Assert.Equal("10.9.0.128", pool.Allocate().ToString());
        Assert.Equal("10.9.0.7", pool.Allocate(IPAddress.Parse("10.9.0.7")).ToString());
    }

    [Theory]
    [InlineData("10.9.0.1", "Address already in use")]
    [InlineData("10.9.1.5", "does not belong to the network's subnet")]
    [InlineData("10.9.0.0", "does not belong to the network's subnet")]
    [InlineData("10.9.0.255", "does not belong to the network's subnet")]
    public void Fixed_addresses_must_be_free_and_inside(string wanted, string message)
    {
        var pool = new AddressPool(Subnet.Parse("10.9.0.0/24"), null, IPAddress.Parse("10.9.0.1"));

        var e = Assert.Throws<BerthException>(() => pool.Allocate(IPAddress.Parse(wanted)));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_restarted_daemon_reserves_what_running_containers_hold()
    {
        var pool = new AddressPool(Subnet.Parse("10.9.0.0/24"), null, IPAddress.Parse("10.9.0.1"));

        Assert.True(pool.Reserve(IPAddress.Parse("10.9.0.2")));
        Assert.False(pool.Reserve(IPAddress.Parse("10.9.0.2")));
        Assert.Equal("10.9.0.3", pool.Allocate().ToString());
    }

    [Fact]
    public void Macs_are_derived_from_the_address_as_dockers()
    {
        Assert.Equal("02:42:ac:11:00:02", MacAddresses.FromIPv4(IPAddress.Parse("172.17.0.2")));
        Assert.Equal(new byte[] { 2, 0x42, 0xac, 0x11, 0, 2 }, MacAddresses.Parse("02:42:ac:11:00:02"));
        Assert.Throws<BerthException>(() => MacAddresses.Parse("02:42:ac:11:00"));
        Assert.Throws<BerthException>(() => MacAddresses.Parse("zz:42:ac:11:00:02"));
    }
}

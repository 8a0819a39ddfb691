using System.Net;
using Berth.Network.Dns;

namespace Berth.Network.Tests.Dns;

public sealed class DnsReverseNameTests
{
    [Theory]
    [InlineData("2.0.18.172.in-addr.arpa", "172.18.0.2")]
    [InlineData("255.255.255.255.IN-ADDR.ARPA", "255.255.255.255")]
    [InlineData("2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", "fd00::2")]
    [InlineData("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa", "4321:0:1:2:3:4:567:89ab")]
    public void Full_reverse_names_give_their_address(string name, string address)
    {
        Assert.True(DnsReverseName.TryParse(name, out var parsed));
        Assert.Equal(IPAddress.Parse(address), parsed);
    }

    [Theory]
    [InlineData("18.172.in-addr.arpa")]
    [InlineData("1.2.0.18.172.in-addr.arpa")]
    [InlineData("256.0.18.172.in-addr.arpa")]
    [InlineData("02.0.18.172.in-addr.arpa")]
    [InlineData("x.0.18.172.in-addr.arpa")]
    [InlineData("0.d.f.ip6.arpa")]
    [InlineData("example.com")]
    [InlineData("in-addr.arpa")]
    public void Anything_else_is_not_an_address(string name) => Assert.False(DnsReverseName.TryParse(name, out _));
}

using System.Net;
using System.Net.Sockets;
using Berth.Network.Dns;

namespace Berth.Network.Tests.Dns;

/// <summary>The engine's names as dockerd's libnetwork resolves them.</summary>
public sealed class DnsNameTableTests
{
    private static readonly IPAddress Web1 = IPAddress.Parse("172.18.0.2");
    private static readonly IPAddress Web2 = IPAddress.Parse("172.18.0.3");
    private static readonly IPAddress Db = IPAddress.Parse("172.19.0.2");

    /// <summary>
    /// client and web1, web2 on "front" (web1, web2 share alias "web"); db on "back" with client; "lonely" on "other".
    /// </summary>
    internal static DnsNameTable Table()
    {
        var t = new DnsNameTable();
        t.Add(new DnsEndpoint("sb-client", "net-front-id", "front", "client", ["1234567890ab"], IPAddress.Parse("172.18.0.10"), null));
        t.Add(new DnsEndpoint("sb-client", "net-back-id", "back", "client", [], IPAddress.Parse("172.19.0.10"), null));
        t.Add(new DnsEndpoint("sb-web1", "net-front-id", "front", "Web1", ["web", "aaaaaaaaaaaa"], Web1, IPAddress.Parse("fd00::2")));
        t.Add(new DnsEndpoint("sb-web2", "net-front-id", "front", "web2", ["WEB"], Web2, null));
        t.Add(new DnsEndpoint("sb-db", "net-back-id", "back", "db", [], Db, null));
        t.Add(new DnsEndpoint("sb-lonely", "net-other-id", "other", "lonely", [], IPAddress.Parse("172.20.0.2"), null));
        return t;
    }

    [Theory]
    [InlineData("container name", "web1", "172.18.0.2")]
    [InlineData("names are case-insensitive", "WEB1", "172.18.0.2")]
    [InlineData("short id alias", "aaaaaaaaaaaa", "172.18.0.2")]
    [InlineData("alias shared by two containers", "web", "172.18.0.2,172.18.0.3")]
    [InlineData("name qualified by network name", "db.back", "172.19.0.2")]
    [InlineData("name qualified by network id", "db.net-back-id", "172.19.0.2")]
    [InlineData("the asking container itself", "client", "172.18.0.10")]
    public void Names_on_shared_networks_resolve(string kind, string name, string expected)
    {
        var result = Table().LookupName("sb-client", name.ToLowerInvariant(), AddressFamily.InterNetwork);
        Assert.True(result.IsFound, kind);
        Assert.Equal(expected.Split(','), result.Addresses.Select(a => a.ToString()).Order());
    }

    [Theory]
    [InlineData("a container on a network not shared", "lonely")]
    [InlineData("the wrong network", "db.front")]
    [InlineData("a name of nobody", "nothing")]
    [InlineData("a host on the internet", "example.com")]
    public void Other_names_are_not_found(string kind, string name) =>
        Assert.False(Table().LookupName("sb-client", name, AddressFamily.InterNetwork).IsFound, kind);

    [Fact]
    public void A_known_name_without_addresses_of_the_family_is_found_empty()
    {
        var t = Table();
        var v6 = t.LookupName("sb-client", "db", AddressFamily.InterNetworkV6);
        Assert.True(v6.IsFound);
        Assert.Empty(v6.Addresses);
        Assert.Equal([IPAddress.Parse("fd00::2")], t.LookupName("sb-client", "web1", AddressFamily.InterNetworkV6).Addresses);
    }

    [Fact]
    public void Addresses_map_back_to_name_dot_network()
    {
        var t = Table();
        Assert.Equal("Web1.front", t.LookupAddress("sb-client", Web1));
        Assert.Equal("Web1.front", t.LookupAddress("sb-client", IPAddress.Parse("fd00::2")));
        Assert.Equal("db.back", t.LookupAddress("sb-client", Db));
        Assert.Null(t.LookupAddress("sb-client", IPAddress.Parse("172.20.0.2")));
        Assert.Null(t.LookupAddress("sb-unknown", Db));
    }

    [Fact]
    public void Removing_an_endpoint_removes_its_names_and_keeps_the_others()
    {
        var t = Table();
        Assert.True(t.Remove("sb-web1", "net-front-id"));
        Assert.False(t.Remove("sb-web1", "net-front-id"));
        Assert.False(t.LookupName("sb-client", "web1", AddressFamily.InterNetwork).IsFound);
        Assert.Equal([Web2], t.LookupName("sb-client", "web", AddressFamily.InterNetwork).Addresses);
        Assert.Null(t.LookupAddress("sb-client", Web1));
        Assert.True(t.Remove("sb-client", "net-back-id"));
        Assert.False(t.LookupName("sb-client", "db", AddressFamily.InterNetwork).IsFound);
    }

    [Fact]
    public void Adding_again_replaces_the_endpoint()
    {
        var t = Table();
        t.Add(new DnsEndpoint("sb-db", "net-back-id", "back", "db", ["database"], IPAddress.Parse("172.19.0.9"), null));
        Assert.Equal([IPAddress.Parse("172.19.0.9")], t.LookupName("sb-client", "database", AddressFamily.InterNetwork).Addresses);
        Assert.Equal([IPAddress.Parse("172.19.0.9")], t.LookupName("sb-client", "db", AddressFamily.InterNetwork).Addresses);
        Assert.Null(t.LookupAddress("sb-client", Db));
    }
}

using Berth.Common;
using Berth.Distribution.Client;

namespace Berth.Distribution.Tests.Client;

public sealed class RegistryHostsTests
{
    [Theory]
    [InlineData("localhost:5000", true)]
    [InlineData("127.0.0.1:5000", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("[::1]:5000", true)]
    [InlineData("registry.example:5000", false)]
    [InlineData("10.1.2.3:5000", false)]
    public void LoopbackRegistriesAreInsecureByDefault(string host, bool insecure) =>
        Assert.Equal(insecure, new RegistryHosts().IsInsecure(host));

    [Fact]
    public void InsecureRegistriesAreNamesOrNetworks()
    {
        var hosts = new RegistryHosts(["registry.example:5000", "10.1.0.0/16"]);

        Assert.True(hosts.IsInsecure("registry.example:5000"));
        Assert.False(hosts.IsInsecure("registry.example:5001"));
        Assert.True(hosts.IsInsecure("10.1.200.3:5000"));
        Assert.False(hosts.IsInsecure("10.2.0.1:5000"));
        Assert.Equal(["10.1.0.0/16", "registry.example:5000"], hosts.InsecureRegistries);
    }

    [Fact]
    public void AnInsecureRegistryIsTriedOverHttpsThenHttp()
    {
        var endpoints = new RegistryHosts().Endpoints("127.0.0.1:5000");

        Assert.Equal(["https://127.0.0.1:5000/", "http://127.0.0.1:5000/"], endpoints.Select(e => e.BaseAddress.ToString()));
        Assert.All(endpoints, e => Assert.True(e.SkipTlsVerify));
        var secure = Assert.Single(new RegistryHosts().Endpoints("registry.example"));
        Assert.Equal(("https://registry.example/", false), (secure.BaseAddress.ToString(), secure.SkipTlsVerify));
    }

    [Fact]
    public void DockerHubGoesThroughItsMirrorsFirst()
    {
        var endpoints = new RegistryHosts(mirrors: ["http://127.0.0.1:5001", "https://mirror.example/"]).Endpoints("docker.io");

        Assert.Equal(["http://127.0.0.1:5001/", "https://mirror.example/", "https://registry-1.docker.io/"], endpoints.Select(e => e.BaseAddress.ToString()));
        Assert.Equal([true, true, false], endpoints.Select(e => e.Mirror));
        // A mirror is only Docker Hub's.
        Assert.Single(new RegistryHosts(mirrors: ["http://127.0.0.1:5001"]).Endpoints("127.0.0.1:5000"), e => e.BaseAddress.Scheme == "https");
    }

    [Theory]
    [InlineData("ftp://mirror.example")]
    [InlineData("https://mirror.example/some/path")]
    [InlineData("not a url")]
    public void ABadMirrorIsRefused(string mirror)
    {
        var e = Assert.Throws<BerthException>(() => new RegistryHosts(mirrors: [mirror]));

        Assert.Contains("invalid mirror", e.Message);
    }

    [Fact]
    public void ABadNetworkIsRefused() =>
        Assert.Contains("not a valid CIDR", Assert.Throws<BerthException>(() => new RegistryHosts(["10.0.0.0/40"])).Message);

    [Theory]
    [InlineData(null, "docker.io")]
    [InlineData("https://index.docker.io/v1/", "docker.io")]
    [InlineData("registry-1.docker.io", "docker.io")]
    [InlineData("http://localhost:5000/", "localhost:5000")]
    [InlineData("registry.example/v2/", "registry.example")]
    public void LoginAddressesAreNormalized(string? address, string domain) =>
        Assert.Equal(domain, RegistryHosts.NormalizeServerAddress(address));
}

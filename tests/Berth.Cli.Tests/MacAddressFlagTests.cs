using System.Text;
using Berth.Cli.Commands;
using Berth.Cli.Flags;

namespace Berth.Cli.Tests;

/// <summary><c>run/create --mac-address</c> as the docker CLI 28 sends it: checked as Go's net.ParseMAC checks it,
/// then asked of the first network's endpoint (API 1.44), never container-wide.</summary>
public sealed class MacAddressFlagTests
{
    private const string Mac = "02:42:ac:11:99:99";

    private static string Body(params string[] args)
    {
        var f = new FlagSet(interspersed: false);
        ContainerOptions.Define(f, run: true);
        var positionals = f.Parse(args);
        return Encoding.UTF8.GetString(CreateBody.Write(ContainerOptions.Parse(f, positionals, run: true, _ => null)));
    }

    private static string Endpoint(string network, string mac) =>
        "\"" + network + "\":{\"IPAMConfig\":null,\"Links\":null,\"Aliases\":null,\"MacAddress\":\"" + mac + "\",\"DriverOpts\":null,\"GwPriority\":0,";

    [Fact]
    public void Without_a_network_the_MAC_goes_to_the_default_endpoint()
    {
        var body = Body("--mac-address", Mac, "busybox");

        Assert.Contains("\"EndpointsConfig\":{" + Endpoint("default", Mac), body, StringComparison.Ordinal);
        Assert.Single(body.Split("\"MacAddress\"").Skip(1));
    }

    [Fact]
    public void With_one_network_the_MAC_gives_it_an_endpoint()
    {
        Assert.Contains("\"EndpointsConfig\":{" + Endpoint("mynet", Mac), Body("--network", "mynet", "--mac-address", Mac, "busybox"), StringComparison.Ordinal);
        Assert.EndsWith("\"EndpointsConfig\":{}}}\n", Body("--network", "mynet", "busybox"), StringComparison.Ordinal);
    }

    [Fact]
    public void With_two_networks_only_the_first_gets_the_MAC()
    {
        var body = Body("--network", "a", "--network", "b", "--mac-address", Mac, "busybox");

        Assert.Contains(Endpoint("a", Mac), body, StringComparison.Ordinal);
        Assert.Contains("}," + Endpoint("b", ""), body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("02:42:ac:11:99:99", true)]
    [InlineData("02-42-AC-11-99-99", true)]
    [InlineData("0242.ac11.9999", true)]
    [InlineData("02:42:ac:11:99:99:00:01", true)]
    [InlineData("02:42:ac:11:99", false)]
    [InlineData("02:42:ac:11:99:9", false)]
    [InlineData("02:42-ac:11:99:99", false)]
    [InlineData("02:42:ac:11:99:zz", false)]
    [InlineData("not-a-mac", false)]
    public void Mac_addresses_are_checked_as_Go_parses_them(string text, bool valid) =>
        Assert.Equal(valid, ContainerOptions.IsMacAddress(text));

    [Fact]
    public void A_bad_MAC_is_a_usage_error()
    {
        var e = Assert.Throws<UsageException>(() => Body("--mac-address", "02:42:ac:11:99", "busybox"));
        Assert.Equal("02:42:ac:11:99 is not a valid mac address", e.Message);
    }

    [Fact]
    public void A_daemon_older_than_1_44_is_not_asked()
    {
        using var d = new FakeDaemon("1.42");

        var (code, _, err) = CliRunner.Run(d, "run", "--mac-address", Mac, "busybox");

        Assert.Equal(125, code);
        Assert.Contains("\"specify mac-address per network\" requires API version 1.44, but the Docker daemon API version is 1.42", err, StringComparison.Ordinal);
        Assert.Empty(d.Requests);
    }
}

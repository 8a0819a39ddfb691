using System.Text.Json;
using Berth.Api.Docker.Routes;
using Berth.Common;

namespace Berth.Api.Docker.Tests;

/// <summary>API 1.44 asks for a MAC address per endpoint; a create body at 1.44 that still carries the deprecated
/// container-wide <c>Config.MacAddress</c> is moved onto the primary network's endpoint, as dockerd's
/// handleMACAddressBC does.</summary>
public sealed class ContainerWideMacTests
{
    private const string Mac = "02:42:ac:11:99:99";

    public static TheoryData<string, string, string, string> Moved => new()
    {
        // row, HostConfig.NetworkMode, EndpointsConfig, where the MAC lands ("" for nowhere)
        { "default network, no endpoints", "default", "{}", "default" },
        { "no mode at all", "", "null", "default" },
        { "default network, endpoint under default", "default", """{"default":{}}""", "default" },
        { "default network, endpoint under bridge", "default", """{"bridge":{"Aliases":null}}""", "bridge" },
        { "user-defined network", "mynet", "{}", "mynet" },
        { "the same MAC on the endpoint", "mynet", $$$"""{"mynet":{"MacAddress":"{{{Mac}}}"}}""", "mynet" },
        { "host network: dropped", "host", "{}", "" },
        { "no network: dropped", "none", "{}", "" },
        { "another container's network: dropped", "container:web", "{}", "" },
    };

    [Theory]
    [MemberData(nameof(Moved))]
    public void A_container_wide_MAC_moves_to_the_primary_endpoint_with_a_warning(string row, string mode, string endpoints, string lands)
    {
        var (config, host, networking) = Body(mode, endpoints, Mac);
        var warnings = new List<string>();

        networking = ContainerRoutes.MoveContainerWideMac(config, host, networking, warnings);

        Assert.True(config.MacAddress is null, row);
        Assert.Equal(["The container-wide MacAddress field is now deprecated. It should be specified in EndpointsConfig instead."], warnings);
        var carrying = (networking?.EndpointsConfig ?? []).Where(e => e.Value?.MacAddress == Mac).Select(e => e.Key).ToList();
        Assert.Equal(lands.Length > 0 ? [lands] : [], carrying);
    }

    [Fact]
    public void Without_a_container_wide_MAC_nothing_changes()
    {
        var (config, host, networking) = Body("default", $$$"""{"default":{"MacAddress":"{{{Mac}}}"}}""", null);
        var warnings = new List<string>();

        Assert.Same(networking, ContainerRoutes.MoveContainerWideMac(config, host, networking, warnings));
        Assert.Empty(warnings);
        Assert.Equal(Mac, networking!.EndpointsConfig!["default"]!.MacAddress);
    }

    public static TheoryData<string, string, string> Refused => new()
    {
        { "another MAC on the primary endpoint", """{"mynet":{"MacAddress":"02:00:00:00:00:01"}}""",
            "the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty" },
        { "endpoints, none for the primary network", """{"other":{}}""",
            "unable to migrate container-wide MAC address to a specific network: HostConfig.NetworkMode must match the identity of a network in NetworkSettings.Networks" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_container_wide_MAC_that_cannot_move_is_invalid(string row, string endpoints, string message)
    {
        var (config, host, networking) = Body("mynet", endpoints, Mac);

        var e = Assert.Throws<BerthException>(() => ContainerRoutes.MoveContainerWideMac(config, host, networking, []));

        Assert.True(e.Kind == ErrorKind.InvalidArgument, row);
        Assert.Equal(message, e.Message);
    }

    private static (Engine.Model.ContainerConfig, Engine.Model.HostConfig, Engine.Model.NetworkingConfig?) Body(string mode, string endpoints, string? mac)
    {
        var macField = mac is null ? "" : $",\"MacAddress\":\"{mac}\"";
        using var doc = JsonDocument.Parse($$$"""{"Image":"busybox"{{{macField}}},"HostConfig":{"NetworkMode":"{{{mode}}}"},"NetworkingConfig":{"EndpointsConfig":{{{endpoints}}}}}""");
        return ContainerRoutes.ParseCreateBody(doc);
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Berth.Common;
using Berth.Http.Plugins;
using Berth.Network.Remote;

namespace Berth.Network.Tests.Remote;

/// <summary>
/// Network driver plugins through the controller, on the real kernel (as root): a plugin in C# on a unix socket in
/// the test's plugin directory, sandboxes that are network namespaces of the test's own.
/// </summary>
public sealed class RemoteDriverTests
{
    private const string ContainerId = "c0ffee0000000000000000000000000000000000000000000000000000000001";

    [Fact]
    public async Task Activation_create_and_delete_send_Dockers_calls_and_bodies()
    {
        await using var h = new RemoteHarness();
        var plugin = h.StartPlugin();
        var controller = h.Open();

        var n = h.CreateNetwork(options: new Dictionary<string, string> { ["foo"] = "bar" });

        Assert.Equal<string>(["Plugin.Activate", "NetworkDriver.GetCapabilities", "NetworkDriver.CreateNetwork"], plugin.Methods);
        Assert.All(plugin.Calls, c => Assert.Equal(PluginClient.MediaType, c.Accept));
        Assert.Null(plugin.Calls.First().Body);
        var create = plugin.Body("NetworkDriver.CreateNetwork");
        Assert.Equal(n.Id, (string?)create["NetworkID"]);
        Assert.Equal("bar", (string?)create["Options"]!["com.docker.network.generic"]!["foo"]);
        Assert.False((bool)create["Options"]!["com.docker.network.enable_ipv6"]!);
        Assert.Null(create["Options"]!["com.docker.network.internal"]);
        var v4 = create["IPv4Data"]![0]!;
        Assert.Equal("LocalDefault", (string?)v4["AddressSpace"]);
        Assert.Equal(h.Subnet + ".0/24", (string?)v4["Pool"]);
        Assert.Equal(h.Subnet + ".1/24", (string?)v4["Gateway"]);
        Assert.Equal(h.Subnet + ".5/24", (string?)v4["AuxAddresses"]!["router"]);
        Assert.Empty(create["IPv6Data"]!.AsArray());
        Assert.Equal(h.PluginName, n.Driver);
        Assert.Equal("local", n.Scope);
        Assert.Same(n, controller.Get("remote"));

        controller.Delete("remote");

        Assert.Equal(n.Id, (string?)plugin.Body("NetworkDriver.DeleteNetwork")["NetworkID"]);
        Assert.Null(controller.TryGet("remote"));
        Assert.False(File.Exists(Path.Join(h.Options.StateDir, n.Id + ".json")));

        var isolated = h.CreateNetwork("isolated", isInternal: true);
        Assert.True((bool)plugin.Body("NetworkDriver.CreateNetwork")["Options"]!["com.docker.network.internal"]!);
        // Activated once, used for both networks.
        Assert.Single(plugin.Methods, m => m == "Plugin.Activate");
        controller.Delete(isolated.Id);
        Assert.Equal(2, plugin.Methods.Count(m => m == "NetworkDriver.DeleteNetwork"));
    }

    [Fact]
    public async Task An_attached_sandbox_gets_the_plugins_link_with_its_address_and_routes()
    {
        await using var h = new RemoteHarness();
        var plugin = h.StartPlugin();
        plugin.EndpointMac = "02:be:27:00:00:01";
        plugin.Gateway = h.Subnet + ".1";
        plugin.StaticRoutes = $$"""[{"Destination":"10.99.0.0/16","RouteType":0,"NextHop":"{{h.Subnet}}.254"},{"Destination":"10.98.1.0/24","RouteType":1}]""";
        var controller = h.Open();
        var n = h.CreateNetwork();
        var sandbox = h.NewSandbox();

        var e = controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest());

        var create = plugin.Body("NetworkDriver.CreateEndpoint");
        Assert.Equal(n.Id, (string?)create["NetworkID"]);
        Assert.Equal(e.Id, (string?)create["EndpointID"]);
        Assert.Equal(h.Subnet + ".2/24", (string?)create["Interface"]!["Address"]);
        Assert.Equal("", (string?)create["Interface"]!["MacAddress"]);
        Assert.Equal("02:be:27:00:00:01", e.MacAddress);

        controller.Attach(ContainerId, sandbox, []);

        var join = plugin.Body("NetworkDriver.Join");
        Assert.Equal(sandbox, (string?)join["SandboxKey"]);
        Assert.Equal(e.Id, (string?)join["EndpointID"]);
        Assert.Contains("NetworkDriver.ProgramExternalConnectivity", plugin.Methods);
        var source = plugin.LinkPrefix + "c1";
        Assert.DoesNotContain(source, TestPlugin.LinksStartingWith(plugin.LinkPrefix));
        var (link, addresses, routes) = RemoteHarness.InSandbox(sandbox, nl =>
            (nl.Link("eth0"), nl.Addresses("eth0"), nl.Routes(AddressFamily.InterNetwork)));
        Assert.NotNull(link);
        Assert.True(link.Up);
        Assert.Equal("02:be:27:00:00:01", string.Join(':', link.Mac.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));
        Assert.Contains((h.Address(2), 24), addresses);
        Assert.Contains(routes, r => r.PrefixLength == 0 && h.Address(1).Equals(r.Gateway) && r.LinkIndex == link.Index);
        Assert.Contains(routes, r => r.Destination.Equals(IPAddress.Parse("10.99.0.0")) && r.PrefixLength == 16 && h.Address(254).Equals(r.Gateway));
        Assert.Contains(routes, r => r.Destination.Equals(IPAddress.Parse("10.98.1.0")) && r.PrefixLength == 24 && r.Gateway is null && r.LinkIndex == link.Index);
        Assert.Equal(h.Address(1), controller.EndpointsOfContainer(ContainerId).Single().Gateway);

        controller.Release(ContainerId);

        var tail = plugin.Methods.SkipWhile(m => m != "NetworkDriver.RevokeExternalConnectivity").ToList();
        Assert.Equal<string>(["NetworkDriver.RevokeExternalConnectivity", "NetworkDriver.Leave", "NetworkDriver.DeleteEndpoint"], tail);
        Assert.Empty(TestPlugin.LinksStartingWith(plugin.LinkPrefix));
        // The address went back to the pool: it can be asked for again.
        controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest(h.Address(2)));
        controller.Release(ContainerId);
    }

    [Fact]
    public async Task Disconnect_gives_the_link_back_to_the_host_and_a_prefix_other_than_eth_is_numbered()
    {
        await using var h = new RemoteHarness();
        var plugin = h.StartPlugin();
        plugin.DstPrefix = "ethwe";
        var controller = h.Open();
        var first = h.CreateNetwork("first", subnet: h.Subnet + ".0/25");
        var sandbox = h.NewSandbox();
        controller.Allocate(ContainerId, "web", first.Id, new EndpointRequest());
        controller.Attach(ContainerId, sandbox, []);

        var second = controller.Create(new NetworkCreate { Name = "second", Driver = plugin.Name, IpamConfig = [new IpamPool { Subnet = h.Subnet + ".128/25" }] });
        var e = controller.Connect(ContainerId, "web", second.Id, new EndpointRequest(), sandbox);

        Assert.Equal("ethwe1", e.Interface);
        Assert.Equal<string>(["ethwe0", "ethwe1", "lo"], RemoteHarness.InSandbox(sandbox, nl => nl.Links().Select(l => l.Name).Order(StringComparer.Ordinal).ToList()));
        // The plugin gave no gateway: no default route, and nothing to connect outside.
        Assert.DoesNotContain(RemoteHarness.InSandbox(sandbox, nl => nl.Routes(AddressFamily.InterNetwork)), r => r.PrefixLength == 0);
        Assert.All(controller.EndpointsOfContainer(ContainerId), x => Assert.False(x.DefaultRoute));
        Assert.DoesNotContain("NetworkDriver.ProgramExternalConnectivity", plugin.Methods);

        controller.Disconnect(ContainerId, second.Id);

        Assert.Equal<string>(["ethwe0", "lo"], RemoteHarness.InSandbox(sandbox, nl => nl.Links().Select(l => l.Name).Order(StringComparer.Ordinal).ToList()));
        Assert.Equal<string>([plugin.LinkPrefix + "c2"], plugin.ReturnedLinks);
        // The first endpoint's host end is all of the plugin's links the host still has.
        Assert.Equal<string>([plugin.LinkPrefix + "h1"], TestPlugin.LinksStartingWith(plugin.LinkPrefix));
        controller.Release(ContainerId);
        controller.Delete(second.Id);
    }

    /// <summary>A plugin's error at network create, in Docker's words, leaves no network behind.</summary>
    private static readonly Dictionary<string, (PluginResponse Answer, string Message)> CreateFailureRows = new()
    {
        ["Err with a failed status"] = (PluginResponse.Json("""{"Err":"no pool for you"}""", 500), "NetworkDriver.CreateNetwork: no pool for you"),
        ["Err with success"] = (PluginResponse.Json("""{"Err":"not today"}"""), "remote: not today"),
        ["plain text error"] = (PluginResponse.Text(400, "boom\n"), "NetworkDriver.CreateNetwork: boom"),
        ["not JSON"] = (PluginResponse.Text(200, "<html>"), "NetworkDriver.CreateNetwork: bad answer from plugin"),
        ["JSON of the wrong shape"] = (PluginResponse.Json("""{"Err":42}"""), "NetworkDriver.CreateNetwork: bad answer from plugin"),
        ["an answer too large"] = (PluginResponse.Json("\"" + new string('x', PluginClient.MaxAnswer) + "\""), "is over the limit"),
        ["not HTTP"] = (PluginResponse.Bytes(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH\r\n\r\n")), "NetworkDriver.CreateNetwork: bad answer from plugin"),
        ["a closed connection"] = (PluginResponse.Bytes([]), "NetworkDriver.CreateNetwork: bad answer from plugin"),
    };

    public static TheoryData<string> CreateFailures => [.. CreateFailureRows.Keys];

    [Theory]
    [MemberData(nameof(CreateFailures))]
    public async Task A_failed_network_create_surfaces_the_plugins_error_and_leaves_nothing(string row)
    {
        var (answer, message) = CreateFailureRows[row];
        await using var h = new RemoteHarness();
        var plugin = h.StartPlugin();
        plugin.Handlers["NetworkDriver.CreateNetwork"] = _ => answer;
        var controller = h.Open();
        var before = Directory.GetFiles(h.Options.StateDir).Length;

        var e = Assert.Throws<BerthException>(() => h.CreateNetwork());

        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{row}: {e.Message}");
        Assert.Null(controller.TryGet("remote"));
        Assert.Equal(before, Directory.GetFiles(h.Options.StateDir).Length);
        Assert.DoesNotContain("NetworkDriver.DeleteNetwork", plugin.Methods);
        // The subnet is free again.
        plugin.Handlers.Clear();
        h.CreateNetwork();
    }

    /// <summary>How a join can fail: the plugin's error, or an answer Berth cannot carry out.</summary>
    public static TheoryData<string, string, string, bool> JoinFailures => new()
    {
        { "plugin error", """{"Err":"no link today"}""", "NetworkDriver.Join: no link today", false },
        { "a link that is not there", """{"InterfaceName":{"SrcName":"btnosuchlink","DstPrefix":"eth"}}""", "interface btnosuchlink is not a link of the host", true },
        { "the host's loopback", """{"InterfaceName":{"SrcName":"lo","DstPrefix":"eth"}}""", "interface lo is in use on the host", true },
        { "an invalid link name", """{"InterfaceName":{"SrcName":"../../etc","DstPrefix":"eth"}}""", "invalid interface name ../../etc", true },
        { "an invalid gateway", """{"InterfaceName":{"SrcName":"LINK","DstPrefix":"eth"},"Gateway":"10.0.0"}""", "unable to parse Gateway \"10.0.0\"", true },
        { "a route the kernel refuses", """{"InterfaceName":{"SrcName":"LINK","DstPrefix":"eth"},"StaticRoutes":[{"Destination":"10.97.0.0/16","RouteType":0,"NextHop":"192.0.2.77"}]}""", "add route", true },
    };

    [Theory]
    [MemberData(nameof(JoinFailures))]
    public async Task A_failed_join_deletes_the_endpoint_and_releases_its_address(string row, string answer, string message, bool leaves)
    {
        await using var h = new RemoteHarness();
        var plugin = h.StartPlugin();
        plugin.Handlers["NetworkDriver.Join"] = body =>
        {
            var (_, container) = plugin.MakeVeth(body!["EndpointID"]!.GetValue<string>());
            return answer.Contains("\"Err\"", StringComparison.Ordinal) ? PluginResponse.Json(answer, 500) : PluginResponse.Json(answer.Replace("LINK", container, StringComparison.Ordinal));
        };
        var controller = h.Open();
        var n = h.CreateNetwork();
        var sandbox = h.NewSandbox();
        controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest());

        var e = Assert.ThrowsAny<Exception>(() => controller.Attach(ContainerId, sandbox, []));

        Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{row}: {e.Message}");
        var after = plugin.Methods.SkipWhile(m => m != "NetworkDriver.Join").Skip(1).ToList();
        Assert.Equal(leaves ? ["NetworkDriver.Leave", "NetworkDriver.DeleteEndpoint"] : (string[])["NetworkDriver.DeleteEndpoint"], after);
        Assert.Equal<string>(["lo"], RemoteHarness.InSandbox(sandbox, nl => nl.Links().Select(l => l.Name).ToList()));
        Assert.Empty(TestPlugin.LinksStartingWith(plugin.LinkPrefix));
        Assert.Empty(controller.EndpointsOfContainer(ContainerId));
        controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest(h.Address(2)));
        controller.Release(ContainerId);
    }

    [Fact]
    public async Task A_refused_endpoint_releases_its_address_and_a_plugin_may_not_change_the_address()
    {
        await using var h = new RemoteHarness();
        var plugin = h.StartPlugin();
        var controller = h.Open();
        var n = h.CreateNetwork();

        plugin.Handlers["NetworkDriver.CreateEndpoint"] = _ => PluginResponse.Json("""{"Err":"full"}""", 500);
        var refused = Assert.Throws<BerthException>(() => controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest()));
        Assert.Equal("NetworkDriver.CreateEndpoint: full", refused.Message);

        plugin.Handlers["NetworkDriver.CreateEndpoint"] = _ => PluginResponse.Json($$$"""{"Interface":{"Address":"{{{h.Subnet}}}.77/24"}}""");
        var changed = Assert.Throws<BerthException>(() => controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest()));
        Assert.StartsWith("driver modified interface address", changed.Message, StringComparison.Ordinal);
        Assert.Equal("NetworkDriver.DeleteEndpoint", plugin.Methods[^1]);

        plugin.Handlers.Clear();
        // Neither refusal kept its address.
        var e = controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest(h.Address(2), MacAddress: "02:00:00:00:00:09"));
        Assert.Equal("02:00:00:00:00:09", (string?)plugin.Body("NetworkDriver.CreateEndpoint")["Interface"]!["MacAddress"]);
        controller.Allocate("c0ffee-other", "db", n.Id, new EndpointRequest(h.Address(3)));
        controller.Release("c0ffee-other");
        var driver = RemoteDriver.Activate(new PluginClient(plugin.Name, plugin.SocketPath, TimeSpan.FromSeconds(5)), Berth.Linux.Netlink.Open);
        Assert.Equal("test", driver.EndpointOperInfo(n, e)["plugin"].GetString());
        controller.Release(ContainerId);
    }

    [Fact]
    public async Task Plugins_that_are_missing_or_not_network_drivers_are_refused()
    {
        await using var h = new RemoteHarness();
        var controller = h.Open();

        var missing = Assert.Throws<BerthException>(() => h.CreateNetwork());
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
        Assert.Equal($"plugin \"{h.PluginName}\" not found", missing.Message);

        var volumes = h.StartPlugin();
        volumes.Implements = ["VolumeDriver"];
        var refused = Assert.Throws<BerthException>(() => h.CreateNetwork());
        Assert.Equal("legacy plugin: Plugin does not implement the requested driver", refused.Message);
        Assert.Equal<string>(["Plugin.Activate"], volumes.Methods);

        volumes.Implements = ["NetworkDriver"];
        volumes.Scope = "galactic";
        Assert.Equal("invalid capability: expecting 'local' or 'global', got galactic", Assert.Throws<BerthException>(() => h.CreateNetwork()).Message);
        Assert.Single(controller.Networks(), x => x.Driver == "bridge");
        Assert.Equal(3, controller.Networks().Count);
    }

    public static TheoryData<string, string> Unresponsive => new()
    {
        { "hangs", "did not answer within 1s" },
        { "does not listen", "cannot connect to plugin" },
    };

    [Theory]
    [MemberData(nameof(Unresponsive))]
    public async Task A_plugin_that_does_not_answer_times_out(string how, string message)
    {
        await using var h = new RemoteHarness(pluginTimeout: TimeSpan.FromSeconds(1));
        using var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        if (how == "hangs")
        {
            h.StartPlugin().Handlers["Plugin.Activate"] = _ => PluginResponse.Hanging;
        }
        else
        {
            // A socket file nobody listens on: a plugin that died (closing a socket would remove its file).
            dead.Bind(new UnixDomainSocketEndPoint(Path.Join(h.PluginDir, h.PluginName + ".sock")));
        }
        var controller = h.Open();
        var clock = Stopwatch.StartNew();

        var e = Assert.Throws<BerthException>(() => h.CreateNetwork());

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal(ErrorKind.Unavailable, e.Kind);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Null(controller.TryGet("remote"));
    }

    [Fact]
    public async Task A_network_whose_plugin_is_gone_at_start_stays_and_its_containers_fail_until_it_is_back()
    {
        await using var h = new RemoteHarness();
        var plugin = h.StartPlugin();
        h.Open();
        var n = h.CreateNetwork();
        h.Close();
        await h.StopPlugin(plugin);

        var controller = h.Open();

        Assert.Equal(h.PluginName, controller.Get("remote").Driver);
        var e = Assert.Throws<BerthException>(() => controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest()));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
        Assert.Equal($"plugin \"{h.PluginName}\" not found", e.Message);
        Assert.Equal($"failed deleting Network: plugin \"{h.PluginName}\" not found", Assert.Throws<BerthException>(() => controller.Delete(n.Id)).Message);

        var back = h.StartPlugin();
        var endpoint = controller.Allocate(ContainerId, "web", n.Id, new EndpointRequest());
        Assert.Equal(h.Address(2), endpoint.Address);
        Assert.Equal<string>(["Plugin.Activate", "NetworkDriver.GetCapabilities", "NetworkDriver.CreateEndpoint"], back.Methods);
        controller.Release(ContainerId);
        controller.Delete(n.Id);
        Assert.Equal("NetworkDriver.DeleteNetwork", back.Methods[^1]);
    }
}

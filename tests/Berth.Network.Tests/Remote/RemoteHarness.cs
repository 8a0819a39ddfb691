using System.Net;
using Berth.Linux;

namespace Berth.Network.Tests.Remote;

/// <summary>
/// A controller of its own on the real host: a temp state and plugin directory, a default bridge, firewall table and
/// link names unique to the test, and network namespaces made under the temp directory as sandboxes. Disposing it
/// removes all of it and checks that the host is left as found.
/// </summary>
internal sealed class RemoteHarness : IAsyncDisposable
{
    private readonly List<TestPlugin> _plugins = [];
    private readonly List<string> _sandboxes = [];

    public RemoteHarness(TimeSpan? pluginTimeout = null)
    {
        Tag = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3));
        Dir = Directory.CreateTempSubdirectory("berth-remote-").FullName;
        PluginDir = Directory.CreateDirectory(Path.Join(Dir, "plugins")).FullName;
        var third = System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 256);
        Subnet = $"10.{200 + System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 50)}.{third}";
        Options = new NetworkOptions
        {
            StateDir = Path.Join(Dir, "network"),
            DefaultBridge = "btb" + Tag,
            DefaultBridgeIp = $"10.{250 + System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 5)}.{third}.1/24",
            FirewallTable = "berth-t-" + Tag,
            PluginDirs = [PluginDir],
            PluginTimeout = pluginTimeout ?? TimeSpan.FromSeconds(5),
        };
    }

    /// <summary>Six hex digits in every name this test puts on the host.</summary>
    public string Tag { get; }

    public string Dir { get; }
    public string PluginDir { get; }

    /// <summary>The first three bytes of the test's /24, e.g. <c>10.213.7</c>.</summary>
    public string Subnet { get; }

    public NetworkOptions Options { get; }

    public NetworkController? Controller { get; private set; }

    /// <summary>Every link the test's plugins make starts with it.</summary>
    public string LinkPrefix => "bt" + Tag;

    public string PluginName => "bt" + Tag;

    public NetworkController Open() => Controller = NetworkController.Open(Options);

    /// <summary>Closes the controller as a daemon that stops does: what it made on the host stays.</summary>
    public void Close()
    {
        Controller?.Dispose();
        Controller = null;
    }

    public TestPlugin StartPlugin(string? name = null, string? socketPath = null)
    {
        name ??= PluginName;
        var plugin = new TestPlugin(name, socketPath ?? Path.Join(PluginDir, name + ".sock"), LinkPrefix);
        _plugins.Add(plugin);
        return plugin;
    }

    public async Task StopPlugin(TestPlugin plugin)
    {
        _plugins.Remove(plugin);
        await plugin.DisposeAsync();
    }

    /// <summary>A network on the test plugin with the test's /24.</summary>
    public NetworkRecord CreateNetwork(string name = "remote", IReadOnlyDictionary<string, string>? options = null, bool isInternal = false, string? subnet = null) =>
        Controller!.Create(new NetworkCreate
        {
            Name = name,
            Driver = PluginName,
            Internal = isInternal,
            IpamConfig = [new IpamPool { Subnet = subnet ?? Subnet + ".0/24", Gateway = Subnet + ".1", AuxiliaryAddresses = new() { ["router"] = Subnet + ".5" } }],
            Options = options ?? new Dictionary<string, string>(),
        });

    public IPAddress Address(int last) => IPAddress.Parse($"{Subnet}.{last}");

    /// <summary>A network namespace with only <c>lo</c>, bind-mounted under the temp directory: a sandbox key.</summary>
    public string NewSandbox()
    {
        var path = Path.Join(Dir, "netns-" + _sandboxes.Count);
        NetNs.Create(path);
        _sandboxes.Add(path);
        return path;
    }

    public static T InSandbox<T>(string sandbox, Func<Netlink, T> look)
    {
        using var ns = NetNs.Open(sandbox);
        using var inner = Netlink.OpenIn(ns);
        return look(inner);
    }

    public async ValueTask DisposeAsync()
    {
        if (Controller is { } c)
        {
            c.RemoveHostState();
            c.Dispose();
            Controller = null;
        }
        foreach (var p in _plugins.ToList())
        {
            await StopPlugin(p);
        }
        foreach (var s in _sandboxes)
        {
            NetNs.Remove(s);
        }
        Directory.Delete(Dir, recursive: true);
        AssertHostClean();
    }

    /// <summary>No bridge, table or link of the test is left on the host.</summary>
    private void AssertHostClean()
    {
        Assert.Empty(TestPlugin.LinksStartingWith(LinkPrefix));
        Assert.Empty(TestPlugin.LinksStartingWith(Options.DefaultBridge));
        using var nft = Nftables.Open();
        Assert.DoesNotContain("table ip " + Options.FirewallTable + "\n", nft.Run("list tables") + "\n", StringComparison.Ordinal);
    }
}

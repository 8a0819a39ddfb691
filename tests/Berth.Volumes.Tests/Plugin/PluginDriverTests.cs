using System.Text.Json;
using Berth.Common;

namespace Berth.Volumes.Tests.Plugin;

/// <summary>Volume plugins through Docker's legacy protocol, with <see cref="TestVolumePlugin"/> on a real socket in
/// a plugin directory of the test's own.</summary>
public sealed class PluginDriverTests : IAsyncLifetime
{
    private readonly VolumeRoot _root = new();
    private TestVolumePlugin _plugin = null!;

    private string PluginDir => Path.Join(_root.Dir, "plugins");

    public Task InitializeAsync()
    {
        _plugin = new TestVolumePlugin("tvp", Path.Join(PluginDir, "tvp.sock"), Path.Join(_root.Dir, "plugin-data"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _plugin.DisposeAsync();
        _root.Dispose();
    }

    private VolumeService Open(TimeSpan? pluginTimeout = null) => new(_root.Path, new VolumeMounts((_, _) => throw new InvalidOperationException("no host mount for a plugin"), _ => false), [PluginDir])
    {
        PluginTimeout = pluginTimeout ?? TimeSpan.FromSeconds(5),
    };

    [Fact]
    public void Create_and_inspect_go_to_the_plugin()
    {
        _plugin.Scope = "GLOBAL";
        var service = Open();

        var v = service.Create("pv", "tvp", new Dictionary<string, string> { ["size"] = "1g" }, new Dictionary<string, string> { ["a"] = "1" });

        Assert.Equal(("pv", "tvp", Path.Join(_plugin.DataDir, "pv"), "global"), (v.Name, v.Driver, v.Mountpoint, v.Scope));
        Assert.Equal("1", v.Labels["a"]);
        Assert.Equal("""{"size":"1g"}""", _plugin.CreateOptions["pv"]!.ToJsonString());
        Assert.Equal(["Plugin.Activate", "VolumeDriver.Create", "VolumeDriver.Get", "VolumeDriver.Capabilities"], _plugin.Methods);
        Assert.Equal(0, ((JsonElement)service.Get("pv").Status!["mounts"]!).GetInt32());
        Assert.Equal(["local", "tvp"], service.Drivers());
        Assert.Equal(-1, service.Size("pv"));
    }

    [Fact]
    public void Mounts_carry_an_id_each_and_unmount_gives_it_back()
    {
        var service = Open();
        service.Create("pv", "tvp");

        var path = service.Mount("pv", "c1");
        service.Mount("pv", "c2");
        var ids = _plugin.MountIds("pv");

        Assert.Equal(Path.Join(_plugin.DataDir, "pv"), path);
        Assert.Equal(2, ids.Count);
        Assert.All(ids, id => Assert.Matches("^[0-9a-f]{64}$", id));
        service.Unmount("pv", "c1");
        Assert.Single(_plugin.MountIds("pv"));
        service.Unmount("pv", "c2");
        Assert.Empty(_plugin.MountIds("pv"));
        service.Remove("pv");
        Assert.False(Directory.Exists(path));
        Assert.False(Directory.Exists(Path.Join(_root.Path, "pv")));
    }

    [Fact]
    public void Remove_of_a_volume_in_use_never_reaches_the_plugin()
    {
        var service = Open();
        service.Create("pv", "tvp");
        service.Reference("pv", "c1");
        Assert.Equal(ErrorKind.Conflict, Assert.Throws<BerthException>(() => service.Remove("pv", force: true)).Kind);
        Assert.DoesNotContain("VolumeDriver.Remove", _plugin.Methods);
    }

    [Fact]
    public void The_plugins_errors_are_its_own_words_after_Dockers_prefix()
    {
        var service = Open();
        _plugin.Handlers["VolumeDriver.Create"] = _ => (200, """{"Err":"no space left on the moon"}""");
        var e = Assert.Throws<BerthException>(() => service.Create("pv", "tvp"));
        Assert.Equal("create pv: no space left on the moon", e.Message);
        Assert.Null(service.TryGet("pv"));
        Assert.False(Directory.Exists(Path.Join(_root.Path, "pv")));

        _plugin.Handlers["VolumeDriver.Create"] = _ => (500, "plain text trouble");
        Assert.Equal("create pv: VolumeDriver.Create: plain text trouble", Assert.Throws<BerthException>(() => service.Create("pv", "tvp")).Message);
    }

    [Fact]
    public void Remove_with_force_forgets_a_volume_its_plugin_cannot_remove()
    {
        var service = Open();
        service.Create("pv", "tvp");
        _plugin.Handlers["VolumeDriver.Remove"] = _ => (200, """{"Err":"busy"}""");
        Assert.Equal("busy", Assert.Throws<BerthException>(() => service.Remove("pv")).Message);
        Assert.NotNull(service.TryGet("pv"));
        service.Remove("pv", force: true);
        Assert.Null(service.TryGet("pv"));
    }

    [Fact]
    public void List_asks_the_plugin_and_shows_its_own_volumes()
    {
        var service = Open();
        service.Create("pv", "tvp");
        Directory.CreateDirectory(Path.Join(_plugin.DataDir, "theirs"));

        var listed = service.List();

        Assert.Equal(["pv", "theirs"], listed.Select(v => v.Name));
        Assert.All(listed, v => Assert.Equal(Path.Join(_plugin.DataDir, v.Name), v.Mountpoint));
        Assert.Single(_plugin.Methods, "VolumeDriver.List");
        service.Remove("theirs");
        Assert.False(Directory.Exists(Path.Join(_plugin.DataDir, "theirs")));
    }

    [Fact]
    public void A_plugin_volume_survives_a_restart()
    {
        Open().Create("pv", "tvp", labels: new Dictionary<string, string> { ["k"] = "v" });
        var after = Open();
        var v = after.Get("pv");
        Assert.Equal(("tvp", "v", Path.Join(_plugin.DataDir, "pv")), (v.Driver, v.Labels["k"], v.Mountpoint));
    }

    [Fact]
    public async Task A_plugin_that_stopped_is_forgotten_at_once()
    {
        // At once: well within the plugin timeout, which is long so that a loaded machine cannot mistake waiting it out
        // for a prompt answer.
        var service = Open(TimeSpan.FromSeconds(30));
        service.Create("pv", "tvp");
        await _plugin.DisposeAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var listed = service.List();
        var e = Assert.Throws<BerthException>(() => service.Get("pv"));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal(("pv", ""), (listed.Single().Name, listed.Single().Mountpoint));
        Assert.Equal("error looking up volume plugin tvp: plugin \"tvp\" not found", e.Message);
        Assert.Equal(["local"], service.Drivers());

        // Back on its socket, it is found again.
        _plugin = new TestVolumePlugin("tvp", Path.Join(PluginDir, "tvp.sock"), Path.Join(_root.Dir, "plugin-data"));
        Assert.Equal(Path.Join(_plugin.DataDir, "pv"), service.Get("pv").Mountpoint);
    }

    [Fact]
    public void Unknown_plugins_and_other_kinds_of_plugins_are_refused_in_Dockers_words()
    {
        var service = Open();
        var e = Assert.Throws<BerthException>(() => service.Create("pv", "nosuch"));
        Assert.Equal((ErrorKind.NotFound, "create pv: error looking up volume plugin nosuch: plugin \"nosuch\" not found"), (e.Kind, e.Message));

        _plugin.Handlers["Plugin.Activate"] = _ => (200, """{"Implements":["NetworkDriver"]}""");
        e = Assert.Throws<BerthException>(() => service.Create("pv", "tvp"));
        Assert.Equal("create pv: error looking up volume plugin tvp: Plugin does not implement the requested driver", e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Path));
    }
}

using Berth.Common;
using Berth.Engine.Model;

namespace Berth.Engine.Tests;

/// <summary>-v, --mount and --tmpfs read as moby's Linux mount parser reads them, with its words for bad input.</summary>
public sealed class MountParserTests
{
    [Fact]
    public void A_named_volume_gets_Dockers_default_mode_and_copies_the_image_content()
    {
        var m = MountParser.ParseBind("data:/var/lib/data", "local");

        Assert.Equal(("volume", "data", "/var/lib/data", "local", "z", true), (m.Type, m.Name, m.Destination, m.Driver, m.Mode, m.RW));
        Assert.True(m.CopyData);
        Assert.False(m.Anonymous);
    }

    [Fact]
    public void A_host_path_is_a_bind_created_when_missing_and_private_by_default()
    {
        var m = MountParser.ParseBind("/srv//www/:/usr/share/www:ro,z", "local");

        Assert.Equal(("bind", "/srv/www", "/usr/share/www", "ro,z", false, "rprivate"), (m.Type, m.Source, m.Destination, m.Mode, m.RW, m.Propagation));
        Assert.True(m.CreateSource);
        Assert.True(m.ReadOnlyRecursive);
    }

    [Theory]
    [InlineData("/data", "/data", true)]
    [InlineData("/data:ro", "/data", false)]
    public void A_lone_destination_is_an_anonymous_volume(string raw, string destination, bool rw)
    {
        var m = MountParser.ParseBind(raw, "local");

        Assert.Equal(("volume", "", destination, rw), (m.Type, m.Name, m.Destination, m.RW));
        Assert.True(m.Anonymous);
    }

    [Theory]
    [InlineData("/tmp:/", "invalid volume specification: '/tmp:/': invalid mount config for type \"bind\": invalid specification: destination can't be '/'")]
    [InlineData("tmp:data", "invalid volume specification: 'tmp:data': invalid mount config for type \"volume\": invalid mount path: 'data' mount path must be absolute")]
    [InlineData("/tmp:/data:xyz", "invalid mode: xyz")]
    [InlineData("/tmp:/data:ro,rw", "invalid mode: ro,rw")]
    [InlineData("a:b:c:d", "invalid volume specification: 'a:b:c:d'")]
    [InlineData("/tmp:/data:nocopy", "invalid volume specification: '/tmp:/data:nocopy': invalid mount config for type \"bind\": field VolumeOptions must not be specified")]
    public void Bad_binds_get_Dockers_message(string raw, string message)
    {
        var e = Assert.Throws<BerthException>(() => MountParser.ParseBind(raw, "local"));

        Assert.Equal((ErrorKind.InvalidArgument, message), (e.Kind, e.Message));
    }

    [Fact]
    public void A_mount_of_type_bind_must_name_an_existing_absolute_source()
    {
        Assert.Equal("invalid mount config for type \"bind\": bind source path does not exist: /nonexistent-berth",
            Assert.Throws<BerthException>(() => MountParser.ParseMount(new MountSpec { Type = "bind", Source = "/nonexistent-berth", Target = "/d" }, "local")).Message);
        Assert.Equal("invalid mount config for type \"bind\": invalid mount path: 'rel' mount path must be absolute",
            Assert.Throws<BerthException>(() => MountParser.ParseMount(new MountSpec { Type = "bind", Source = "rel", Target = "/d" }, "local")).Message);
        var created = MountParser.ParseMount(new MountSpec { Type = "bind", Source = "/nonexistent-berth", Target = "/d", BindOptions = new BindOptions { CreateMountpoint = true } }, "local");
        Assert.True(created.CreateSource);
    }

    [Theory]
    [InlineData("bogus", "", "/d", "invalid mount config for type \"bogus\": mount type unknown")]
    [InlineData("volume", "v1", "", "invalid mount config for type \"volume\": field Target must not be empty")]
    [InlineData("volume", "v1", "/", "invalid mount config for type \"volume\": invalid specification: destination can't be '/'")]
    [InlineData("tmpfs", "x", "/d", "invalid mount config for type \"tmpfs\": field Source must not be specified")]
    public void Bad_mounts_get_Dockers_message(string type, string source, string target, string message)
    {
        var e = Assert.Throws<BerthException>(() => MountParser.ParseMount(new MountSpec { Type = type, Source = source, Target = target }, "local"));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Options_of_another_type_are_refused()
    {
        var e = Assert.Throws<BerthException>(() => MountParser.ParseMount(new MountSpec { Type = "volume", Target = "/d", BindOptions = new BindOptions { Propagation = "shared" } }, "local"));

        Assert.Equal("invalid mount config for type \"volume\": field BindOptions must not be specified", e.Message);
    }

    [Fact]
    public void A_tmpfs_mount_turns_size_and_mode_into_mount_data()
    {
        var m = MountParser.ParseMount(new MountSpec { Type = "tmpfs", Target = "/run", TmpfsOptions = new TmpfsOptions { SizeBytes = 1 << 20, Mode = 0x3f8 } }, "local");

        Assert.Equal(("tmpfs", "/run", "size=1048576,mode=1770"), (m.Type, m.Destination, m.Data));
    }

    [Fact]
    public void A_volume_mount_takes_its_driver_options_and_nocopy()
    {
        var m = MountParser.ParseMount(new MountSpec
        {
            Type = "volume",
            Source = "cache",
            Target = "/cache",
            ReadOnly = true,
            VolumeOptions = new VolumeOptions { NoCopy = true, DriverConfig = new VolumeDriverConfig { Name = "mydriver", Options = new() { ["type"] = "tmpfs" } } },
        }, "local");

        Assert.Equal(("cache", "mydriver", false, false), (m.Name, m.Driver, m.RW, m.CopyData));
        Assert.Equal("tmpfs", m.DriverOptions!["type"]);
    }

    [Theory]
    [InlineData("/proc", "error mounting \"/tmp\" to rootfs at \"/proc\": cannot be mounted because it is not of type proc")]
    [InlineData("/proc/sys", "error mounting \"/tmp\" to rootfs at \"/proc/sys\": \"/proc/sys\" cannot be mounted because it is inside /proc")]
    public void Nothing_but_procfs_goes_on_proc(string destination, string message)
    {
        var e = Assert.Throws<BerthException>(() => MountParser.CheckDestination(new MountPoint { Type = "bind", Source = "/tmp", Destination = destination }));

        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void The_hosts_dev_may_be_bound_but_not_a_directory_without_devices()
    {
        MountParser.CheckDestination(new MountPoint { Type = "bind", Source = "/dev", Destination = "/dev" });

        Assert.Throws<BerthException>(() => MountParser.CheckDestination(new MountPoint { Type = "bind", Source = "/tmp", Destination = "/dev" }));
    }

    [Theory]
    [InlineData("web", "web", null)]
    [InlineData("web:ro", "web", false)]
    [InlineData("web:rw", "web", true)]
    public void Volumes_from_takes_an_optional_mode(string raw, string container, bool? rw)
    {
        Assert.Equal((container, rw), MountParser.ParseVolumesFrom(raw));
    }

    [Fact]
    public void Volumes_from_refuses_another_mode() =>
        Assert.Equal("invalid mode: z", Assert.Throws<BerthException>(() => MountParser.ParseVolumesFrom("web:z")).Message);
}

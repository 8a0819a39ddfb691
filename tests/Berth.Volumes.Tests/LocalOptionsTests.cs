using System.Text.Json;
using Berth.Common;

namespace Berth.Volumes.Tests;

/// <summary><c>-o type/device/o</c>: validated as Docker's local driver does, mounted for real on the first mount
/// and unmounted on the last.</summary>
public sealed class LocalOptionsTests : IDisposable
{
    private readonly VolumeRoot _root = new();

    public void Dispose() => _root.Dispose();

    public static TheoryData<string, string[], string> BadOptions => new()
    {
        // row, options as key=value, Docker's message after "create NAME: "
        { "unknown key", ["x=1"], "invalid option: \"x\"" },
        { "device without type", ["device=tmpfs"], "missing required option: \"type\"" },
        { "type without device", ["type=tmpfs"], "missing required option: \"device\"" },
        { "o alone", ["o=size=1m"], "missing required option: \"device\"" },
        { "a quota", ["size=10m"], "quota size requested but no quota support" },
        { "a bad size", ["size=lots"], "invalid size: 'lots'" },
        { "cifs port in the url", ["type=cifs", "device=//host:445/share"], "port not allowed in CIFS device URL, include 'port' in 'o='" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Bad_options_are_refused_in_Dockers_words(string row, string[] options, string message)
    {
        var service = _root.Open();
        var e = Assert.Throws<BerthException>(() => service.Create("vol", options: Options(options)));
        Assert.True(e.Kind == ErrorKind.InvalidArgument, row);
        Assert.Equal("create vol: " + message, e.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Path));
    }

    [Fact]
    public void A_tmpfs_volume_is_mounted_on_first_mount_and_unmounted_on_last()
    {
        var service = _root.Open();
        var v = service.Create("tmp", options: Options(["type=tmpfs", "device=tmpfs", "o=size=100m,uid=1000"]));
        Assert.Equal(new Dictionary<string, string> { ["type"] = "tmpfs", ["device"] = "tmpfs", ["o"] = "size=100m,uid=1000" }, v.Options);
        using (var opts = JsonDocument.Parse(File.ReadAllText(Path.Join(_root.Path, "tmp", "opts.json"))))
        {
            // compat(docker): opts.json as the local driver writes it.
            Assert.Equal("""{"MountType":"tmpfs","MountOpts":"size=100m,uid=1000","MountDevice":"tmpfs","Quota":{"Size":0}}""", opts.RootElement.GetRawText());
        }
        Assert.Empty(VolumeRoot.MountsUnder(v.Mountpoint));

        Assert.Equal(v.Mountpoint, service.Mount("tmp", "c1"));
        Assert.Equal(v.Mountpoint, service.Mount("tmp", "c2"));
        var mounted = Berth.Linux.Mounts.Read().Single(m => m.MountPoint == v.Mountpoint);
        Assert.Equal("tmpfs", mounted.FsType);
        Assert.Contains("size=102400k", mounted.SuperOptions, StringComparison.Ordinal);
        Assert.Contains("uid=1000", mounted.SuperOptions, StringComparison.Ordinal);
        Assert.Single(_root.MountCalls);

        File.WriteAllText(Path.Join(v.Mountpoint, "f"), "hello");
        Assert.Equal(5, service.Size("tmp"));

        service.Unmount("tmp", "c1");
        Assert.Single(VolumeRoot.MountsUnder(v.Mountpoint));
        service.Unmount("tmp", "c2");
        Assert.Empty(VolumeRoot.MountsUnder(v.Mountpoint));
        Assert.False(File.Exists(Path.Join(v.Mountpoint, "f")));
    }

    [Fact]
    public void O_bind_binds_an_existing_directory_and_remove_leaves_it_alone()
    {
        var source = Directory.CreateDirectory(Path.Join(_root.Dir, "host-dir")).FullName;
        File.WriteAllText(Path.Join(source, "keep"), "mine");
        var service = _root.Open();
        var v = service.Create("bound", options: Options(["type=none", "o=bind", "device=" + source]));

        var path = service.Mount("bound", "c1");
        Assert.Equal("mine", File.ReadAllText(Path.Join(path, "keep")));
        File.WriteAllText(Path.Join(path, "new"), "x");
        Assert.True(File.Exists(Path.Join(source, "new")));

        // Removing while mounted is refused; after the last unmount it removes the volume, never the source.
        Assert.Equal(ErrorKind.Conflict, Assert.Throws<BerthException>(() => service.Remove("bound")).Kind);
        service.Unmount("bound", "c1");
        service.Remove("bound");
        Assert.False(Directory.Exists(Path.Join(_root.Path, "bound")));
        Assert.Equal("mine", File.ReadAllText(Path.Join(source, "keep")));
        Assert.Empty(VolumeRoot.MountsUnder(_root.Path));
    }

    [Fact]
    public void A_mount_that_fails_says_so_and_counts_nothing()
    {
        var service = _root.Open();
        service.Create("broken", options: Options(["type=none", "o=bind", "device=/nonexistent-" + Ids.New()]));
        var e = Assert.Throws<BerthException>(() => service.Mount("broken", "c1"));
        Assert.StartsWith("failed to mount local volume: ", e.Message, StringComparison.Ordinal);
        service.Remove("broken");
    }

    [Fact]
    public void Options_survive_a_restart_and_a_mount_left_by_a_crash_is_undone()
    {
        var service = _root.Open();
        var v = service.Create("tmp", options: Options(["type=tmpfs", "device=tmpfs"]));
        service.Mount("tmp", "c1");

        // A daemon that crashed: the new one finds the volume mounted and nobody using it.
        var after = _root.Open();
        Assert.Equal("tmpfs", after.Get("tmp").Options!["type"]);
        Assert.Single(VolumeRoot.MountsUnder(v.Mountpoint));
        after.UnmountUnused();
        Assert.Empty(VolumeRoot.MountsUnder(v.Mountpoint));

        // Mounted again for a container, and removed once it is gone: no mount, no directory.
        after.Mount("tmp", "c9");
        Assert.Single(VolumeRoot.MountsUnder(v.Mountpoint));
        after.UnmountUnused();
        Assert.Single(VolumeRoot.MountsUnder(v.Mountpoint));
        after.Unmount("tmp", "c9");
        after.Remove("tmp");
        Assert.Empty(VolumeRoot.MountsUnder(_root.Path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Path));
    }

    [Fact]
    public void A_root_reached_through_a_symlink_still_knows_its_mounts()
    {
        var real = Directory.CreateDirectory(Path.Join(_root.Dir, "real")).FullName;
        var link = Path.Join(_root.Dir, "link");
        Directory.CreateSymbolicLink(link, real);
        var source = Directory.CreateDirectory(Path.Join(_root.Dir, "host-dir")).FullName;
        File.WriteAllText(Path.Join(source, "keep"), "mine");
        VolumeService Open() => new(Path.Join(link, "volumes"), new VolumeMounts((m, t) => Berth.Runtime.RootfsMounter.Mount([m], t), Berth.Runtime.RootfsMounter.Unmount), []);

        var service = Open();
        Assert.Equal(Path.Join(real, "volumes"), service.Root);
        service.Create("bound", options: Options(["type=none", "o=bind", "device=" + source]));
        service.Mount("bound", "c1");

        // A crash: the next daemon finds the mount left, unmounts it, and only then removes the volume.
        var after = Open();
        after.UnmountUnused();
        Assert.Empty(VolumeRoot.MountsUnder(real));
        after.Remove("bound");
        Assert.Equal("mine", File.ReadAllText(Path.Join(source, "keep")));
    }

    [Fact]
    public void Remove_never_deletes_through_a_mount_it_did_not_make()
    {
        var source = Directory.CreateDirectory(Path.Join(_root.Dir, "host-dir")).FullName;
        File.WriteAllText(Path.Join(source, "keep"), "mine");
        var service = _root.Open();
        var v = service.Create("plain");
        Berth.Runtime.RootfsMounter.Mount([new Berth.Oci.Mount { Type = "bind", Source = source, Options = ["bind"] }], v.Mountpoint);

        var e = Assert.Throws<BerthException>(() => service.Remove("plain"));

        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.Equal("mine", File.ReadAllText(Path.Join(source, "keep")));
        Berth.Runtime.RootfsMounter.Unmount(v.Mountpoint);
        service.Remove("plain");
    }

    [Fact]
    public void A_restarted_daemon_mounts_a_device_volume_left_mounted_only_once()
    {
        var service = _root.Open();
        var v = service.Create("tmp", options: Options(["type=tmpfs", "device=tmpfs"]));
        service.Mount("tmp", "c1");
        var after = _root.Open();
        // The engine re-mounts for its running container: the tmpfs is already there.
        after.Mount("tmp", "c1");
        Assert.Single(VolumeRoot.MountsUnder(v.Mountpoint));
        after.Unmount("tmp", "c1");
        Assert.Empty(VolumeRoot.MountsUnder(v.Mountpoint));
    }

    [Theory]
    [InlineData("nfs", "addr=127.0.0.1,rw", "addr=127.0.0.1,rw")]
    [InlineData("nfs", "addr=localhost,rw", "addr=127.0.0.1,rw")]
    [InlineData("tmpfs", "addr=localhost", "addr=localhost")]
    public void Nfs_addresses_are_resolved_as_Docker_does(string type, string o, string expected)
    {
        var (device, options) = LocalDriver.MountOptionsOf(new LocalOpts { MountType = type, MountDevice = ":/export", MountOpts = o });
        Assert.Equal(":/export", device);
        if (o.Contains("localhost", StringComparison.Ordinal) && type == "nfs")
        {
            // localhost may resolve to ::1 first on some hosts; either is an address.
            Assert.Matches("^addr=(127\\.0\\.0\\.1|::1),rw$", options);
        }
        else
        {
            Assert.Equal(expected, options);
        }
    }

    private static Dictionary<string, string> Options(string[] pairs) =>
        pairs.Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
}

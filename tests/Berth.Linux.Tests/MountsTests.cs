namespace Berth.Linux.Tests;

/// <summary>mount(2), umount2(2) and the mountinfo reader, on real bind mounts of throwaway directories.</summary>
public sealed class MountsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_bind_mount_appears_in_mountinfo_and_goes_away_on_unmount()
    {
        var source = Directory.CreateDirectory(_dir.Join("source")).FullName;
        var target = Directory.CreateDirectory(_dir.Join("target")).FullName;
        File.WriteAllText(Path.Join(source, "hello"), "hi");

        Mounts.Mount(source, target, null, LibC.MS_BIND);

        Assert.Equal("hi", File.ReadAllText(Path.Join(target, "hello")));
        var mount = Assert.Single(Mounts.Read(), m => m.MountPoint == target);
        Assert.StartsWith("rw", mount.Options, StringComparison.Ordinal);

        Assert.True(Mounts.TryUnmount(target));
        Assert.DoesNotContain(Mounts.Read(), m => m.MountPoint == target);
        Assert.False(File.Exists(Path.Join(target, "hello")));
        // Not a mount point any more: nothing to do, and not an error.
        Assert.False(Mounts.TryUnmount(target));
    }

    [Fact]
    public void A_read_only_remount_shows_as_ro()
    {
        var target = Directory.CreateDirectory(_dir.Join("ro")).FullName;
        Mounts.Mount(target, target, null, LibC.MS_BIND);
        Mounts.Mount(null, target, null, LibC.MS_BIND | LibC.MS_REMOUNT | LibC.MS_RDONLY);

        Assert.StartsWith("ro", Assert.Single(Mounts.Read(), m => m.MountPoint == target).Options, StringComparison.Ordinal);
        var e = Assert.ThrowsAny<IOException>(() => File.WriteAllText(Path.Join(target, "x"), "x"));
        Assert.Contains("Read-only file system", e.Message, StringComparison.Ordinal);
        Mounts.Unmount(target);
    }

    [Fact]
    public void A_tmpfs_reports_its_type_source_and_data()
    {
        var target = Directory.CreateDirectory(_dir.Join("tmp")).FullName;
        Mounts.Mount("berth-test", target, "tmpfs", LibC.MS_NOSUID | LibC.MS_NODEV, "size=1m,mode=755");

        var mount = Assert.Single(Mounts.Read(), m => m.MountPoint == target);
        Assert.Equal("tmpfs", mount.FsType);
        Assert.Equal("berth-test", mount.Source);
        Assert.Contains("nosuid", mount.Options, StringComparison.Ordinal);
        Assert.Contains("size=1024k", mount.SuperOptions, StringComparison.Ordinal);
        Assert.True(Mounts.TryUnmount(target));
    }

    [Fact]
    public void Mount_points_with_spaces_are_unescaped()
    {
        var target = Directory.CreateDirectory(_dir.Join("with space")).FullName;
        Mounts.Mount("tmpfs", target, "tmpfs", 0, "size=1m");

        Assert.Contains(Mounts.Read(), m => m.MountPoint == target);
        Assert.True(Mounts.TryUnmount(target));
    }

    [Fact]
    public void A_failed_mount_names_its_target_and_errno()
    {
        var target = Directory.CreateDirectory(_dir.Join("t")).FullName;
        var e = Assert.Throws<LinuxException>(() => Mounts.Mount(_dir.Join("missing"), target, null, LibC.MS_BIND));

        Assert.Equal(LibC.ENOENT, e.Errno);
        Assert.Equal($"mount `{target}`: No such file or directory", e.Message);
    }

    [Fact]
    public void TryUnmount_does_not_follow_a_symlink()
    {
        var target = Directory.CreateDirectory(_dir.Join("real")).FullName;
        var link = _dir.Join("link");
        File.CreateSymbolicLink(link, target);
        Mounts.Mount("tmpfs", target, "tmpfs", 0, "size=1m");

        // UMOUNT_NOFOLLOW: a link planted where a mount point was expected must not unmount what it points at.
        Assert.False(Mounts.TryUnmount(link));
        Assert.Contains(Mounts.Read(), m => m.MountPoint == target);
        Assert.True(Mounts.TryUnmount(target));
    }
}

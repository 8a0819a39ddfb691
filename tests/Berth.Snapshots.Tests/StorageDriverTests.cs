using Berth.Common;

namespace Berth.Snapshots.Tests;

/// <summary>Which driver berthd opens: the one asked for, else the one whose state is there, else overlay2 where it
/// mounts (it does on this kernel); dockerd's words for one that cannot be had.</summary>
public sealed class StorageDriverTests
{
    /// <summary>A data root where <paramref name="driver"/> holds one committed snapshot.</summary>
    private static void LeaveState(string dataRoot, string driver)
    {
        var s = StorageDriver.Open(dataRoot, driver);
        s.Prepare("k", null);
        s.Commit("layer", "k");
    }

    [Theory]
    [InlineData(null, new string[0], "overlay2")]
    [InlineData("vfs", new string[0], "vfs")]
    [InlineData("overlay", new string[0], "overlay2")]
    [InlineData(null, new[] { "vfs" }, "vfs")]
    [InlineData(null, new[] { "overlay2" }, "overlay2")]
    [InlineData(null, new[] { "vfs", "overlay2" }, "overlay2")]
    [InlineData("overlay2", new[] { "vfs" }, "overlay2")]
    [InlineData("vfs", new[] { "overlay2" }, "vfs")]
    public void Chooses_as_dockerd_but_keeps_vfs_state(string? requested, string[] state, string expected)
    {
        using var root = new TempDir();
        foreach (var driver in state)
        {
            LeaveState(root.Path, driver);
        }

        Assert.Equal(expected, StorageDriver.Open(root.Path, requested).Name);
    }

    [Fact]
    public void An_empty_driver_directory_is_no_state()
    {
        using var root = new TempDir();
        Directory.CreateDirectory(root.Join("vfs"));

        Assert.Equal("overlay2", StorageDriver.Open(root.Path, null).Name);
    }

    [Fact]
    public void An_unknown_driver_is_refused_with_dockerds_words()
    {
        using var root = new TempDir();

        var e = Assert.Throws<BerthException>(() => StorageDriver.Open(root.Path, "zfs"));

        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal($"error initializing graphdriver: failed to GetDriver graph zfs {root.Path}: driver not supported", e.Message);
    }

    [Fact]
    public void Overlay2_reports_dockerds_status_fields_in_order()
    {
        using var root = new TempDir();

        var status = StorageDriver.Open(root.Path, "overlay2").Status();

        Assert.Equal(["Backing Filesystem", "Supports d_type", "Using metacopy", "Native Overlay Diff", "userxattr"], status.Select(s => s.Name));
        Assert.NotEqual("", status[0].Value);
        Assert.Empty(StorageDriver.Open(root.Path, "vfs").Status());
    }
}

using Berth.Linux;

namespace Berth.Snapshots.Tests;

public sealed class OverlaySnapshotterTests : SnapshotterSuite
{
    protected override ISnapshotter Create(string root) => new OverlaySnapshotter(root);

    /// <summary>Deleting through the mounted overlay leaves the whiteout (a 0/0 character device) in the upper dir.</summary>
    protected override void DeleteFromLayer(ISnapshotter snapshotter, string key, IReadOnlyList<Mount> mounts, string relative)
    {
        using (var m = MountAt(mounts))
        {
            File.Delete(m.Join(relative));
        }
        var st = Fs.Lstat(Path.Join(snapshotter.LayerDirectory(key), relative));
        Assert.Equal(LibC.S_IFCHR, st.st_mode & LibC.S_IFMT);
        Assert.Equal(0ul, st.st_rdev);
    }

    [Fact]
    public void Overlay_is_supported_on_this_kernel()
    {
        Directory.CreateDirectory(Root);
        Assert.True(OverlaySnapshotter.IsSupported(Root));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root)); // the probe cleans up after itself
    }

    [Fact]
    public void Names_itself_overlay2()
    {
        var s = new OverlaySnapshotter(Root);
        Assert.Equal("overlay2", s.Name);
        Assert.True(s.UsesOverlayWhiteouts);
    }

    [Fact]
    public void An_active_snapshot_over_a_chain_is_an_overlay_with_the_nearest_lower_first()
    {
        var s = new OverlaySnapshotter(Root);
        s.Prepare("k1", null);
        s.Commit("l1", "k1");
        s.Prepare("k2", "l1");
        s.Commit("l2", "k2");
        var m = Assert.Single(s.Prepare("c", "l2"));
        Assert.Equal("overlay", m.Type);
        var lower = Assert.Single(m.Options, o => o.StartsWith("lowerdir=", StringComparison.Ordinal));
        Assert.Equal("lowerdir=" + s.LayerDirectory("l2") + ":" + s.LayerDirectory("l1"), lower);
        Assert.Contains("upperdir=" + s.LayerDirectory("c"), m.Options);
        Assert.Contains(m.Options, o => o.StartsWith("workdir=", StringComparison.Ordinal));
        Assert.Contains("index=off", m.Options);
    }

    [Fact]
    public void A_view_over_two_layers_is_an_overlay_without_upper()
    {
        var s = new OverlaySnapshotter(Root);
        s.Prepare("k1", null);
        s.Commit("l1", "k1");
        s.Prepare("k2", "l1");
        s.Commit("l2", "k2");
        var m = Assert.Single(s.View("v", "l2"));
        Assert.Equal("overlay", m.Type);
        Assert.DoesNotContain(m.Options, o => o.StartsWith("upperdir=", StringComparison.Ordinal) || o.StartsWith("workdir=", StringComparison.Ordinal));
    }

    [Fact]
    public void A_deep_chain_of_layers_mounts()
    {
        var s = new OverlaySnapshotter(Root);
        string? parent = null;
        for (var i = 0; i < 60; i++)
        {
            var key = "k" + i;
            s.Prepare(key, parent);
            File.WriteAllText(Path.Join(s.LayerDirectory(key), "layer" + i), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            File.WriteAllText(Path.Join(s.LayerDirectory(key), "top"), i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            parent = "sha256:" + new string((char)('a' + i % 6), 60) + i.ToString("d4", System.Globalization.CultureInfo.InvariantCulture);
            s.Commit(parent, key);
        }
        using var m = MountAt(s.Prepare("container", parent));
        Assert.Equal("59", File.ReadAllText(m.Join("top")));
        Assert.Equal("0", File.ReadAllText(m.Join("layer0")));
        Assert.Equal(61, Directory.EnumerateFileSystemEntries(m.Target).Count());
    }

    [Fact]
    public void Commit_empties_the_work_directory()
    {
        var s = new OverlaySnapshotter(Root);
        s.Prepare("k1", null);
        s.Commit("l1", "k1");
        var mounts = s.Prepare("k2", "l1");
        using (var m = MountAt(mounts))
        {
            File.WriteAllText(m.Join("f"), "x");
            File.Delete(m.Join("f"));
        }
        s.Commit("l2", "k2");
        var work = Path.Join(Path.GetDirectoryName(s.LayerDirectory("l2"))!, "work");
        Assert.True(Directory.Exists(work));
        Assert.Empty(Directory.EnumerateFileSystemEntries(work));
    }
}

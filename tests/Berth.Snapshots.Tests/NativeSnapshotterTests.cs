namespace Berth.Snapshots.Tests;

public sealed class NativeSnapshotterTests : SnapshotterSuite
{
    protected override ISnapshotter Create(string root) => new NativeSnapshotter(root);

    /// <summary>A native snapshot holds the whole tree: a deletion is a deletion in its directory.</summary>
    protected override void DeleteFromLayer(ISnapshotter snapshotter, string key, IReadOnlyList<Mount> mounts, string relative)
    {
        var path = Path.Join(snapshotter.LayerDirectory(key), relative);
        Assert.True(File.Exists(path)); // the parent's files were copied in
        File.Delete(path);
    }

    [Fact]
    public void Names_itself_vfs()
    {
        var s = new NativeSnapshotter(Root);
        Assert.Equal("vfs", s.Name);
        Assert.False(s.UsesOverlayWhiteouts);
    }

    [Fact]
    public void An_active_snapshot_is_a_writable_bind_of_a_full_copy()
    {
        var s = new NativeSnapshotter(Root);
        s.Prepare("k1", null);
        File.WriteAllText(Path.Join(s.LayerDirectory("k1"), "f"), "one");
        s.Commit("l1", "k1");
        var m = Assert.Single(s.Prepare("c", "l1"));
        Assert.Equal("bind", m.Type);
        Assert.Equal(s.LayerDirectory("c"), m.Source);
        Assert.Contains("rw", m.Options);
        Assert.Equal("one", File.ReadAllText(Path.Join(s.LayerDirectory("c"), "f")));
        Assert.Contains("ro", Assert.Single(s.View("v", "l1")).Options);
    }
}

namespace Berth.Snapshots.Tests;

public sealed class DiskUsageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Sums_apparent_sizes_of_regular_files_in_the_whole_tree()
    {
        var root = _dir.Join("tree");
        Directory.CreateDirectory(Path.Join(root, "a", "b"));
        File.WriteAllBytes(Path.Join(root, "one"), new byte[1000]);
        File.WriteAllBytes(Path.Join(root, "a", "two"), new byte[20]);
        File.WriteAllBytes(Path.Join(root, "a", "b", ".hidden"), new byte[3]);
        File.WriteAllBytes(Path.Join(root, "a", "b", "empty"), []);
        Assert.Equal(1023, DiskUsage.Of(root));
    }

    [Fact]
    public void A_hardlinked_file_counts_once()
    {
        var root = _dir.Join("tree");
        Directory.CreateDirectory(Path.Join(root, "d"));
        File.WriteAllBytes(Path.Join(root, "f"), new byte[4096]);
        Berth.Linux.Fs.Link(Path.Join(root, "f"), Path.Join(root, "d", "f2"));
        Berth.Linux.Fs.Link(Path.Join(root, "f"), Path.Join(root, "f3"));
        Assert.Equal(4096, DiskUsage.Of(root));
    }

    [Fact]
    public void Symlinks_are_not_followed()
    {
        var outside = _dir.Join("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllBytes(Path.Join(outside, "big"), new byte[100_000]);
        var root = _dir.Join("tree");
        Directory.CreateDirectory(root);
        File.WriteAllBytes(Path.Join(root, "small"), new byte[10]);
        File.CreateSymbolicLink(Path.Join(root, "to-file"), Path.Join(outside, "big"));
        File.CreateSymbolicLink(Path.Join(root, "to-dir"), outside);
        Assert.Equal(10, DiskUsage.Of(root));
    }

    [Fact]
    public void A_sparse_file_counts_its_apparent_size()
    {
        var root = _dir.Join("tree");
        Directory.CreateDirectory(root);
        using (var f = File.Create(Path.Join(root, "sparse")))
        {
            f.SetLength(1 << 20);
        }
        Assert.Equal(1 << 20, DiskUsage.Of(root));
    }

    [Fact]
    public void Special_files_count_nothing()
    {
        var root = _dir.Join("tree");
        Directory.CreateDirectory(root);
        Berth.Linux.Fs.Mknod(Path.Join(root, "fifo"), Berth.Linux.LibC.S_IFIFO | 0x180, 0);
        Assert.Equal(0, DiskUsage.Of(root));
    }

    [Fact]
    public void A_missing_directory_is_zero() => Assert.Equal(0, DiskUsage.Of(_dir.Join("missing")));
}

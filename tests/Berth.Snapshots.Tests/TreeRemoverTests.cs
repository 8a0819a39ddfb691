using System.Diagnostics;
using Berth.Linux;

namespace Berth.Snapshots.Tests;

public sealed class TreeRemoverTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose()
    {
        Chattr("-i", _dir.Join("tree", "stuck", "immutable"));
        _dir.Dispose();
    }

    private static void Chattr(string flag, string path)
    {
        if (!File.Exists(path))
        {
            return;
        }
        using var p = Process.Start("chattr", [flag, path])!;
        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(0, p.ExitCode);
    }

    private string Outside()
    {
        var outside = _dir.Join("outside");
        Directory.CreateDirectory(Path.Join(outside, "sub"));
        File.WriteAllText(Path.Join(outside, "keep"), "host data");
        Fs.Chmod(outside, 0x1e9); // 0751
        return outside;
    }

    [Fact]
    public void Removes_read_only_trees_special_files_and_links_without_touching_their_targets()
    {
        var outside = Outside();
        var tree = _dir.Join("tree");
        Directory.CreateDirectory(Path.Join(tree, "ro", "inner"));
        File.WriteAllText(Path.Join(tree, "ro", "inner", "f"), "x");
        Fs.Mknod(Path.Join(tree, "ro", "whiteout"), LibC.S_IFCHR, 0);
        Fs.Mknod(Path.Join(tree, "fifo"), LibC.S_IFIFO | 0x180, 0);
        File.CreateSymbolicLink(Path.Join(tree, "host-dir"), outside);
        File.CreateSymbolicLink(Path.Join(tree, "host-file"), Path.Join(outside, "keep"));
        Fs.Chmod(Path.Join(tree, "ro", "inner"), 0x16d);
        Fs.Chmod(Path.Join(tree, "ro"), 0x16d);
        TreeRemover.Remove(tree);
        Assert.False(Directory.Exists(tree));
        Assert.Equal("host data", File.ReadAllText(Path.Join(outside, "keep")));
        Assert.True(Directory.Exists(Path.Join(outside, "sub")));
        TreeRemover.Remove(tree); // gone already: nothing to do
    }

    [Fact]
    public void The_permission_fallback_never_changes_a_directory_outside_the_tree()
    {
        var outside = Outside();
        var tree = _dir.Join("tree");
        Directory.CreateDirectory(Path.Join(tree, "stuck"));
        File.CreateSymbolicLink(Path.Join(tree, "host-dir"), outside);
        File.WriteAllText(Path.Join(tree, "stuck", "immutable"), "x");
        // EPERM on unlink (an immutable file) sends TreeRemover to its chmod-and-retry path.
        Chattr("+i", Path.Join(tree, "stuck", "immutable"));
        Assert.ThrowsAny<UnauthorizedAccessException>(() => TreeRemover.Remove(tree));
        Assert.Equal(0x1e9u, Fs.Lstat(outside).st_mode & 0xfff);
        Assert.Equal("host data", File.ReadAllText(Path.Join(outside, "keep")));
    }
}

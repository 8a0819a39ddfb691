using Berth.Common;
using Berth.Linux;

namespace Berth.Snapshots.Tests;

/// <summary>
/// The contract every snapshotter keeps (containerd's SnapshotterSuite), on the real kernel as root: each
/// implementation's test class supplies only the factory and how a layer deletes a lower file.
/// </summary>
public abstract class SnapshotterSuite : IDisposable
{
    protected SnapshotterSuite() => Root = Dir.Join("root");

    protected TempDir Dir { get; } = new();

    protected string Root { get; }

    protected abstract ISnapshotter Create(string root);

    /// <summary>Removes <paramref name="relative"/>, which a parent layer holds, as seen from active snapshot
    /// <paramref name="key"/> (whose mounts are <paramref name="mounts"/>).</summary>
    protected abstract void DeleteFromLayer(ISnapshotter snapshotter, string key, IReadOnlyList<Mount> mounts, string relative);

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    private int _mounts;

    protected MountedSnapshot MountAt(IReadOnlyList<Mount> mounts) =>
        new(mounts, Dir.Join("mnt", (++_mounts).ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static void Write(string dir, string relative, string content)
    {
        var path = Path.Join(dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private static List<string> Tree(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToList();

    /// <summary>l1: a, shared, dir/x · l2: b, shared (changed), dir/y · l3: c, and deletes a and dir/x.</summary>
    private void CommitThreeLayers(ISnapshotter s)
    {
        s.Prepare("k1", null);
        Write(s.LayerDirectory("k1"), "a", "a from 1");
        Write(s.LayerDirectory("k1"), "shared", "from 1");
        Write(s.LayerDirectory("k1"), "dir/x", "x");
        s.Commit("l1", "k1");

        s.Prepare("k2", "l1");
        Write(s.LayerDirectory("k2"), "b", "b from 2");
        Write(s.LayerDirectory("k2"), "shared", "from 2");
        Write(s.LayerDirectory("k2"), "dir/y", "y");
        s.Commit("l2", "k2");

        var mounts = s.Prepare("k3", "l2");
        Write(s.LayerDirectory("k3"), "c", "c from 3");
        DeleteFromLayer(s, "k3", mounts, "a");
        DeleteFromLayer(s, "k3", mounts, "dir/x");
        s.Commit("l3", "k3");
    }

    [Fact]
    public void Prepare_without_parent_gives_an_empty_writable_snapshot()
    {
        var s = Create(Root);
        var mounts = s.Prepare("rootfs", null);
        var info = s.Stat("rootfs");
        Assert.NotNull(info);
        Assert.Equal(SnapshotKind.Active, info.Kind);
        Assert.Null(info.Parent);
        Assert.Equal("rootfs", info.Key);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - info.Created).TotalMinutes) < 5);
        using (var m = MountAt(mounts))
        {
            Assert.Empty(Directory.EnumerateFileSystemEntries(m.Target));
            File.WriteAllText(m.Join("written"), "through the mount");
        }
        Assert.Equal("through the mount", File.ReadAllText(Path.Join(s.LayerDirectory("rootfs"), "written")));
    }

    [Fact]
    public void Mounts_describes_what_Prepare_returned()
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        s.Commit("l1", "k1");
        var prepared = s.Prepare("c", "l1");
        Assert.Equal(prepared.Select(m => m.ToString()), s.Mounts("c").Select(m => m.ToString()));
    }

    [Fact]
    public void Commit_turns_the_active_snapshot_into_a_committed_one_under_its_new_name()
    {
        var s = Create(Root);
        s.Prepare("extract", null);
        Write(s.LayerDirectory("extract"), "f", "content");
        s.Commit("layer", "extract");
        Assert.Null(s.Stat("extract"));
        var info = s.Stat("layer");
        Assert.NotNull(info);
        Assert.Equal(SnapshotKind.Committed, info.Kind);
        Assert.Equal("content", File.ReadAllText(Path.Join(s.LayerDirectory("layer"), "f")));
        Assert.Equal(["layer"], s.List().Select(i => i.Key));
    }

    [Fact]
    public void A_chain_of_three_layers_merges_with_deletions_and_overrides()
    {
        var s = Create(Root);
        CommitThreeLayers(s);
        Assert.Equal("l2", s.Stat("l3")!.Parent);
        Assert.Equal("l1", s.Stat("l2")!.Parent);

        using (var m = MountAt(s.Prepare("container", "l3")))
        {
            Assert.Equal(["b", "c", "dir", "dir/y", "shared"], Tree(m.Target));
            Assert.Equal("from 2", File.ReadAllText(m.Join("shared")));
            Assert.Equal("b from 2", File.ReadAllText(m.Join("b")));
            Assert.Equal("c from 3", File.ReadAllText(m.Join("c")));
            // The container writes, and its writes stay in its own layer.
            File.WriteAllText(m.Join("shared"), "from the container");
            File.WriteAllText(m.Join("new"), "new");
        }
        Assert.Equal("from 2", File.ReadAllText(Path.Join(s.LayerDirectory("l2"), "shared")));
        Assert.False(File.Exists(Path.Join(s.LayerDirectory("l3"), "new")));

        using (var again = MountAt(s.Mounts("container")))
        {
            Assert.Equal("from the container", File.ReadAllText(again.Join("shared")));
        }
        // A second container over the same image sees the image, not the first container's writes.
        using (var other = MountAt(s.Prepare("other", "l3")))
        {
            Assert.Equal("from 2", File.ReadAllText(other.Join("shared")));
            Assert.False(File.Exists(other.Join("new")));
        }
    }

    [Fact]
    public void A_view_is_read_only_and_shows_the_merged_chain()
    {
        var s = Create(Root);
        CommitThreeLayers(s);
        var mounts = s.View("view", "l3");
        Assert.Equal(SnapshotKind.View, s.Stat("view")!.Kind);
        using var m = MountAt(mounts);
        Assert.Equal(["b", "c", "dir", "dir/y", "shared"], Tree(m.Target));
        var e = Assert.ThrowsAny<IOException>(() => File.WriteAllText(m.Join("nope"), "x"));
        Assert.Contains("Read-only file system", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_view_of_one_layer_is_read_only_too()
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        Write(s.LayerDirectory("k1"), "f", "one");
        s.Commit("l1", "k1");
        using var m = MountAt(s.View("view", "l1"));
        Assert.Equal("one", File.ReadAllText(m.Join("f")));
        Assert.ThrowsAny<IOException>(() => File.WriteAllText(m.Join("f"), "two"));
        Assert.Equal("one", File.ReadAllText(Path.Join(s.LayerDirectory("l1"), "f")));
    }

    [Fact]
    public void Remove_is_refused_while_a_child_exists()
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        s.Commit("l1", "k1");
        s.Prepare("container", "l1");
        var e = Assert.Throws<BerthException>(() => s.Remove("l1"));
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.NotNull(s.Stat("l1"));
        s.Remove("container");
        s.Remove("l1");
        Assert.Empty(s.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root));
    }

    [Fact]
    public void Remove_deletes_read_only_trees()
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        var dir = Path.Join(s.LayerDirectory("k1"), "ro");
        Write(dir, "inner/f", "x");
        File.SetUnixFileMode(Path.Join(dir, "inner"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        s.Commit("l1", "k1");
        s.Remove("l1");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root));
    }

    public static TheoryData<string, ErrorKind> Refusals => new()
    {
        { "prepare over a missing parent", ErrorKind.NotFound },
        { "prepare over an active parent", ErrorKind.FailedPrecondition },
        { "view over an active parent", ErrorKind.FailedPrecondition },
        { "prepare an existing key", ErrorKind.AlreadyExists },
        { "commit a committed snapshot", ErrorKind.FailedPrecondition },
        { "commit a view", ErrorKind.FailedPrecondition },
        { "commit onto an existing name", ErrorKind.AlreadyExists },
        { "commit a missing key", ErrorKind.NotFound },
        { "remove a missing key", ErrorKind.NotFound },
        { "mounts of a missing key", ErrorKind.NotFound },
        { "layer directory of a missing key", ErrorKind.NotFound },
        { "usage of a missing key", ErrorKind.NotFound },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Misuse_is_refused_with_its_kind(string row, ErrorKind kind)
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        s.Commit("l1", "k1");
        s.Prepare("active", "l1");
        s.View("view", "l1");
        Action act = row switch
        {
            "prepare over a missing parent" => () => s.Prepare("x", "missing"),
            "prepare over an active parent" => () => s.Prepare("x", "active"),
            "view over an active parent" => () => s.View("x", "active"),
            "prepare an existing key" => () => s.Prepare("active", "l1"),
            "commit a committed snapshot" => () => s.Commit("x", "l1"),
            "commit a view" => () => s.Commit("x", "view"),
            "commit onto an existing name" => () => s.Commit("l1", "active"),
            "commit a missing key" => () => s.Commit("x", "missing"),
            "remove a missing key" => () => s.Remove("missing"),
            "mounts of a missing key" => () => s.Mounts("missing"),
            "layer directory of a missing key" => () => s.LayerDirectory("missing"),
            "usage of a missing key" => () => s.Usage("missing"),
            _ => throw new ArgumentException(row),
        };
        var before = s.List().Select(i => i.Key + "/" + i.Kind).Order().ToList();
        var e = Assert.Throws<BerthException>(act);
        Assert.True(kind == e.Kind, $"{row}: {e.Kind} {e.Message}");
        Assert.Equal(before, s.List().Select(i => i.Key + "/" + i.Kind).Order());
        Assert.Null(s.Stat("x"));
        Assert.DoesNotContain(Directory.EnumerateDirectories(Root), d => Path.GetFileName(d).StartsWith("tmp-", StringComparison.Ordinal));
    }

    [Fact]
    public void Stat_of_a_missing_key_is_null() => Assert.Null(Create(Root).Stat("missing"));

    [Fact]
    public void Crash_leftovers_are_swept_at_construction()
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        s.Commit("l1", "k1");
        // A crash while creating and while removing a snapshot leaves tmp- directories, some read-only.
        Write(Path.Join(Root, "tmp-0123456789abcdef"), "fs/half", "made");
        Write(Path.Join(Root, "tmp-fedcba9876543210"), "fs/deep/file", "doomed");
        var again = Create(Root);
        Assert.Equal(["l1"], again.List().Select(i => i.Key));
        Assert.DoesNotContain(Directory.EnumerateDirectories(Root), d => Path.GetFileName(d).StartsWith("tmp-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_new_instance_over_the_same_root_sees_and_mounts_the_snapshots()
    {
        CommitThreeLayers(Create(Root));
        var s = Create(Root);
        Assert.Equal(["l1", "l2", "l3"], s.List().Select(i => i.Key).Order());
        Assert.All(s.List(), i => Assert.Equal(SnapshotKind.Committed, i.Kind));
        using var m = MountAt(s.Prepare("container", "l3"));
        Assert.Equal(["b", "c", "dir", "dir/y", "shared"], Tree(m.Target));
    }

    [Fact]
    public void Usage_counts_what_a_snapshot_adds_each_inode_once()
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        var d1 = s.LayerDirectory("k1");
        File.WriteAllBytes(Path.Join(d1, "big"), new byte[10_000]);
        Fs.Link(Path.Join(d1, "big"), Path.Join(d1, "big-link"));
        File.CreateSymbolicLink(Path.Join(d1, "big-sym"), "big");
        Directory.CreateDirectory(Path.Join(d1, "d"));
        File.WriteAllBytes(Path.Join(d1, "d", "small"), new byte[100]);
        s.Commit("l1", "k1");
        Assert.Equal(10_100, s.Usage("l1"));

        s.Prepare("k2", "l1");
        File.WriteAllBytes(Path.Join(s.LayerDirectory("k2"), "more"), new byte[2_500]);
        Assert.Equal(2_500, s.Usage("k2"));
        s.Commit("l2", "k2");
        Assert.Equal(2_500, s.Usage("l2"));
    }

    [Fact]
    public void List_shows_every_kind()
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        s.Commit("l1", "k1");
        s.Prepare("active", "l1");
        s.View("view", "l1");
        Assert.Equal(["active/Active/l1", "l1/Committed/", "view/View/l1"], s.List().Select(i => $"{i.Key}/{i.Kind}/{i.Parent}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Keys_with_any_characters_are_kept_apart()
    {
        var s = Create(Root);
        var keys = new[] { "sha256:" + new string('a', 64), "extract-1/with/slashes", "with space", "ünïcode" };
        foreach (var k in keys)
        {
            s.Prepare(k, null);
            Write(s.LayerDirectory(k), "name", k);
        }
        foreach (var k in keys)
        {
            Assert.Equal(k, File.ReadAllText(Path.Join(s.LayerDirectory(k), "name")));
            Assert.Equal(k, s.Stat(k)!.Key);
        }
    }

    [Fact]
    public void Ownership_and_modes_written_in_a_layer_show_in_the_mount()
    {
        var s = Create(Root);
        s.Prepare("k1", null);
        var f = Path.Join(s.LayerDirectory("k1"), "suid");
        File.WriteAllText(f, "#!/bin/sh\n");
        Fs.Lchown(f, 1000, 1001);
        Fs.Chmod(f, 0x9ed); // 04755
        s.Commit("l1", "k1");
        using var m = MountAt(s.Prepare("c", "l1"));
        var st = Fs.Lstat(m.Join("suid"));
        Assert.Equal(1000u, st.st_uid);
        Assert.Equal(1001u, st.st_gid);
        Assert.Equal(0x9edu, st.st_mode & 0xfff);
    }
}

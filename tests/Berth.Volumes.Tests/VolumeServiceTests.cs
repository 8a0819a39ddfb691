using Berth.Common;

namespace Berth.Volumes.Tests;

public sealed class VolumeServiceTests : IDisposable
{
    private readonly VolumeRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Create_makes_the_data_directory_and_inspect_shows_it()
    {
        var service = _root.Open();
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var v = service.Create("data", labels: new Dictionary<string, string> { ["a"] = "1" });

        Assert.Equal("data", v.Name);
        Assert.Equal("local", v.Driver);
        Assert.Equal("local", v.Scope);
        Assert.Equal(Path.Join(_root.Path, "data", "_data"), v.Mountpoint);
        Assert.True(Directory.Exists(v.Mountpoint));
        Assert.Equal("1", v.Labels["a"]);
        Assert.Null(v.Options);
        Assert.InRange(v.CreatedAt, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(0, v.CreatedAt.Millisecond);
        Assert.Equal(v.Mountpoint, service.Get("data").Mountpoint);
    }

    [Fact]
    public void An_empty_name_gets_64_hex_digits()
    {
        var service = _root.Open();
        var v = service.Create(null);
        var w = service.Create("");
        Assert.Matches("^[0-9a-f]{64}$", v.Name);
        Assert.Matches("^[0-9a-f]{64}$", w.Name);
        Assert.NotEqual(v.Name, w.Name);
        // compat(docker): since Docker 23 an unnamed volume is anonymous, and prune takes it by default.
        Assert.True(v.IsAnonymous && w.IsAnonymous);
        Assert.False(service.Create("named").IsAnonymous);
    }

    public static TheoryData<string, string> BadNames => new()
    {
        { "a", "create a: volume name is too short, names should be at least two alphanumeric characters" },
        { "_x", "create _x: \"_x\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path" },
        { "a/b", "create a/b: \"a/b\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path" },
        { "..", "create ..: \"..\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path" },
        { "a b", "create a b: \"a b\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed. If you intended to pass a host directory, use absolute path" },
    };

    [Theory]
    [MemberData(nameof(BadNames))]
    public void Names_are_checked_in_Dockers_words(string name, string message)
    {
        var service = _root.Open();
        var e = Assert.Throws<BerthException>(() => service.Create(name));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal(message, e.Message);
        Assert.Equal(["volumes"], Directory.EnumerateFileSystemEntries(_root.Dir).Select(Path.GetFileName).Where(n => n != "no-plugins"));
    }

    [Fact]
    public void Creating_an_existing_name_returns_it_and_another_driver_is_refused()
    {
        var service = _root.Open();
        var v = service.Create("data", labels: new Dictionary<string, string> { ["a"] = "1" });
        var again = service.Create("data", "local", labels: new Dictionary<string, string> { ["b"] = "2" });
        Assert.Equal(v.CreatedAt, again.CreatedAt);
        Assert.Equal(["a"], again.Labels.Keys);

        var e = Assert.Throws<BerthException>(() => service.Create("data", "nosuch"));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
        Assert.Equal("create data: error looking up volume plugin nosuch: plugin \"nosuch\" not found", e.Message);
    }

    [Fact]
    public void Metadata_survives_a_restart()
    {
        var service = _root.Open();
        var v = service.Create("data", labels: new Dictionary<string, string> { ["a"] = "1" });
        service.Create("other");

        var reopened = _root.Open();

        var back = reopened.Get("data");
        Assert.Equal(v.CreatedAt, back.CreatedAt);
        Assert.Equal("1", back.Labels["a"]);
        Assert.Equal(["data", "other"], reopened.List().Select(x => x.Name));
    }

    [Fact]
    public void A_volume_directory_made_by_Docker_is_a_local_volume()
    {
        Directory.CreateDirectory(Path.Join(_root.Path, "fromdocker", "_data"));
        Directory.CreateDirectory(Path.Join(_root.Path, "notavolume"));
        var service = _root.Open();
        Assert.Equal(["fromdocker"], service.List().Select(v => v.Name));
        Assert.Equal("local", service.Get("fromdocker").Driver);
    }

    [Fact]
    public void Get_and_remove_of_a_missing_volume_say_no_such_volume()
    {
        var service = _root.Open();
        Assert.Null(service.TryGet("nope"));
        var e = Assert.Throws<BerthException>(() => service.Get("nope"));
        Assert.Equal((ErrorKind.NotFound, "get nope: no such volume"), (e.Kind, e.Message));
        e = Assert.Throws<BerthException>(() => service.Remove("nope"));
        Assert.Equal((ErrorKind.NotFound, "get nope: no such volume"), (e.Kind, e.Message));
        service.Remove("nope", force: true);
    }

    [Fact]
    public void Remove_leaves_no_directory()
    {
        var service = _root.Open();
        var v = service.Create("data");
        File.WriteAllText(Path.Join(v.Mountpoint, "f"), "x");
        Directory.CreateDirectory(Path.Join(v.Mountpoint, "d", "e"));

        service.Remove("data");

        Assert.Null(service.TryGet("data"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_root.Path));
        Assert.Empty(_root.Open().List());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_volume_in_use_is_never_removed(bool force)
    {
        var service = _root.Open();
        service.Create("data");
        service.Reference("data", "c2");
        service.Reference("data", "c1");
        Assert.Equal(["c1", "c2"], service.Users("data"));

        var e = Assert.Throws<BerthException>(() => service.Remove("data", force));
        Assert.Equal((ErrorKind.Conflict, "remove data: volume is in use - [c1, c2]"), (e.Kind, e.Message));
        Assert.NotNull(service.TryGet("data"));

        service.Release("data", "c1");
        service.Release("data", "c2");
        service.Remove("data", force);
        Assert.Null(service.TryGet("data"));
    }

    [Fact]
    public void Reference_of_a_missing_volume_is_not_found()
    {
        var service = _root.Open();
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<BerthException>(() => service.Reference("nope", "c1")).Kind);
        service.Release("nope", "c1");
        Assert.Empty(service.Users("nope"));
    }

    [Fact]
    public void Mount_returns_the_data_path_and_counts_per_container()
    {
        var service = _root.Open();
        var v = service.Create("data");
        Assert.Equal(v.Mountpoint, service.Mount("data", "c1"));
        Assert.Equal(v.Mountpoint, service.Mount("data", "c1"));
        service.Unmount("data", "c1");
        // Still mounted once by c1: in use.
        Assert.Equal(ErrorKind.Conflict, Assert.Throws<BerthException>(() => service.Remove("data")).Kind);
        service.Unmount("data", "c1");
        service.Unmount("data", "c1");
        service.Remove("data");
        Assert.Empty(_root.MountCalls);
    }

    [Fact]
    public void Size_counts_file_bytes_once_per_inode_and_follows_no_symlink()
    {
        var service = _root.Open();
        var v = service.Create("data");
        File.WriteAllBytes(Path.Join(v.Mountpoint, "a"), new byte[1000]);
        Directory.CreateDirectory(Path.Join(v.Mountpoint, "sub"));
        File.WriteAllBytes(Path.Join(v.Mountpoint, "sub", "b"), new byte[234]);
        Berth.Linux.Fs.Link(Path.Join(v.Mountpoint, "a"), Path.Join(v.Mountpoint, "sub", "a-again"));
        var outside = Path.Join(_root.Dir, "big");
        File.WriteAllBytes(outside, new byte[100_000]);
        File.CreateSymbolicLink(Path.Join(v.Mountpoint, "link"), outside);
        Directory.CreateSymbolicLink(Path.Join(v.Mountpoint, "dirlink"), _root.Dir);

        Assert.Equal(1000 + 234 + outside.Length + _root.Dir.Length, service.Size("data"));
        Assert.Equal(0, service.Size(service.Create("empty").Name));
    }

    [Fact]
    public void Prune_removes_only_unused_volumes_that_match()
    {
        var service = _root.Open();
        service.Create("used");
        service.Create("keep", labels: new Dictionary<string, string> { ["keep"] = "" });
        var gone = service.Create("gone");
        File.WriteAllBytes(Path.Join(gone.Mountpoint, "f"), new byte[4096]);
        service.Create("anon", labels: new Dictionary<string, string> { [Volume.AnonymousLabel] = "" });
        service.Reference("used", "c1");
        // compat(docker): a volume with options frees nothing here, and is never pruned.
        service.Create("tmp", options: new Dictionary<string, string> { ["type"] = "tmpfs", ["device"] = "tmpfs" });

        var (deleted, reclaimed) = service.Prune(v => !v.Labels.ContainsKey("keep"));

        Assert.Equal(["anon", "gone"], deleted.Order());
        Assert.Equal(4096, reclaimed);
        Assert.Equal(["keep", "tmp", "used"], service.List().Select(v => v.Name));
        Assert.True(service.TryGet("anon") is null && !Directory.Exists(Path.Join(_root.Path, "gone")));
    }

    [Fact]
    public void Concurrent_creates_and_removes_of_one_name_stay_consistent()
    {
        var service = _root.Open();
        Parallel.For(0, 200, i =>
        {
            if (i % 2 == 0)
            {
                service.Create("racy");
            }
            else
            {
                service.Remove("racy", force: true);
            }
            service.Create("v" + (i % 10));
        });
        var exists = service.TryGet("racy") is not null;
        Assert.Equal(exists, Directory.Exists(Path.Join(_root.Path, "racy", "_data")));
        Assert.Equal(exists ? 11 : 10, _root.Open().List().Count);
    }
}

using Berth.Common;
using Berth.Linux;
using Berth.Oci;
using Berth.Snapshots;

namespace Berth.Images.Tests.Service;

/// <summary>Import, tag, save, load and delete over real stores: content blobs, overlay snapshots, SQLite.</summary>
public sealed class ImageServiceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-images-").FullName;
    private readonly List<ImageStore> _stores = [];

    public void Dispose()
    {
        foreach (var m in Mounts.Read().Select(m => m.MountPoint).Where(p => p.StartsWith(_dir + "/", StringComparison.Ordinal)).Reverse())
        {
            Mounts.TryUnmount(m);
        }
        _stores.ForEach(s => s.Dispose());
        Directory.Delete(_dir, recursive: true);
    }

    private ImageStore Store(string name)
    {
        var s = new ImageStore(Path.Join(_dir, name));
        _stores.Add(s);
        return s;
    }

    private static IReadOnlyList<ImageDeleteItem> Delete(ImageStore s, string name, bool force = false) =>
        s.Service.Delete(name, force, prune: true, _ => null);

    private static ImageRecord Import(ImageStore s, byte[] rootfs) =>
        s.Service.Import(new MemoryStream(rootfs), "example.com/app:v1", "for a test", ["CMD [\"/bin/hello\"]", "ENV A=1"]);

    [Fact]
    public void Import_stores_one_layer_its_config_and_manifest_and_unpacks_it()
    {
        var a = Store("a");
        var rootfs = Tarballs.Rootfs();
        var image = Import(a, rootfs);

        // The diffID is the digest of the uncompressed tar as given; the ID is the config's digest.
        var diffId = Digest.Of(rootfs).Value;
        Assert.Equal([diffId], image.DiffIds);
        Assert.Equal(image.Id, Digest.Of(File.ReadAllBytes(Path.Join(a.Root, "content", "blobs", "sha256", image.Id[7..]))).Value);
        var config = a.Service.Config(image);
        Assert.Equal(["/bin/hello"], config.Config!.Cmd);
        Assert.Contains("A=1", config.Config.Env!);
        Assert.Equal("for a test", config.Comment);
        Assert.Equal("linux", config.Os);
        Assert.Equal([diffId], config.Rootfs.DiffIds);
        Assert.Equal(image.Id, a.Service.Manifest(image).Config.Digest);

        Assert.Equal(3, a.BlobCount); // layer, config, manifest
        Assert.Equal(1, a.SnapshotCount);
        var layer = a.Snapshots.LayerDirectory(diffId);
        Assert.Equal("box\n", File.ReadAllText(Path.Join(layer, "etc", "hostname")));
        Assert.Equal("hostname", new FileInfo(Path.Join(layer, "etc", "alias")).LinkTarget);
        Assert.Equal(0x1edu, Fs.Lstat(Path.Join(layer, "bin", "hello")).st_mode & 0xfff);
        Assert.True(image.Size > 0);
        a.AssertNoLeftovers();
    }

    [Fact]
    public void An_image_resolves_by_tag_id_and_unique_prefix()
    {
        var a = Store("a");
        var image = Import(a, Tarballs.Rootfs());
        foreach (var name in new[] { "example.com/app:v1", image.Id, image.Id[7..], image.Id[7..19], image.Id[7..10] })
        {
            Assert.Equal(image.Id, a.Service.Resolve(name).Id);
        }
        Assert.Null(a.Service.TryResolve("example.com/app:v2"));
        Assert.Null(a.Service.TryResolve("app"));
        var e = Assert.Throws<BerthException>(() => a.Service.Resolve("nothing:here"));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
        Assert.Equal("No such image: nothing:here", e.Message);
    }

    [Fact]
    public void Save_then_Load_into_another_store_gives_the_same_image_and_tags()
    {
        var a = Store("a");
        var image = Import(a, Tarballs.Rootfs());
        a.Service.Tag("example.com/app:v1", "app");
        Assert.Equal(["app:latest", "example.com/app:v1"], a.Service.TagsOf(image.Id));

        var archive = new MemoryStream();
        a.Service.Save(["example.com/app:v1", "app"], archive);
        var bytes = archive.ToArray();
        var names = Tarballs.Names(bytes);
        Assert.Contains("manifest.json", names);
        Assert.Contains("index.json", names);
        Assert.Contains("oci-layout", names);
        Assert.Contains("blobs/sha256/" + image.Id[7..], names);
        Assert.Contains("\"RepoTags\":[\"example.com/app:v1\",\"app:latest\"]", Tarballs.Read(bytes, "manifest.json"), StringComparison.Ordinal);

        var b = Store("b");
        var lines = b.Service.Load(new MemoryStream(bytes));
        Assert.Equal(["Loaded image: example.com/app:v1", "Loaded image: app:latest"], lines);
        var loaded = b.Service.Resolve("app");
        Assert.Equal(image.Id, loaded.Id);
        Assert.Equal(image.DiffIds, loaded.DiffIds);
        Assert.Equal(a.Service.TagsOf(image.Id), b.Service.TagsOf(image.Id));
        Assert.Equal(["/bin/hello"], b.Service.Config(loaded).Config!.Cmd);
        Assert.Equal("box\n", File.ReadAllText(Path.Join(b.Snapshots.LayerDirectory(image.DiffIds[0]), "etc", "hostname")));
        Assert.Equal(a.BlobCount, b.BlobCount);
        Assert.Equal(a.SnapshotCount, b.SnapshotCount);
        b.AssertNoLeftovers();

        // Loading what is there already changes nothing.
        Assert.Equal(lines, b.Service.Load(new MemoryStream(bytes)));
        Assert.Equal(1, b.Service.Count);
        Assert.Equal(a.BlobCount, b.BlobCount);
        Assert.Equal(a.SnapshotCount, b.SnapshotCount);
    }

    [Fact]
    public void The_database_keeps_images_and_tags_across_a_restart()
    {
        var a = Store("a");
        var image = Import(a, Tarballs.Rootfs());
        a.Dispose();
        _stores.Remove(a);
        var again = Store("a");
        Assert.Equal(image.Id, again.Service.Resolve("example.com/app:v1").Id);
        Assert.Equal(["example.com/app:v1"], again.Service.TagsOf(image.Id));
    }

    [Fact]
    public void Delete_untags_then_collects_the_snapshots_and_blobs()
    {
        var a = Store("a");
        var image = Import(a, Tarballs.Rootfs());
        a.Service.Tag("example.com/app:v1", "app:latest");
        var blobs = a.BlobCount;
        var snapshots = a.SnapshotCount;

        // By ID while two tags name it: refused without force.
        Assert.Equal(ErrorKind.Conflict, Assert.Throws<BerthException>(() => Delete(a, image.Id[7..19])).Kind);

        var first = Delete(a, "example.com/app:v1");
        Assert.Equal([new ImageDeleteItem("example.com/app:v1", null)], first);
        Assert.Equal(blobs, a.BlobCount);
        Assert.Equal(snapshots, a.SnapshotCount);

        var last = Delete(a, "app");
        Assert.Equal([new ImageDeleteItem("app:latest", null), new ImageDeleteItem(null, image.Id)], last);
        Assert.Equal(0, a.BlobCount);
        Assert.Equal(0, a.SnapshotCount);
        Assert.Empty(a.Service.List());
        Assert.Null(a.Service.TryResolve(image.Id));
        a.AssertNoLeftovers();
    }

    [Fact]
    public void Delete_is_refused_while_a_container_uses_the_image()
    {
        var a = Store("a");
        var image = Import(a, Tarballs.Rootfs());
        var e = Assert.Throws<BerthException>(() => a.Service.Delete(image.Id, force: false, prune: true, id => id == image.Id ? ("c0ffee0123456789", true) : null));
        Assert.Equal(ErrorKind.Conflict, e.Kind);
        Assert.Contains("running container c0ffee012345", e.Message, StringComparison.Ordinal);
        Assert.Equal(3, a.BlobCount);
    }

    [Fact]
    public void A_container_layer_over_the_image_is_kept_by_garbage_collection()
    {
        var a = Store("a");
        var image = Import(a, Tarballs.Rootfs());
        var mounts = a.Service.PrepareRootfs("container-1", image);
        Assert.Equal("overlay", Assert.Single(mounts).Type);
        a.Service.CollectGarbage();
        Assert.NotNull(a.Snapshots.Stat("container-1"));
        Assert.NotNull(a.Snapshots.Stat(image.DiffIds[0]));
        a.Service.RemoveRootfs("container-1");
        Assert.Null(a.Snapshots.Stat("container-1"));
    }

    /// <summary>A hand-made archive in Docker's legacy layout with two layers, the second deleting a file.</summary>
    private static (byte[] Archive, string[] DiffIds, byte[] SecondLayer) TwoLayerArchive(bool corruptSecondLayer = false)
    {
        var l1 = Tarballs.Build(w =>
        {
            w.Dir("etc/");
            w.File("etc/a", "a");
            w.File("etc/b", "b from 1");
        });
        var l2 = Tarballs.Build(w =>
        {
            w.Dir("etc/");
            w.File("etc/.wh.a", "");
            w.File("etc/b", "b from 2");
            w.File("etc/c", "c");
        });
        var diffIds = new[] { Digest.Of(l1).Value, Digest.Of(l2).Value };
        var config = $$"""{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["{{diffIds[0]}}","{{diffIds[1]}}"]},"created":"2026-01-02T03:04:05Z"}""";
        if (corruptSecondLayer)
        {
            l2 = Tarballs.Build(w => w.File("other", "not what the config says"));
        }
        var archive = Tarballs.Build(w =>
        {
            w.File("l1/layer.tar", l1);
            w.File("l2/layer.tar", l2);
            w.File("config.json", config);
            w.File("manifest.json", """[{"Config":"config.json","RepoTags":["two:layers"],"Layers":["l1/layer.tar","l2/layer.tar"]}]""");
        });
        return (archive, diffIds, l2);
    }

    [Fact]
    public void Load_of_a_two_layer_image_chains_its_snapshots_and_the_merged_view_applies_the_whiteout()
    {
        var b = Store("b");
        var (archive, diffIds, _) = TwoLayerArchive();
        Assert.Equal(["Loaded image: two:layers"], b.Service.Load(new MemoryStream(archive)));
        var image = b.Service.Resolve("two:layers");
        var chains = ChainId.Of(diffIds);
        Assert.Equal(chains[0], b.Snapshots.Stat(chains[1])!.Parent);
        Assert.Equal(ImageService.ParseTime("2026-01-02T03:04:05Z"), image.Created);
        b.AssertNoLeftovers();

        var m = Assert.Single(b.Service.PrepareRootfs("c1", image));
        var target = Directory.CreateDirectory(Path.Join(_dir, "mnt")).FullName;
        Mounts.Mount(m.Source, target, m.Type, 0, string.Join(',', m.Options));
        try
        {
            Assert.Equal(["b", "c"], Directory.GetFiles(Path.Join(target, "etc")).Select(Path.GetFileName).Order());
            Assert.Equal("b from 2", File.ReadAllText(Path.Join(target, "etc", "b")));
        }
        finally
        {
            Mounts.Unmount(target);
        }
    }

    [Fact]
    public void Load_of_a_layer_that_is_not_what_the_config_says_is_refused_and_leaves_nothing()
    {
        var b = Store("b");
        var (archive, diffIds, corrupt) = TwoLayerArchive(corruptSecondLayer: true);
        var e = Assert.Throws<BerthException>(() => b.Service.Load(new MemoryStream(archive)));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("diffID", e.Message, StringComparison.Ordinal);
        Assert.Empty(b.Service.List());
        b.AssertNoLeftovers();
        // The layer that is not what the config says never became content; the good first layer waits for the collector.
        Assert.False(File.Exists(Path.Join(b.Root, "content", "blobs", "sha256", Digest.Of(corrupt).Hex)));
        Assert.True(File.Exists(Path.Join(b.Root, "content", "blobs", "sha256", diffIds[0][7..])));
        b.Service.CollectGarbage();
        Assert.Equal(0, b.BlobCount);
        Assert.Equal(0, b.SnapshotCount);
    }

    [Fact]
    public void Load_refuses_what_is_not_a_docker_save_archive()
    {
        var b = Store("b");
        var e = Assert.Throws<BerthException>(() => b.Service.Load(new MemoryStream(Tarballs.Build(w => w.File("hello", "world")))));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("manifest.json", e.Message, StringComparison.Ordinal);
        b.AssertNoLeftovers();
        Assert.Equal(0, b.BlobCount);
    }

    [Fact]
    public void A_saved_image_without_tags_loads_by_ID()
    {
        var a = Store("a");
        var image = Import(a, Tarballs.Rootfs());
        var archive = new MemoryStream();
        a.Service.Save([image.Id], archive);
        var b = Store("b");
        Assert.Equal([$"Loaded image ID: {image.Id}"], b.Service.Load(new MemoryStream(archive.ToArray())));
        Assert.Empty(b.Service.TagsOf(image.Id));
    }

    [Theory]
    [InlineData("""[null]""")]
    [InlineData("""[{"Config":null,"Layers":[]}]""")]
    [InlineData("""[{"Config":"config.json","Layers":null}]""")]
    [InlineData("""[{"Config":"config.json","Layers":[null]}]""")]
    [InlineData("""[{"Config":"config.json","RepoTags":[null],"Layers":[]}]""")]
    [InlineData("""{"Config":"config.json"}""")]
    [InlineData("""null""")]
    [InlineData("""[{"Config":"../../etc/passwd","Layers":[]}]""")]
    public void Load_refuses_a_manifest_json_with_nulls_or_paths_out_of_the_archive(string manifest)
    {
        var b = Store("b");
        var archive = Tarballs.Build(w =>
        {
            w.File("config.json", """{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""");
            w.File("manifest.json", manifest);
        });
        var e = Assert.Throws<BerthException>(() => b.Service.Load(new MemoryStream(archive)));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        b.AssertNoLeftovers();
    }

    [Theory]
    [InlineData("""{"manifests":null}""", "manifests missing or null")]
    [InlineData("""{"manifests":[null]}""", "manifests missing or null")]
    [InlineData("""{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"md5:00","size":2}]}""", "not a sha256 digest")]
    [InlineData("""{"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:d41087e0eb61fe2e8ff28cc084c401ff6d4aaec2201dafd6860ff526c54d1287","size":2}]}""", "layers missing or null")]
    public void Load_refuses_an_oci_layout_whose_index_or_manifest_has_nulls(string index, string message)
    {
        var b = Store("b");
        var archive = Tarballs.Build(w =>
        {
            w.File("oci-layout", """{"imageLayoutVersion":"1.0.0"}""");
            w.File("index.json", index);
            w.File("blobs/sha256/d41087e0eb61fe2e8ff28cc084c401ff6d4aaec2201dafd6860ff526c54d1287", """{"layers":null}""");
        });
        var e = Assert.Throws<BerthException>(() => b.Service.Load(new MemoryStream(archive)));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        b.AssertNoLeftovers();
    }
}

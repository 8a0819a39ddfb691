using System.Formats.Tar;
using Berth.Images.Archive;
using Berth.Linux;
using Berth.Oci;

namespace Berth.Images.Tests.Service;

/// <summary>Child images (commit and build steps), the build cache and pruning, over real stores.</summary>
public sealed class ImageCommitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-commit-").FullName;
    private readonly ImageStore _store;

    public ImageCommitTests() => _store = new ImageStore(Path.Join(_dir, "store"));

    public void Dispose()
    {
        foreach (var m in Mounts.Read().Select(m => m.MountPoint).Where(p => p.StartsWith(_dir + "/", StringComparison.Ordinal)).Reverse())
        {
            Mounts.TryUnmount(m);
        }
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private ImageService Images => _store.Service;

    private ImageRecord Base() =>
        Images.Import(new MemoryStream(Tarballs.Rootfs()), "example.com/base:v1", "base", ["CMD [\"/bin/hello\"]"]);

    private static ImageCommit Step(string createdBy, Action<TarWriter>? layer = null, string? key = null, IReadOnlyList<string>? tags = null) => new()
    {
        Config = new ImageRuntimeConfig { Cmd = ["/bin/hello"], Env = ["STEP=" + createdBy] },
        History = new HistoryEntry { CreatedBy = createdBy },
        WriteLayer = layer is null ? null : output => output.Write(Tarballs.Build(layer)),
        BuildKey = key,
        Tags = tags ?? [],
    };

    [Fact]
    public void A_child_gets_the_parents_layers_one_more_and_one_more_history_line()
    {
        var parent = Base();
        var child = Images.Commit(parent, Step("add a file", w => w.File("etc/added", "new\n")));

        Assert.Equal(parent.Id, child.Parent);
        Assert.Equal(2, child.DiffIds.Count);
        Assert.Equal(parent.DiffIds[0], child.DiffIds[0]);
        var config = Images.Config(child);
        Assert.Equal(["base", "add a file"], config.History!.Select(h => h.Comment ?? h.CreatedBy));
        Assert.Null(config.History![1].EmptyLayer);
        Assert.Equal("new\n", File.ReadAllText(Path.Join(_store.Snapshots.LayerDirectory(ChainId.Of(child.DiffIds)[^1]), "etc", "added")));
        _store.AssertNoLeftovers();
    }

    [Fact]
    public void A_config_only_step_adds_no_layer_and_is_marked_empty()
    {
        var parent = Base();
        var child = Images.Commit(parent, Step("ENV"));
        Assert.Equal(parent.DiffIds, child.DiffIds);
        Assert.True(Images.Config(child).History![^1].EmptyLayer);
        Assert.Equal(["STEP=ENV"], Images.Config(child).Config!.Env);
    }

    [Fact]
    public void A_layer_writer_that_fails_leaves_no_image_and_no_snapshot()
    {
        var parent = Base();
        var before = Images.List().Count;
        var failing = new ImageCommit
        {
            Config = new ImageRuntimeConfig(),
            History = new HistoryEntry { CreatedBy = "broken" },
            WriteLayer = output =>
            {
                output.Write(new byte[700]); // half a tar, then the writer gives up
                throw new IOException("disk on fire");
            },
        };
        var e = Assert.ThrowsAny<Exception>(() => Images.Commit(parent, failing));
        Assert.Contains("disk on fire", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Images.List().Count);
        _store.AssertNoLeftovers();
    }

    [Fact]
    public void A_build_step_is_found_by_parent_and_key_and_prune_takes_only_unused_chains()
    {
        var parent = Base();
        var kept = Images.Commit(parent, Step("RUN a", w => w.File("a", "a"), key: "RUN a"));
        var top = Images.Commit(kept, Step("CMD", key: "CMD", tags: ["example.com/built:v1"]));
        var dropped = Images.Commit(parent, Step("RUN b", w => w.File("b", "b"), key: "RUN b"));
        var droppedTop = Images.Commit(dropped, Step("CMD b", key: "CMD b"));

        Assert.Equal(kept.Id, Images.FindBuildStep(parent.Id, "RUN a")?.Id);
        Assert.Null(Images.FindBuildStep(parent.Id, "RUN c"));
        Assert.Null(Images.FindBuildStep(kept.Id, "RUN a"));

        var cache = Images.BuildCache(_ => null).ToDictionary(e => e.Image.Id);
        Assert.True(cache[kept.Id].InUse); // below a tagged image
        Assert.False(cache[dropped.Id].InUse);
        Assert.True(cache[dropped.Id].Size > 0);
        Assert.Equal(0, cache[droppedTop.Id].Size);
        Assert.DoesNotContain(top.Id, cache.Keys); // tagged: an image, not cache

        var (deleted, reclaimed) = Images.PruneBuildCache(_ => true, _ => null);
        Assert.Equal([droppedTop.Id, dropped.Id], deleted);
        Assert.True(reclaimed > 0);
        Assert.NotNull(Images.TryResolve(kept.Id));
        Assert.NotNull(Images.TryResolve(top.Id));
    }

    [Fact]
    public void Removing_a_built_image_removes_the_untagged_parents_only_it_used()
    {
        var parent = Base();
        var step = Images.Commit(parent, Step("RUN a", w => w.File("a", "a"), key: "RUN a"));
        var top = Images.Commit(step, Step("CMD", key: "CMD", tags: ["example.com/built:v1"]));

        var items = Images.Delete("example.com/built:v1", force: false, prune: true, _ => null);

        Assert.Equal([top.Id, step.Id], items.Where(i => i.Deleted is not null).Select(i => i.Deleted));
        Assert.NotNull(Images.TryResolve(parent.Id)); // tagged: stays
    }

    private static unsafe void SetOpaque(string dir)
    {
        fixed (byte* y = "y"u8)
        {
            Assert.Equal(0, LibC.lsetxattr(dir, "trusted.overlay.opaque", y, 1, 0));
        }
    }

    [Fact]
    public void An_overlay_upper_directory_becomes_a_layer_with_whiteouts_and_opaque_markers()
    {
        var upper = Path.Join(_dir, "upper");
        Directory.CreateDirectory(Path.Join(upper, "etc"));
        File.WriteAllText(Path.Join(upper, "etc", "new"), "n");
        Fs.Mknod(Path.Join(upper, "etc", "gone"), LibC.S_IFCHR, 0); // overlayfs' whiteout
        Directory.CreateDirectory(Path.Join(upper, "var", "cache"));
        SetOpaque(Path.Join(upper, "var", "cache"));
        Directory.CreateDirectory(Path.Join(upper, "proc"));
        File.WriteAllText(Path.Join(upper, "etc", "hosts"), "");

        var tar = new MemoryStream();
        LayerDiff.WriteOverlay(upper, new HashSet<string> { "/proc", "/etc/hosts" }, tar);

        Assert.Equal(["etc/", "etc/.wh.gone", "etc/new", "var/", "var/cache/", "var/cache/.wh..wh..opq"], Tarballs.Names(tar.ToArray()));
    }
}

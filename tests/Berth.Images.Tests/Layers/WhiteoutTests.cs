using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Tests.Layers;

/// <summary>Whiteouts and opaque directories in both modes, checked where it matters: in the merged view, which
/// for overlay mode is a real overlayfs mount over the applied directories.</summary>
public sealed class WhiteoutTests
{
    private static readonly byte[] Lower = new TarBuilder()
        .File("keep", "k")
        .File("gone", "g")
        .Dir("gonedir/").File("gonedir/x", "x")
        .Dir("opq/").File("opq/old1", "o").Dir("opq/sub/").File("opq/sub/old2", "o").Dir("opq/keepdir/").File("opq/keepdir/lower", "l")
        .Dir("d2/").File("d2/a", "a").File("d2/b", "b")
        .Build();

    private static readonly byte[] Upper = new TarBuilder()
        .File(".wh.gone", "")
        .File(".wh.gonedir", "")
        .Dir("opq/", "750")
        .File("opq/.wh..wh..opq", "")
        .File("opq/new", "n")
        .Dir("opq/sub/")
        .File("opq/sub/new2", "n2")
        .Dir("d2/")
        .File("d2/.wh.a", "")
        .File(".wh.never-existed", "")
        .File("newfile", "f")
        .Build();

    private static readonly string[] Merged = ["d2/", "d2/b", "keep", "newfile", "opq/", "opq/new", "opq/sub/", "opq/sub/new2"];

    [Theory]
    [InlineData(WhiteoutMode.Overlay)]
    [InlineData(WhiteoutMode.Delete)]
    public void Whited_out_entries_are_gone_and_opaque_directories_hide_the_lower_layer(WhiteoutMode mode)
    {
        using var s = new Scratch();
        string view;
        if (mode == WhiteoutMode.Overlay)
        {
            var lower = s.NewDir("layer1");
            var upper = s.NewDir("layer2");
            s.Apply(Lower, Scratch.Options(mode), lower);
            s.Apply(Upper, Scratch.Options(mode), upper);
            view = s.MountOverlay([lower], upper);
        }
        else
        {
            s.Apply(Lower, Scratch.Options(mode));
            s.Apply(Upper, Scratch.Options(mode));
            view = s.Root;
        }

        Assert.Equal(Merged, Scratch.Tree(view));
        Assert.Equal("n2", File.ReadAllText(Path.Combine(view, "opq/sub/new2")));
        Assert.Equal("k", File.ReadAllText(Path.Combine(view, "keep")));
        LayerApplierTests.AssertStat(Path.Combine(view, "opq"), LibC.S_IFDIR, "750", 0, 0);
        s.AssertOutsideUntouched();
    }

    [Fact]
    public void Overlay_mode_writes_whiteout_devices_and_the_opaque_xattr()
    {
        using var s = new Scratch();

        s.Apply(Upper, Scratch.Options(WhiteoutMode.Overlay));

        foreach (var name in new[] { "gone", "gonedir", "d2/a", "never-existed" })
        {
            var st = Fs.Lstat(s.At(name));
            Assert.Equal(LibC.S_IFCHR, st.st_mode & LibC.S_IFMT);
            Assert.Equal(0UL, st.st_rdev);
        }
        Assert.Equal("y", Scratch.Xattr(s.At("opq"), "trusted.overlay.opaque"));
        Assert.Equal("<none>", Scratch.Xattr(s.At("opq/sub"), "trusted.overlay.opaque"));
        Assert.DoesNotContain(Scratch.Tree(s.Root), p => p.Contains(".wh.", StringComparison.Ordinal));
    }

    [Fact]
    public void Overlay_mode_whiteout_replaces_whatever_the_upper_directory_has()
    {
        using var s = new Scratch();
        s.Apply(new TarBuilder().Dir("victim/").File("victim/inner", "i").Symlink("link", "/x").Build(), Scratch.Options(WhiteoutMode.Overlay));

        s.Apply(new TarBuilder().File(".wh.victim", "").File(".wh.link", "").Build(), Scratch.Options(WhiteoutMode.Overlay));

        Assert.Equal(LibC.S_IFCHR, Fs.Lstat(s.At("victim")).st_mode & LibC.S_IFMT);
        Assert.Equal(LibC.S_IFCHR, Fs.Lstat(s.At("link")).st_mode & LibC.S_IFMT);
    }

    [Fact]
    public void Delete_mode_leaves_no_whiteout_files()
    {
        using var s = new Scratch();
        s.Apply(Lower);
        s.Apply(Upper);
        Assert.DoesNotContain(Scratch.Tree(s.Root), p => p.Contains(".wh.", StringComparison.Ordinal));
    }

    [Fact]
    public void Delete_mode_opaque_marker_spares_what_the_layer_put_before_it()
    {
        // The marker may come after the directory's new entries (not every writer puts it first).
        using var s = new Scratch();
        s.Apply(Lower);

        s.Apply(new TarBuilder().Dir("opq/").File("opq/new", "n").Dir("opq/sub/").File("opq/sub/new2", "n2").File("opq/.wh..wh..opq", "").Build());

        Assert.Equal(["new", "sub/", "sub/new2"], Scratch.Tree(s.At("opq")));
    }

    [Fact]
    public void Delete_mode_opaque_root_keeps_only_the_layer()
    {
        using var s = new Scratch();
        s.Apply(Lower);

        s.Apply(new TarBuilder().File(".wh..wh..opq", "").File("only", "o").Build());

        Assert.Equal(["only"], Scratch.Tree(s.Root));
    }

    [Fact]
    public void Aufs_metadata_is_skipped()
    {
        using var s = new Scratch();

        s.Apply(new TarBuilder().Dir(".wh..wh.plnk/").File(".wh..wh.plnk/123.456", "x").File(".wh..wh.aufs", "").File("real", "r").Build());

        Assert.Equal(["real"], Scratch.Tree(s.Root));
    }
}

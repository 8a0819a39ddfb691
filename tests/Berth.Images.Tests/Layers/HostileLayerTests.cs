using Berth.Common;
using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Tests.Layers;

/// <summary>Layers crafted to write, link or delete outside the root. Each must be refused with a clear message,
/// and the sentinel directory beside the root must come through untouched.</summary>
public sealed class HostileLayerTests
{
    // The attacks; "{outside}" stands for the absolute path of the directory beside the root.
    private static readonly Dictionary<string, (Func<TarBuilder, string, TarBuilder> Layer, string Message)> Attacks = new()
    {
        ["'../' traversal"] = ((t, _) => t.File("../outside/pwned", "x"), "the path leaves the layer root"),
        ["'../' traversal hidden in the middle of a name"] = ((t, _) => t.File("a/b/../../../outside/pwned", "x"), "the path leaves the layer root"),
        ["'../' traversal through a PAX path"] = ((t, _) => t.Pax(("path", "../outside/pwned")).File("innocent", "x"), "the path leaves the layer root"),
        ["directory traversal"] = ((t, _) => t.Dir("../outside/newdir/"), "the path leaves the layer root"),
        ["symlink parent pointing outside by absolute path"] = ((t, o) => t.Symlink("link", o).File("link/pwned", "x"), "is not a directory inside the layer root"),
        ["symlink parent pointing outside, then a directory through it"] = ((t, o) => t.Symlink("link", o).Dir("link/sub/"), "is not a directory inside the layer root"),
        ["symlink whose relative target leaves the root"] = ((t, _) => t.Symlink("evil", "../outside"), "invalid symlink \"evil\" -> \"../outside\""),
        ["symlink in a subdirectory whose relative target leaves the root"] = ((t, _) => t.Dir("a/").Dir("a/b/").Symlink("a/b/evil", "../../../outside/sentinel"), "invalid symlink"),
        ["hardlink to ../../etc/passwd"] = ((t, _) => t.Hardlink("link", "../../etc/passwd"), "the target leaves the layer root"),
        ["hardlink to an absolute host path (taken inside the root, where it does not exist)"] = ((t, o) => t.Hardlink("link", o + "/sentinel"), "the target does not exist"),
        ["hardlink through a symlink pointing outside"] = ((t, o) => t.Symlink("lnk", o).Hardlink("h", "lnk/sentinel"), "the target is reached through a symlink"),
        ["hardlink through a symlink that stays inside"] = ((t, _) => t.Dir("d/").File("d/f", "f").Symlink("lnk", "d").Hardlink("h", "lnk/f"), "the target is reached through a symlink"),
        ["hardlink to a directory"] = ((t, _) => t.Dir("d/").Hardlink("h", "d"), "the target is a directory"),
        ["hardlink to the root"] = ((t, _) => t.Hardlink("h", "./"), "the target is a directory"),
        ["character device refused by default"] = ((t, _) => t.Dir("dev/").CharDevice("dev/mem", 1, 1), "device nodes (character device 1:1) are not allowed"),
        ["block device refused by default"] = ((t, _) => t.BlockDevice("sda", 8, 0), "device nodes (block device 8:0) are not allowed"),
        ["whiteout naming the parent directory"] = ((t, _) => t.Dir("a/").File("a/.wh..", ""), "invalid whiteout"),
        ["whiteout through a symlink parent pointing outside"] = ((t, o) => t.Symlink("l", o).File("l/.wh.sentinel", ""), "is not a directory inside the layer root"),
        ["opaque marker through a symlink parent pointing outside"] = ((t, o) => t.Symlink("l", o).File("l/.wh..wh..opq", ""), "is not a directory inside the layer root"),
        ["whiteout with '../'"] = ((t, _) => t.File("../outside/.wh.sentinel", ""), "the path leaves the layer root"),
        ["the root replaced by a symlink"] = ((t, o) => t.Symlink("./", o), "the layer root cannot become a symlink"),
    };

    public static TheoryData<string, WhiteoutMode> Cases()
    {
        var data = new TheoryData<string, WhiteoutMode>();
        foreach (var name in Attacks.Keys)
        {
            data.Add(name, WhiteoutMode.Overlay);
            data.Add(name, WhiteoutMode.Delete);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Refuses_and_touches_nothing_outside(string name, WhiteoutMode mode)
    {
        using var s = new Scratch();
        var (layer, message) = Attacks[name];
        var passwd = Fs.Lstat("/etc/passwd");

        var ex = Assert.Throws<BerthException>(() => s.Apply(layer(new TarBuilder(), s.Outside).Build(), Scratch.Options(mode)));

        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        s.AssertOutsideUntouched();
        Assert.Equal(passwd.st_nlink, Fs.Lstat("/etc/passwd").st_nlink);
        Assert.DoesNotContain(Scratch.Tree(s.Root), p => p.Contains("pwned", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(WhiteoutMode.Overlay)]
    [InlineData(WhiteoutMode.Delete)]
    public void A_regular_file_replaces_a_symlink_to_outside_without_writing_through_it(WhiteoutMode mode)
    {
        using var s = new Scratch();
        s.Apply(new TarBuilder().Symlink("s", s.Outside + "/sentinel").Build(), Scratch.Options(mode));

        s.Apply(new TarBuilder().File("s", "pwned").Build(), Scratch.Options(mode));

        Assert.Equal("pwned", File.ReadAllText(s.At("s")));
        Assert.Equal(LibC.S_IFREG, Fs.Lstat(s.At("s")).st_mode & LibC.S_IFMT);
        s.AssertOutsideUntouched();
    }

    [Fact]
    public void A_symlink_parent_left_by_a_lower_layer_resolves_inside_the_root()
    {
        // A lower layer (not applied by us) left "up -> ../outside". As in Docker's chroot, the link is resolved
        // with the root as "/": "up/x" means "<root>/outside/x", which exists here, so the entry lands there.
        using var s = new Scratch();
        File.CreateSymbolicLink(s.At("up"), "../outside");
        Directory.CreateDirectory(s.At("outside"));

        s.Apply(new TarBuilder().File("up/inside", "safe").Build());

        Assert.Equal("safe", File.ReadAllText(s.At("outside/inside")));
        s.AssertOutsideUntouched();
    }

    [Fact]
    public void A_whiteout_under_a_symlink_parent_deletes_inside_the_root_only()
    {
        // Delete mode: ".wh.sentinel" under "up -> ../outside" names "<root>/outside/sentinel", never the real one.
        using var s = new Scratch();
        File.CreateSymbolicLink(s.At("up"), "../outside");
        Directory.CreateDirectory(s.At("outside"));
        File.WriteAllText(s.At("outside/sentinel"), "inside copy");

        s.Apply(new TarBuilder().File("up/.wh.sentinel", "").Build());

        Assert.False(File.Exists(s.At("outside/sentinel")));
        s.AssertOutsideUntouched();
    }

    [Fact]
    public void An_opaque_directory_whose_children_are_symlinks_to_outside_removes_the_links_only()
    {
        using var s = new Scratch();
        Directory.CreateDirectory(s.At("d"));
        File.CreateSymbolicLink(s.At("d/out"), s.Outside);
        File.CreateSymbolicLink(s.At("d/file"), s.Outside + "/sentinel");

        s.Apply(new TarBuilder().Dir("d/").File("d/.wh..wh..opq", "").Build());

        Assert.Empty(Directory.GetFileSystemEntries(s.At("d")));
        s.AssertOutsideUntouched();
    }
}

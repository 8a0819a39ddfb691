using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Berth.Common;
using Berth.Images.Archive;
using Berth.Images.Tests.Layers;
using Berth.Linux;

namespace Berth.Images.Tests.Archive;

/// <summary>docker cp's daemon side on a real directory standing for a container's root: paths resolve inside it
/// whatever its symlinks say, archives are named as Docker names them, and hostile uploads write nothing outside
/// the target. <c>outside</c>, beside the root, stands for the host.</summary>
public sealed class ContainerFsTests
{
    private const string ContainerShadow = "container shadow";

    /// <summary>A root with the links an attacker in the container would make.</summary>
    private static Scratch Container()
    {
        var s = new Scratch();
        Directory.CreateDirectory(s.At("etc"));
        File.WriteAllText(s.At("etc/shadow"), ContainerShadow);
        Directory.CreateDirectory(s.At("tmp"));
        File.CreateSymbolicLink(s.At("escape"), "/");
        File.CreateSymbolicLink(s.At("up"), "../../..");
        File.CreateSymbolicLink(s.At("etclink"), "etc");
        File.CreateSymbolicLink(s.At("host"), s.Outside);
        File.CreateSymbolicLink(s.At("loop"), "loop");
        File.WriteAllText(s.At("file"), "f");
        return s;
    }

    [Theory]
    [InlineData("/etc/shadow", "/etc/shadow")]
    [InlineData("/escape/etc/shadow", "/etc/shadow")]
    [InlineData("/up/etc/shadow", "/etc/shadow")]
    [InlineData("/../../../etc/shadow", "/etc/shadow")]
    [InlineData("/tmp/../../etc", "/etc")]
    [InlineData("/etclink/shadow", "/etc/shadow")]
    [InlineData("/escape/escape/up/etclink", "/etc")]
    [InlineData("/missing/a/b", "/missing/a/b")]
    [InlineData("/", "/")]
    public void Resolves_every_link_inside_the_root(string path, string expected)
    {
        using var s = Container();
        using var root = Fs.Open(s.Root, LibC.O_PATH | LibC.O_DIRECTORY);
        Assert.Equal(expected, ScopedPath.Resolve(root, path));
    }

    [Fact]
    public void An_absolute_link_to_a_host_path_resolves_to_that_path_in_the_container()
    {
        using var s = Container();
        using var root = Fs.Open(s.Root, LibC.O_PATH | LibC.O_DIRECTORY);
        Assert.Equal(s.Outside + "/sentinel", ScopedPath.Resolve(root, "/host/sentinel"));
        using var fs = new ContainerFs(s.Root, "c1");
        var ex = Assert.Throws<BerthException>(() => fs.Stat("/host/sentinel"));
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
        Assert.Equal("Could not find the file /host/sentinel in container c1", ex.Message);
    }

    [Fact]
    public void A_link_loop_is_an_error_not_a_hang()
    {
        using var s = Container();
        using var root = Fs.Open(s.Root, LibC.O_PATH | LibC.O_DIRECTORY);
        Assert.Throws<BerthException>(() => ScopedPath.Resolve(root, "/loop/x"));
    }

    [Theory]
    [InlineData("/etc/shadow", "shadow", false, "")]
    [InlineData("/etc", "etc", true, "")]
    [InlineData("/etc/", "etc", true, "")]
    [InlineData("/etc/.", ".", true, "")]
    [InlineData("/", "/", true, "")]
    [InlineData("/escape", "escape", false, "/")]
    [InlineData("/up", "up", false, "/")]
    [InlineData("/etclink", "etclink", false, "/etc")]
    [InlineData("/etclink/", "etclink", true, "")]
    public void Stat_is_Dockers(string path, string name, bool dir, string linkTarget)
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        var stat = fs.Stat(path);
        Assert.Equal(name, stat.Name);
        Assert.Equal(dir, stat.IsDirectory);
        Assert.Equal(linkTarget, stat.LinkTarget);
        Assert.Equal(linkTarget.Length > 0, (stat.Mode & PathStat.ModeSymlink) != 0);
    }

    [Fact]
    public void Stat_of_a_file_carries_its_size_mode_and_time()
    {
        using var s = Container();
        File.SetUnixFileMode(s.At("etc/shadow"), (UnixFileMode)0x1a0);
        using var fs = new ContainerFs(s.Root, "c1");
        var stat = fs.Stat("/etc/shadow");
        Assert.Equal(ContainerShadow.Length, stat.Size);
        Assert.Equal(0x1a0u, stat.Mode);
        Assert.Equal(File.GetLastWriteTimeUtc(s.At("etc/shadow")), stat.MTime.UtcDateTime);
        Assert.Equal(PathStat.ModeDir | 0x1edu, fs.Stat("/tmp").Mode & (PathStat.ModeDir | 0x1ffu));
    }

    [Theory]
    [InlineData("/nonexistent", "Could not find the file /nonexistent in container c1")]
    [InlineData("nonexistent", "Could not find the file nonexistent in container c1")]
    [InlineData("/missing/dir/x", "Could not find the file /missing/dir/x in container c1")]
    public void Missing_paths_are_Dockers_404(string path, string message)
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        var ex = Assert.Throws<BerthException>(() => fs.Stat(path));
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void A_trailing_slash_on_a_file_is_not_a_directory()
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        var ex = Assert.Throws<BerthException>(() => fs.Stat("/file/"));
        Assert.Equal("lstat /file/: not a directory", ex.Message);
    }

    [Theory]
    [InlineData("/etc/shadow", new[] { "shadow" })]
    [InlineData("/etc", new[] { "etc/", "etc/shadow" })]
    [InlineData("/etc/", new[] { "etc/", "etc/shadow" })]
    [InlineData("/etc/.", new[] { "./", "./shadow" })]
    [InlineData("/etclink/", new[] { "etclink/", "etclink/shadow" })]
    [InlineData("/etclink", new[] { "etclink" })]
    [InlineData("/escape/etc", new[] { "etc/", "etc/shadow" })]
    public void Archives_are_named_from_the_path_as_given(string path, string[] names)
    {
        using var s = Container();
        var entries = ArchiveOf(s, path);
        Assert.Equal(names, entries.Select(e => e.Name).ToArray());
    }

    [Fact]
    public void The_root_archive_names_entries_absolutely_as_Docker_does()
    {
        using var s = Container();
        var names = ArchiveOf(s, "/").Select(e => e.Name).ToList();
        Assert.Equal("/", names[0]);
        Assert.Contains("/etc/shadow", names);
        Assert.Contains("/escape", names);
    }

    [Fact]
    public void Reading_through_an_escaping_link_gives_the_containers_file_never_the_hosts()
    {
        using var s = Container();
        File.CreateSymbolicLink(s.At("hostetc"), "/etc/");
        foreach (var path in new[] { "/escape/etc/shadow", "/up/etc/shadow", "/hostetc/shadow", "/escape/up/escape/etc/shadow" })
        {
            var entries = ArchiveOf(s, path);
            var shadow = Assert.Single(entries);
            Assert.Equal("shadow", shadow.Name);
            Assert.Equal(ContainerShadow, shadow.Text);
        }
        // A link to a host file is archived as the link it is.
        var link = Assert.Single(ArchiveOf(s, "/host"));
        Assert.Equal(TarEntryType.SymbolicLink, link.Type);
        Assert.Equal(s.Outside, link.LinkName);
    }

    [Fact]
    public void Archives_keep_owner_mode_hardlinks_and_types()
    {
        using var s = Container();
        Directory.CreateDirectory(s.At("d"));
        File.WriteAllText(s.At("d/a"), "same");
        Fs.Link(s.At("d/a"), s.At("d/b"));
        Fs.Lchown(s.At("d/a"), 1234, 5678);
        File.SetUnixFileMode(s.At("d/a"), (UnixFileMode)0x1c0);
        File.CreateSymbolicLink(s.At("d/l"), "a");
        Fs.Mknod(s.At("d/p"), LibC.S_IFIFO | 0x180, 0);
        var entries = ArchiveOf(s, "/d");
        Assert.Equal(["d/", "d/a", "d/b", "d/l", "d/p"], entries.Select(e => e.Name).ToArray());
        var a = entries[1];
        Assert.Equal((1234, 5678, (UnixFileMode)0x1c0, "same"), (a.Uid, a.Gid, a.Mode, a.Text));
        Assert.Equal((TarEntryType.HardLink, "d/a"), (entries[2].Type, entries[2].LinkName));
        Assert.Equal((TarEntryType.SymbolicLink, "a"), (entries[3].Type, entries[3].LinkName));
        Assert.Equal(TarEntryType.Fifo, entries[4].Type);
    }

    [Fact]
    public void A_single_small_file_is_one_header_one_block_and_the_end_marker()
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        var output = new MemoryStream();
        fs.Archive("/etc/shadow", _ => output);
        Assert.Equal(2048, output.Length);
    }

    [Fact]
    public void Files_bound_over_the_root_read_as_the_container_sees_them()
    {
        using var s = Container();
        File.WriteAllText(s.At("etc/hostname"), "");
        var bound = Path.Join(s.Outside, "hostname");
        File.WriteAllText(bound, "c0ffee\n");
        var overlays = new Dictionary<string, string> { ["/etc/hostname"] = bound };
        using var fs = new ContainerFs(s.Root, "c1", overlays);

        Assert.Equal(7, fs.Stat("/etc/hostname").Size);
        Assert.Equal(7, fs.Stat("/escape/etclink/hostname").Size);
        var output = new MemoryStream();
        fs.Archive("/etc", _ => output);
        output.Position = 0;
        Assert.Equal("c0ffee\n", Read(output).Single(e => e.Name == "etc/hostname").Text);
        // Export is the file system as stored, mount points empty, as Docker's.
        var exported = new MemoryStream();
        fs.Export(exported);
        exported.Position = 0;
        Assert.Equal("", Read(exported).Single(e => e.Name == "etc/hostname").Text);
    }

    [Fact]
    public void Export_names_entries_relative_to_the_root()
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        var output = new MemoryStream();
        fs.Export(output);
        output.Position = 0;
        var names = Read(output).Select(e => e.Name).ToList();
        Assert.Equal(["escape", "etc/", "etc/shadow", "etclink", "file", "host", "loop", "tmp/", "up"], names);
    }

    // --- uploads -------------------------------------------------------------------------------------------

    private static readonly Dictionary<string, (Func<TarBuilder, string, TarBuilder> Tar, string Message)> HostileUploads = new()
    {
        ["'../' entry"] = ((t, _) => t.File("../outside/pwned", "x"), "the path leaves the layer root"),
        ["'../' deep in a name"] = ((t, _) => t.File("a/../../../../outside/pwned", "x"), "the path leaves the layer root"),
        ["symlink to the host, then a write through it"] = ((t, o) => t.Symlink("l", o).File("l/pwned", "x"), "is not a directory inside the layer root"),
        ["symlink to '..', then a write through it"] = ((t, _) => t.Symlink("l", "..").File("l/pwned", "x"), "invalid symlink"),
        ["hardlink to the host's /etc/passwd"] = ((t, _) => t.Hardlink("h", "/etc/passwd"), "the target does not exist"),
        ["hardlink to ../../etc/passwd"] = ((t, _) => t.Hardlink("h", "../../etc/passwd"), "the target leaves the layer root"),
        ["hardlink through an escaping symlink"] = ((t, o) => t.Symlink("l", o).Hardlink("h", "l/sentinel"), "the target is reached through a symlink"),
        ["device node"] = ((t, _) => t.BlockDevice("sda", 8, 0), "device nodes (block device 8:0) are not allowed"),
    };

    public static TheoryData<string> HostileUploadNames() => [.. HostileUploads.Keys];

    [Theory]
    [MemberData(nameof(HostileUploadNames))]
    public void Hostile_uploads_are_refused_and_write_nothing_outside(string name)
    {
        using var s = Container();
        var (tar, message) = HostileUploads[name];
        var passwd = Fs.Lstat("/etc/passwd");
        using var fs = new ContainerFs(s.Root, "c1");
        var ex = Assert.Throws<BerthException>(() => fs.Extract("/tmp", new MemoryStream(tar(new TarBuilder(), s.Outside).Build()), new CopyInOptions()));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        s.AssertOutsideUntouched();
        Assert.Equal(passwd.st_nlink, Fs.Lstat("/etc/passwd").st_nlink);
        Assert.Equal(passwd.st_mtim.tv_sec, Fs.Lstat("/etc/passwd").st_mtim.tv_sec);
    }

    [Theory]
    [InlineData("/escape/tmp")]
    [InlineData("/up/tmp")]
    [InlineData("/escape/up/../tmp/")]
    [InlineData("/tmp/../../../tmp")]
    public void Uploads_through_escaping_links_land_in_the_container(string target)
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        fs.Extract(target, new MemoryStream(new TarBuilder().File("dropped", "x").Build()), new CopyInOptions());
        Assert.Equal("x", File.ReadAllText(s.At("tmp/dropped")));
        s.AssertOutsideUntouched();
    }

    [Fact]
    public void Absolute_entry_names_stay_under_the_target()
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        fs.Extract("/tmp", new MemoryStream(new TarBuilder().File(s.Outside + "/pwned", "x").File("/etc/passwd", "y").Build()), new CopyInOptions());
        Assert.Equal("x", File.ReadAllText(s.At("tmp" + s.Outside + "/pwned")));
        Assert.Equal("y", File.ReadAllText(s.At("tmp/etc/passwd")));
        s.AssertOutsideUntouched();
    }

    [Fact]
    public void A_symlink_in_the_archive_resolves_against_the_target_not_the_host()
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        // Docker unpacks in a chroot of the target: "/" in a link means the target directory.
        fs.Extract("/tmp", new MemoryStream(new TarBuilder().Dir("etc/").Symlink("l", "/etc").File("l/x", "x").Build()), new CopyInOptions());
        Assert.Equal("x", File.ReadAllText(s.At("tmp/etc/x")));
        s.AssertOutsideUntouched();
    }

    [Fact]
    public void A_decompression_bomb_stops_at_the_limit()
    {
        using var s = Container();
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            z.Write(new TarBuilder().File("bomb", new byte[8 << 20]).Build());
        }
        using var fs = new ContainerFs(s.Root, "c1");
        var ex = Assert.Throws<BerthException>(() => fs.Extract("/tmp", new MemoryStream(gz.ToArray()), new CopyInOptions { MaxUncompressedBytes = 1 << 20 }));
        Assert.Contains("exceeds the size limit", ex.Message, StringComparison.Ordinal);
        Assert.True(gz.Length < 64 * 1024);
    }

    [Fact]
    public void Entries_keep_the_archives_owner_unless_an_owner_is_given()
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        fs.Extract("/tmp", new MemoryStream(new TarBuilder().Dir("d/", uid: 10, gid: 20).File("d/f", "x", uid: 1234, gid: 5678).Build()), new CopyInOptions());
        Assert.Equal((1234u, 5678u), (Fs.Lstat(s.At("tmp/d/f")).st_uid, Fs.Lstat(s.At("tmp/d/f")).st_gid));
        Assert.Equal(10u, Fs.Lstat(s.At("tmp/d")).st_uid);
        fs.Extract("/tmp", new MemoryStream(new TarBuilder().File("g", "x", uid: 1234, gid: 5678).Symlink("sl", "g", uid: 7).Build()), new CopyInOptions { Owner = (65534, 65533) });
        Assert.Equal((65534u, 65533u), (Fs.Lstat(s.At("tmp/g")).st_uid, Fs.Lstat(s.At("tmp/g")).st_gid));
        Assert.Equal(65534u, Fs.Lstat(s.At("tmp/sl")).st_uid);
    }

    [Fact]
    public void The_dot_entry_leaves_the_target_directory_alone_and_whiteout_names_are_files()
    {
        using var s = Container();
        File.SetUnixFileMode(s.At("tmp"), (UnixFileMode)0x3ff);
        using var fs = new ContainerFs(s.Root, "c1");
        fs.Extract("/tmp", new MemoryStream(new TarBuilder().Dir("./", mode: "700").File("./.wh.file", "w").File(".wh..wh..opq", "o").Build()), new CopyInOptions());
        Assert.Equal((UnixFileMode)0x3ff, File.GetUnixFileMode(s.At("tmp")));
        Assert.Equal("w", File.ReadAllText(s.At("tmp/.wh.file")));
        Assert.Equal("o", File.ReadAllText(s.At("tmp/.wh..wh..opq")));
    }

    [Theory]
    [InlineData("file-over-dir", "cannot overwrite directory \"/sub\" with non-directory \"/\"")]
    [InlineData("dir-over-file", "cannot overwrite non-directory \"/f\" with directory \"/\"")]
    public void NoOverwriteDirNonDir_refuses_a_type_change(string which, string message)
    {
        using var s = Container();
        Directory.CreateDirectory(s.At("tmp/sub"));
        File.WriteAllText(s.At("tmp/f"), "f");
        var tar = which == "file-over-dir" ? new TarBuilder().File("sub", "x") : new TarBuilder().Dir("f/");
        using var fs = new ContainerFs(s.Root, "c1");
        var ex = Assert.Throws<BerthException>(() => fs.Extract("/tmp", new MemoryStream(tar.Build()), new CopyInOptions { NoOverwriteDirNonDir = true }));
        Assert.Equal(message, ex.Message);
        Assert.True(Directory.Exists(s.At("tmp/sub")));
        Assert.Equal("f", File.ReadAllText(s.At("tmp/f")));
    }

    [Theory]
    [InlineData("/nope", "Could not find the file /nope in container c1")]
    [InlineData("/tmp/nope/deeper", "Could not find the file /tmp/nope/deeper in container c1")]
    [InlineData("/file", "extraction point is not a directory")]
    public void The_target_must_be_an_existing_directory(string target, string message)
    {
        using var s = Container();
        using var fs = new ContainerFs(s.Root, "c1");
        var ex = Assert.Throws<BerthException>(() => fs.Extract(target, new MemoryStream(new TarBuilder().File("x", "x").Build()), new CopyInOptions()));
        Assert.Equal(message, ex.Message);
    }

    private sealed record Entry(string Name, TarEntryType Type, string LinkName, int Uid, int Gid, UnixFileMode Mode, string Text);

    private static List<Entry> ArchiveOf(Scratch s, string path)
    {
        using var fs = new ContainerFs(s.Root, "c1");
        var output = new MemoryStream();
        fs.Archive(path, _ => output);
        output.Position = 0;
        return Read(output);
    }

    private static List<Entry> Read(Stream tar)
    {
        var list = new List<Entry>();
        using var reader = new TarReader(tar);
        while (reader.GetNextEntry() is { } e)
        {
            var text = e.DataStream is null ? "" : new StreamReader(e.DataStream, Encoding.UTF8).ReadToEnd();
            list.Add(new Entry(e.Name, e.EntryType, e.LinkName, e.Uid, e.Gid, e.Mode, text));
        }
        return list;
    }
}

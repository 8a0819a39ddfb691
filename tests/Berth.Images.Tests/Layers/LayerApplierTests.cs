using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Berth.Common;
using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Tests.Layers;

public sealed class LayerApplierTests
{
    private static readonly uint Perm = TarBuilder.Octal("7777");

    // VFS_CAP_REVISION_2 | EFFECTIVE, permitted = DAC_OVERRIDE|FOWNER|IPC_OWNER: the bytes hold a '\n' (0x0a) and a
    // byte over 0x7f, the two things a text-minded PAX reader breaks.
    private static readonly byte[] Capability = [0x01, 0x00, 0x00, 0x02, 0x0a, 0x80, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private static readonly string LongName = "deep/" + new string('n', 150) + "/" + new string('f', 200);
    private static readonly string LongTarget = "/" + new string('t', 250) + "/" + new string('u', 100);

    private static readonly Dictionary<string, (Func<TarBuilder, TarBuilder> Layer, Action<Scratch> Check)> EntryCases = new()
    {
        ["regular file: content, mode, owner, mtime"] = (
            t => t.Dir("etc/").File("etc/motd", "hello", "640", 1000, 1001, 1_600_000_000),
            s =>
            {
                Assert.Equal("hello", File.ReadAllText(s.At("etc/motd")));
                AssertStat(s.At("etc/motd"), LibC.S_IFREG, "640", 1000, 1001, 1_600_000_000);
            }
        ),
        ["setuid, setgid and sticky bits survive the chown"] = (
            t => t.File("bin/su", "x", "4755").File("usr/bin/wall", "x", "2755", 0, 5).File("usr/bin/newgrp", "x", "6755", 1, 1).Dir("tmp/", "1777"),
            s =>
            {
                AssertStat(s.At("bin/su"), LibC.S_IFREG, "4755", 0, 0);
                AssertStat(s.At("usr/bin/wall"), LibC.S_IFREG, "2755", 0, 5);
                AssertStat(s.At("usr/bin/newgrp"), LibC.S_IFREG, "6755", 1, 1);
                AssertStat(s.At("tmp"), LibC.S_IFDIR, "1777", 0, 0);
            }
        ),
        ["directory: mode, owner, and mtime kept although children came after"] = (
            t => t.Dir("var/", "755", mtime: 1_500_000_000).Dir("var/lib/", "750", 1000, 1000, 1_500_000_001)
                .File("var/lib/data", "d").Symlink("var/lib/link", "data").Dir("var/lib/sub/", "700"),
            s =>
            {
                AssertStat(s.At("var"), LibC.S_IFDIR, "755", 0, 0, 1_500_000_000);
                AssertStat(s.At("var/lib"), LibC.S_IFDIR, "750", 1000, 1000, 1_500_000_001);
                AssertStat(s.At("var/lib/sub"), LibC.S_IFDIR, "700", 0, 0, TarBuilder.DefaultMTime);
            }
        ),
        ["symlinks: absolute and relative targets, owner and time of the link itself"] = (
            t => t.Dir("usr/").Dir("usr/share/").Symlink("bin", "usr/bin").Symlink("usr/lib64", "/usr/lib")
                .Symlink("usr/share/x", "../lib/x", 7, 8, 1_400_000_000).Symlink("dangling", "/no/such/file"),
            s =>
            {
                Assert.Equal("usr/bin", Scratch.ReadLink(s.At("bin")));
                Assert.Equal("/usr/lib", Scratch.ReadLink(s.At("usr/lib64")));
                Assert.Equal("../lib/x", Scratch.ReadLink(s.At("usr/share/x")));
                Assert.Equal("/no/such/file", Scratch.ReadLink(s.At("dangling")));
                var st = Fs.Lstat(s.At("usr/share/x"));
                Assert.Equal((7u, 8u, 1_400_000_000L), (st.st_uid, st.st_gid, st.st_mtim.tv_sec));
            }
        ),
        ["hardlinks share the inode; the link name is relative to the root"] = (
            t => t.File("a", "same").Hardlink("b", "a").Dir("d/").Hardlink("d/c", "/a").Hardlink("d/e", "./d/../a"),
            s =>
            {
                var a = Fs.Lstat(s.At("a"));
                Assert.Equal(4UL, a.st_nlink);
                Assert.All(new[] { "b", "d/c", "d/e" }, p => Assert.Equal(a.st_ino, Fs.Lstat(s.At(p)).st_ino));
                Assert.Equal("same", File.ReadAllText(s.At("d/c")));
            }
        ),
        ["a hardlink to a symlink links the symlink itself"] = (
            t => t.Symlink("s", "/nowhere").Hardlink("h", "s"),
            s =>
            {
                Assert.Equal("/nowhere", Scratch.ReadLink(s.At("h")));
                Assert.Equal(Fs.Lstat(s.At("s")).st_ino, Fs.Lstat(s.At("h")).st_ino);
            }
        ),
        ["fifo"] = (
            t => t.Dir("run/").Fifo("run/ctl", "620"),
            s => AssertStat(s.At("run/ctl"), LibC.S_IFIFO, "620", 0, 0)),
        ["xattrs: user.* and a binary security.capability kept; trusted.* and security.selinux dropped"] = (
            t => t.Pax(
                    ("SCHILY.xattr.user.comment", "hello"u8.ToArray()),
                    ("SCHILY.xattr.security.capability", Capability),
                    ("SCHILY.xattr.trusted.overlay.opaque", "y"u8.ToArray()),
                    ("SCHILY.xattr.trusted.overlay.redirect", "/etc"u8.ToArray()),
                    ("SCHILY.xattr.security.selinux", "system_u:object_r:shadow_t:s0"u8.ToArray()))
                .File("bin/ping", "elf", "755")
                .Pax(("SCHILY.xattr.user.dir", "on a directory"))
                .Dir("data/"),
            s =>
            {
                Assert.Equal("hello", Scratch.Xattr(s.At("bin/ping"), "user.comment"));
                Assert.Equal(Capability, Fs.GetXattr(s.At("bin/ping"), "security.capability"));
                Assert.Null(Fs.GetXattr(s.At("bin/ping"), "trusted.overlay.opaque"));
                Assert.Null(Fs.GetXattr(s.At("bin/ping"), "trusted.overlay.redirect"));
                Assert.Null(Fs.GetXattr(s.At("bin/ping"), "security.selinux"));
                AssertStat(s.At("bin/ping"), LibC.S_IFREG, "755", 0, 0);
                Assert.Equal("on a directory", Scratch.Xattr(s.At("data"), "user.dir"));
            }
        ),
        ["sub-second times from PAX; an atime older than the mtime becomes the mtime"] = (
            t => t.Pax(("mtime", "1700000000.123456789"), ("atime", "1800000000.5")).File("t", "x")
                .Pax(("mtime", "1700000000.25"), ("atime", "1600000000")).File("u", "x")
                .Pax(("mtime", "-1.5")).File("old", "x"),
            s =>
            {
                var t = Fs.Lstat(s.At("t"));
                Assert.Equal((1_700_000_000L, 123_456_789L), (t.st_mtim.tv_sec, t.st_mtim.tv_nsec));
                Assert.Equal((1_800_000_000L, 500_000_000L), (t.st_atim.tv_sec, t.st_atim.tv_nsec));
                var u = Fs.Lstat(s.At("u"));
                Assert.Equal((1_700_000_000L, 250_000_000L), (u.st_atim.tv_sec, u.st_atim.tv_nsec));
                var old = Fs.Lstat(s.At("old"));
                Assert.Equal((-2L, 500_000_000L), (old.st_mtim.tv_sec, old.st_mtim.tv_nsec));
            }
        ),
        ["long names and link targets through PAX"] = (
            t => t.File(LongName, "long").Symlink("longlink", LongTarget),
            s =>
            {
                Assert.Equal("long", File.ReadAllText(s.At(LongName)));
                Assert.Equal(LongTarget, Scratch.ReadLink(s.At("longlink")));
            }
        ),
        ["long names and link targets through GNU 'L' and 'K' headers"] = (
            t => t.Entry((byte)'L', "././@LongLink", data: Encoding.UTF8.GetBytes(LongName + "\0"), magic: TarBuilder.GnuMagic)
                .Entry((byte)'0', LongName[..100], data: "gnu"u8.ToArray(), magic: TarBuilder.GnuMagic)
                .Entry((byte)'K', "././@LongLink", data: Encoding.UTF8.GetBytes(LongTarget + "\0"), magic: TarBuilder.GnuMagic)
                .Entry((byte)'2', "gnulink", link: LongTarget[..100], magic: TarBuilder.GnuMagic),
            s =>
            {
                Assert.Equal("gnu", File.ReadAllText(s.At(LongName)));
                Assert.Equal(LongTarget, Scratch.ReadLink(s.At("gnulink")));
            }
        ),
        ["ustar prefix field"] = (
            t => t.Entry((byte)'0', "file.txt", data: "prefixed"u8.ToArray(), patch: h => "some/prefix/dir"u8.CopyTo(h.AsSpan(345))),
            s => Assert.Equal("prefixed", File.ReadAllText(s.At("some/prefix/dir/file.txt")))),
        ["v7 headers: type NUL is a file, or a directory when the name ends in '/'"] = (
            t => t.Entry(0, "olddir/", mode: TarBuilder.Octal("750"), magic: "\0\0\0\0\0\0\0\0")
                .Entry(0, "olddir/file", data: "v7"u8.ToArray(), magic: "\0\0\0\0\0\0\0\0"),
            s =>
            {
                AssertStat(s.At("olddir"), LibC.S_IFDIR, "750", 0, 0);
                Assert.Equal("v7", File.ReadAllText(s.At("olddir/file")));
            }
        ),
        ["base-256 numbers (GNU) for ids and sizes an octal field cannot hold"] = (
            t => t.Entry((byte)'0', "big-ids", data: "b256"u8.ToArray(), patch: h =>
            {
                Base256(h, 108, 8, 3_000_000);
                Base256(h, 116, 8, 4_000_000);
                Base256(h, 124, 12, 4);
            }),
            s => AssertStat(s.At("big-ids"), LibC.S_IFREG, "644", 3_000_000, 4_000_000)),
        ["missing parents are created 0755"] = (
            t => t.File("x/y/z", "deep"),
            s =>
            {
                Assert.Equal("deep", File.ReadAllText(s.At("x/y/z")));
                AssertStat(s.At("x"), LibC.S_IFDIR, "755", 0, 0);
                AssertStat(s.At("x/y"), LibC.S_IFDIR, "755", 0, 0);
            }
        ),
        ["a './' entry carries the root directory's metadata"] = (
            t => t.Dir("./", "711", 5, 6, 1_234_567_890).File("f", "x"),
            s => AssertStat(s.Root, LibC.S_IFDIR, "711", 5, 6, 1_234_567_890)),
        ["absolute names and '..' that stay inside land inside (compat: docker)"] = (
            t => t.File("/abs/file", "a").File("/../../top", "t").File("a/../b", "b").File("./c//d/./e", "e"),
            s =>
            {
                Assert.Equal("a", File.ReadAllText(s.At("abs/file")));
                Assert.Equal("t", File.ReadAllText(s.At("top")));
                Assert.Equal("b", File.ReadAllText(s.At("b")));
                Assert.Equal("e", File.ReadAllText(s.At("c/d/e")));
            }
        ),
        ["unsupported entry types and global PAX headers are skipped"] = (
            t => t.Entry((byte)'V', "volume-label").Entry((byte)'D', "dumpdir/", data: "Yfile\0\0"u8.ToArray())
                .Entry((byte)'g', "pax_global_header", data: "20 comment=whatever\n"u8.ToArray()).File("after", "ok"),
            s => Assert.Equal(["after"], Scratch.Tree(s.Root))),
    };

    private static readonly Dictionary<string, (Func<TarBuilder, TarBuilder> Lower, Func<TarBuilder, TarBuilder> Upper, Action<Scratch> Check)> ReplaceCases = new()
    {
        ["a file replaces a directory and its content"] = (
            t => t.Dir("x/").File("x/inner", "i"),
            t => t.File("x", "file"),
            s => Assert.Equal("file", File.ReadAllText(s.At("x")))),
        ["a directory replaces a file"] = (
            t => t.File("x", "f"),
            t => t.Dir("x/", "700").File("x/in", "i"),
            s =>
            {
                AssertStat(s.At("x"), LibC.S_IFDIR, "700", 0, 0);
                Assert.Equal("i", File.ReadAllText(s.At("x/in")));
            }
        ),
        ["an existing directory keeps its content and takes the new metadata"] = (
            t => t.Dir("d/", "755").File("d/old", "o"),
            t => t.Dir("d/", "700", 9, 9, 1_111_111_111),
            s =>
            {
                Assert.Equal("o", File.ReadAllText(s.At("d/old")));
                AssertStat(s.At("d"), LibC.S_IFDIR, "700", 9, 9, 1_111_111_111);
            }
        ),
        ["a symlink replaces a directory"] = (
            t => t.Dir("d/").File("d/x", "x"),
            t => t.Symlink("d", "/elsewhere"),
            s => Assert.Equal("/elsewhere", Scratch.ReadLink(s.At("d")))),
        ["a directory replaces a symlink, and its entries land in the new directory"] = (
            t => t.Dir("real/").Symlink("d", "real"),
            t => t.Dir("d/").File("d/f", "f"),
            s =>
            {
                AssertStat(s.At("d"), LibC.S_IFDIR, "755", 0, 0);
                Assert.Equal("f", File.ReadAllText(s.At("d/f")));
                Assert.Empty(Directory.GetFileSystemEntries(s.At("real")));
            }
        ),
        ["a new file replaces a hardlinked one without changing the other name"] = (
            t => t.File("a", "v1").Hardlink("b", "a"),
            t => t.File("a", "v2"),
            s =>
            {
                Assert.Equal("v2", File.ReadAllText(s.At("a")));
                Assert.Equal("v1", File.ReadAllText(s.At("b")));
            }
        ),
        ["each kind replaces each other kind"] = (
            t => t.File("f2d", "f").Symlink("s2f", "/x").Fifo("p2s").Dir("d2p/").File("d2p/x", "x").File("f2h", "f").File("target", "t"),
            t => t.Dir("f2d/").File("s2f", "file").Symlink("p2s", "/y").Fifo("d2p").Hardlink("f2h", "target"),
            s =>
            {
                AssertStat(s.At("f2d"), LibC.S_IFDIR, "755", 0, 0);
                Assert.Equal("file", File.ReadAllText(s.At("s2f")));
                Assert.Equal("/y", Scratch.ReadLink(s.At("p2s")));
                Assert.Equal(LibC.S_IFIFO, Fs.Lstat(s.At("d2p")).st_mode & LibC.S_IFMT);
                Assert.Equal(Fs.Lstat(s.At("target")).st_ino, Fs.Lstat(s.At("f2h")).st_ino);
            }
        ),
    };

    public static TheoryData<string, WhiteoutMode> Entries() => Cross(EntryCases.Keys);

    public static TheoryData<string, WhiteoutMode> Replacements() => Cross(ReplaceCases.Keys);

    [Theory]
    [MemberData(nameof(Entries))]
    public void Applies_each_kind_of_entry(string name, WhiteoutMode mode)
    {
        using var s = new Scratch();
        var (layer, check) = EntryCases[name];
        s.Apply(layer(new TarBuilder()).Build(), Scratch.Options(mode));
        check(s);
        s.AssertOutsideUntouched();
    }

    [Theory]
    [MemberData(nameof(Replacements))]
    public void Replaces_what_the_lower_layer_left(string name, WhiteoutMode mode)
    {
        using var s = new Scratch();
        var (lower, upper, check) = ReplaceCases[name];
        s.Apply(lower(new TarBuilder()).Build(), Scratch.Options(mode));
        s.Apply(upper(new TarBuilder()).Build(), Scratch.Options(mode));
        check(s);
        s.AssertOutsideUntouched();
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(false, 9216)] // GNU tar pads to 10 KiB records: the padding is part of the diffID
    [InlineData(true, 9216)]
    public void DiffId_is_the_sha256_of_the_uncompressed_stream(bool gzip, int padding)
    {
        using var s = new Scratch();
        var content = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(content);
        byte[] tar = [.. new TarBuilder().Dir("d/").File("d/big", content).Symlink("d/l", "big").File("e", "").Build(), .. new byte[padding]];
        var copy = new MemoryStream();

        var result = s.Apply(gzip ? TarBuilder.Gzip(tar) : tar, copyTo: copy);

        Assert.Equal(Digest.FromHash(SHA256.HashData(tar)), result.DiffId);
        Assert.Equal(tar.Length, result.UncompressedSize);
        Assert.Equal(4, result.Entries);
        Assert.Equal(tar, copy.ToArray());
        Assert.Equal(content, File.ReadAllBytes(s.At("d/big")));
    }

    [Fact]
    public void Reads_concatenated_gzip_members()
    {
        // pigz and some registries write multi-member gzip; the stream is their concatenation.
        using var s = new Scratch();
        var tar = new TarBuilder().File("a", "1").File("b", "2").Build();
        var gz = TarBuilder.Gzip(tar[..1024]).Concat(TarBuilder.Gzip(tar[1024..])).ToArray();

        var result = s.Apply(gz);

        Assert.Equal(Digest.FromHash(SHA256.HashData(tar)), result.DiffId);
        Assert.Equal(["a", "b"], Scratch.Tree(s.Root));
    }

    [Theory]
    [InlineData(false, 7)]
    [InlineData(true, 7)]
    [InlineData(false, 100_000)]
    [InlineData(true, 100_000)]
    public void Reads_a_source_that_trickles_in(bool gzip, int chunk)
    {
        using var s = new Scratch();
        var content = new byte[700 * 1024 + 3];
        new Random(3).NextBytes(content);
        var tar = new TarBuilder().Dir("d/").File("d/f", content).Pax(("path", "d/" + new string('p', 150) + "/" + new string('q', 150))).File("x", "pax").Build();
        using var source = new TrickleStream(gzip ? TarBuilder.Gzip(tar) : tar, chunk);

        var result = LayerApplier.Apply(source, s.Root, Scratch.Options());

        Assert.Equal(Digest.FromHash(SHA256.HashData(tar)), result.DiffId);
        Assert.Equal(content, File.ReadAllBytes(s.At("d/f")));
        Assert.Equal("pax", File.ReadAllText(s.At("d/" + new string('p', 150) + "/" + new string('q', 150))));
    }

    [Fact]
    public void An_error_of_the_source_is_the_error_of_the_apply()
    {
        using var s = new Scratch();
        var tar = new TarBuilder().File("f", new byte[2 << 20]).Build();
        using var source = new TrickleStream(tar, 64 * 1024, failAt: 1 << 20);

        var ex = Assert.Throws<IOException>(() => LayerApplier.Apply(source, s.Root, Scratch.Options()));

        Assert.Equal("connection reset by peer", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // read ahead on a worker thread, which must stop too
    public void A_refusal_stops_reading_the_source_at_once(bool gzip)
    {
        // Neither drain a large layer after its first entry was refused, nor touch the caller's stream once Apply
        // has returned.
        using var s = new Scratch();
        var big = new byte[32 << 20];
        new Random(5).NextBytes(big);
        var tar = new TarBuilder().File("../escape", "x").File("big", big).Build();
        using var source = new TrickleStream(gzip ? TarBuilder.Gzip(tar) : tar, 64 * 1024);

        Assert.Throws<BerthException>(() => LayerApplier.Apply(source, s.Root, Scratch.Options()));
        var consumed = source.Consumed;
        Thread.Sleep(100);

        Assert.True(consumed < 8 << 20, $"read {consumed} bytes");
        Assert.Equal(consumed, source.Consumed);
    }

    [Fact]
    public void An_empty_stream_is_an_empty_layer()
    {
        // compat(go archive/tar): no bytes at all is an archive without entries.
        using var s = new Scratch();
        var result = s.Apply([]);
        Assert.Equal(Digest.FromHash(SHA256.HashData(ReadOnlySpan<byte>.Empty)), result.DiffId);
        Assert.Equal(0, result.Entries);
        Assert.Empty(Scratch.Tree(s.Root));
    }

    [Theory]
    [InlineData(TarEntryFormat.V7)]
    [InlineData(TarEntryFormat.Ustar)]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    public void Reads_what_System_Formats_Tar_writes(TarEntryFormat format)
    {
        using var s = new Scratch();
        // Each format's way with long names: none (v7), the ustar prefix field, PAX records, GNU 'L'/'K' headers.
        var (fileName, linkTarget) = format switch
        {
            TarEntryFormat.V7 => ("dir/file", "file"),
            TarEntryFormat.Ustar => ("dir/" + new string('p', 120) + "/file", "short"),
            _ => ("dir/" + new string('l', 180), "../" + "dir/" + new string('l', 180)),
        };
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, format, leaveOpen: true))
        {
            w.WriteEntry(Entry(format, TarEntryType.Directory, "dir/", e => e.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
            w.WriteEntry(Entry(format, format == TarEntryFormat.V7 ? TarEntryType.V7RegularFile : TarEntryType.RegularFile, fileName, e =>
            {
                e.DataStream = new MemoryStream("payload"u8.ToArray());
                e.Uid = 1234;
                e.Gid = 4321;
                e.ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_650_000_000);
            }));
            w.WriteEntry(Entry(format, format == TarEntryFormat.V7 ? TarEntryType.V7RegularFile : TarEntryType.RegularFile, "dir/short", e => e.DataStream = new MemoryStream("s"u8.ToArray())));
            w.WriteEntry(Entry(format, TarEntryType.SymbolicLink, "dir/link", e => e.LinkName = linkTarget));
            w.WriteEntry(Entry(format, TarEntryType.HardLink, "dir/hard", e => e.LinkName = "dir/short"));
        }
        var bytes = ms.ToArray();

        var result = s.Apply(bytes);

        Assert.Equal(5, result.Entries);
        Assert.Equal(Digest.FromHash(SHA256.HashData(bytes)), result.DiffId);
        AssertStat(s.At("dir"), LibC.S_IFDIR, "700", 0, 0);
        Assert.Equal("payload", File.ReadAllText(s.At(fileName)));
        AssertStat(s.At(fileName), LibC.S_IFREG, "644", 1234, 4321, 1_650_000_000);
        Assert.Equal(linkTarget, Scratch.ReadLink(s.At("dir/link")));
        Assert.Equal(Fs.Lstat(s.At("dir/short")).st_ino, Fs.Lstat(s.At("dir/hard")).st_ino);
    }

    [Fact]
    public void Device_nodes_are_created_when_allowed()
    {
        using var s = new Scratch();
        var layer = new TarBuilder().Dir("dev/").CharDevice("dev/null", 1, 3).BlockDevice("dev/loop9", 7, 9).Build();

        s.Apply(layer, new LayerApplyOptions { Whiteouts = WhiteoutMode.Delete, AllowDeviceNodes = true });

        var nul = Fs.Lstat(s.At("dev/null"));
        Assert.Equal(LibC.S_IFCHR, nul.st_mode & LibC.S_IFMT);
        Assert.Equal((1u, 3u), (LibC.major(nul.st_rdev), LibC.minor(nul.st_rdev)));
        Assert.Equal(TarBuilder.Octal("666"), nul.st_mode & Perm);
        var loop = Fs.Lstat(s.At("dev/loop9"));
        Assert.Equal(LibC.S_IFBLK, loop.st_mode & LibC.S_IFMT);
        Assert.Equal((7u, 9u), (LibC.major(loop.st_rdev), LibC.minor(loop.st_rdev)));
    }

    [Fact]
    public void A_missing_root_is_not_found()
    {
        using var s = new Scratch();
        var ex = Assert.Throws<BerthException>(() => s.Apply(new TarBuilder().Build(), root: Path.Combine(s.Dir, "nope")));
        Assert.Equal(ErrorKind.NotFound, ex.Kind);
    }

    internal static void AssertStat(string path, uint type, string mode, uint uid, uint gid, long? mtime = null)
    {
        var st = Fs.Lstat(path);
        Assert.Equal(type, st.st_mode & LibC.S_IFMT);
        Assert.Equal(mode, Convert.ToString(st.st_mode & Perm, 8));
        Assert.Equal((uid, gid), (st.st_uid, st.st_gid));
        if (mtime is { } m)
        {
            Assert.Equal(m, st.st_mtim.tv_sec);
        }
    }

    private static TheoryData<string, WhiteoutMode> Cross(IEnumerable<string> names)
    {
        var data = new TheoryData<string, WhiteoutMode>();
        foreach (var name in names)
        {
            data.Add(name, WhiteoutMode.Overlay);
            data.Add(name, WhiteoutMode.Delete);
        }
        return data;
    }

    private static void Base256(byte[] h, int offset, int length, long value)
    {
        h.AsSpan(offset, length).Clear();
        h[offset] = 0x80;
        for (var i = offset + length - 1; value != 0; i--, value >>= 8)
        {
            h[i] = (byte)value;
        }
    }

    private static TarEntry Entry(TarEntryFormat format, TarEntryType type, string name, Action<TarEntry> setup)
    {
        TarEntry e = format switch
        {
            TarEntryFormat.V7 => new V7TarEntry(type, name),
            TarEntryFormat.Ustar => new UstarTarEntry(type, name),
            TarEntryFormat.Pax => new PaxTarEntry(type, name),
            _ => new GnuTarEntry(type, name),
        };
        e.Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        e.ModificationTime = DateTimeOffset.FromUnixTimeSeconds(TarBuilder.DefaultMTime);
        setup(e);
        return e;
    }
}

using System.Formats.Tar;
using System.Text;
using Berth.Common;

namespace Berth.Images.Tests.Archives;

/// <summary>The <c>docker load</c> archive unpacker: only what stays inside the private directory, within the limit.</summary>
public sealed class ArchiveExtractorTests : IDisposable
{
    private readonly string _tmp = Directory.CreateTempSubdirectory("berth-archive-").FullName;

    public void Dispose() => Directory.Delete(_tmp, recursive: true);

    private string Into => Path.Join(_tmp, "load", "x");

    private static MemoryStream Tar(params TarEntry[] entries)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                w.WriteEntry(e);
            }
        }
        ms.Position = 0;
        return ms;
    }

    private static PaxTarEntry File(string name, string content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };

    private static PaxTarEntry Entry(TarEntryType type, string name, string? link = null) =>
        link is null ? new(type, name) : new(type, name) { LinkName = link };

    [Fact]
    public void A_docker_save_archive_unpacks_with_links_resolved_to_copies()
    {
        Directory.CreateDirectory(Into);
        var tar = Tar(
            Entry(TarEntryType.Directory, "blobs/"),
            Entry(TarEntryType.Directory, "blobs/sha256/"),
            File("blobs/sha256/aaaa", "layer"),
            File("manifest.json", "[]"),
            Entry(TarEntryType.Directory, "legacy/"),
            Entry(TarEntryType.SymbolicLink, "legacy/layer.tar", "../blobs/sha256/aaaa"),
            File("nested/deep/file", "implicit parents"));
        ArchiveExtractor.Extract(tar, Into, maxBytes: 1 << 20);
        Assert.Equal("layer", System.IO.File.ReadAllText(Path.Join(Into, "blobs/sha256/aaaa")));
        Assert.Equal("[]", System.IO.File.ReadAllText(Path.Join(Into, "manifest.json")));
        Assert.Equal("implicit parents", System.IO.File.ReadAllText(Path.Join(Into, "nested/deep/file")));
        var copy = new FileInfo(Path.Join(Into, "legacy/layer.tar"));
        Assert.Null(copy.LinkTarget); // a copy, so no later write can go through it
        Assert.Equal("layer", System.IO.File.ReadAllText(copy.FullName));
    }

    public static TheoryData<string, string> Hostile => new()
    {
        // row, what the archive holds
        { "parent directory name", "dotdot" },
        { "parent directory deep in the name", "dotdot-deep" },
        { "absolute name", "absolute" },
        { "symlink pointing outside", "symlink-out" },
        { "symlink pointing far outside", "symlink-far" },
        { "character device", "chardev" },
        { "block device", "blockdev" },
        { "fifo", "fifo" },
        { "hardlink", "hardlink" },
        { "size over the limit", "too-big" },
        { "sizes over the limit together", "too-big-together" },
        { "not a tar", "garbage" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Hostile_archives_are_refused_and_nothing_lands_outside(string row, string kind)
    {
        Directory.CreateDirectory(Into);
        var secret = Path.Join(_tmp, "secret");
        System.IO.File.WriteAllText(secret, "host");
        var tar = kind switch
        {
            "dotdot" => Tar(File("../escaped", "x")),
            "dotdot-deep" => Tar(File("a/../../../escaped", "x")),
            "absolute" => Tar(File(Path.Join(_tmp, "escaped"), "x")),
            "symlink-out" => Tar(Entry(TarEntryType.SymbolicLink, "link", "../secret")),
            "symlink-far" => Tar(Entry(TarEntryType.SymbolicLink, "a/link", "../../../../../../../../etc/passwd")),
            "chardev" => Tar(new PaxTarEntry(TarEntryType.CharacterDevice, "null") { DeviceMajor = 1, DeviceMinor = 3 }),
            "blockdev" => Tar(new PaxTarEntry(TarEntryType.BlockDevice, "sda") { DeviceMajor = 8, DeviceMinor = 0 }),
            "fifo" => Tar(Entry(TarEntryType.Fifo, "pipe")),
            "hardlink" => Tar(File("a", "x"), Entry(TarEntryType.HardLink, "b", "a")),
            "too-big" => Tar(File("big", new string('x', 2000))),
            "too-big-together" => Tar(File("one", new string('x', 600)), File("two", new string('x', 600))),
            "garbage" => new MemoryStream(Encoding.ASCII.GetBytes(new string('z', 1024))),
            _ => throw new ArgumentException(kind),
        };
        var e = Assert.Throws<BerthException>(() => ArchiveExtractor.Extract(tar, Into, maxBytes: 1000));
        Assert.True(e.Kind == ErrorKind.InvalidArgument, $"{row}: {e.Kind} {e.Message}");
        Assert.False(System.IO.File.Exists(Path.Join(_tmp, "escaped")), row);
        Assert.False(System.IO.File.Exists(Path.Join(_tmp, "load", "escaped")), row);
        Assert.Equal("host", System.IO.File.ReadAllText(secret));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Into, "*", SearchOption.AllDirectories), p => new FileInfo(p).LinkTarget is not null);
    }

    [Fact]
    public void Resolve_refuses_names_that_leave_the_archive_and_missing_members()
    {
        Directory.CreateDirectory(Into);
        System.IO.File.WriteAllText(Path.Join(Into, "config.json"), "{}");
        Assert.Equal(Path.Join(Into, "config.json"), ArchiveExtractor.Resolve(Into, "config.json"));
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => ArchiveExtractor.Resolve(Into, "../x")).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => ArchiveExtractor.Resolve(Into, "missing.json")).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => ArchiveExtractor.BlobPath(Into, "sha256:../../x")).Kind);
    }
}

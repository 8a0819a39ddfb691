using System.Security.Cryptography;
using Berth.Common;
using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Tests.Layers;

/// <summary>A build context is unpacked with its larger files' data held in memory: the files exist (owner, mode,
/// times) but stay empty until filled, and a fill writes exactly what the archive held, wherever the file ended
/// up.</summary>
public sealed class HeldFileContentsTests
{
    private const int Big = 100 * 1024;

    private static byte[] Data(int seed, int size = Big)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static LayerApplyOptions Held(HeldFileContents hold, Dictionary<string, byte[]>? digests = null) =>
        new() { Whiteouts = WhiteoutMode.Literal, ApplyRootEntry = false, Hold = hold, FileDigests = digests };

    [Fact]
    public void A_held_file_is_created_empty_with_its_metadata_and_filled_with_its_data_and_times()
    {
        using var s = new Scratch();
        using var hold = new HeldFileContents(1 << 20);
        var digests = new Dictionary<string, byte[]>();
        var big = Data(1);
        s.Apply(new TarBuilder().Dir("d/").File("d/big", big, "640", 1000, 1001, 1_600_000_000).File("small", "tiny").Build(), Held(hold, digests));

        Assert.Equal((1, (long)Big), (hold.Count, hold.Bytes));
        Assert.Equal(0, new FileInfo(s.At("d/big")).Length);
        Assert.Equal("tiny", File.ReadAllText(s.At("small")));
        // The digest is taken as the data arrives, held or not.
        Assert.Equal(SHA256.HashData(big), digests["d/big"]);

        hold.Fill(s.At("d/big"));
        Assert.Equal(big, File.ReadAllBytes(s.At("d/big")));
        var st = Fs.Lstat(s.At("d/big"));
        Assert.Equal(("640", 1000u, 1001u, 1_600_000_000L), (Convert.ToString(st.st_mode & 0xfff, 8), st.st_uid, st.st_gid, st.st_mtim.tv_sec));
        Assert.Equal((0, 0L), (hold.Count, hold.Bytes));
        // A second fill, of a filled or an unknown file, changes nothing.
        hold.Fill(s.At("d/big"));
        hold.Fill(s.At("small"));
        hold.Fill(s.At("nothing/here"));
        Assert.Equal(big, File.ReadAllBytes(s.At("d/big")));
    }

    [Fact]
    public void A_fill_finds_the_inode_through_hardlinks_symlinked_directories_and_replaced_names()
    {
        using var s = new Scratch();
        using var hold = new HeldFileContents(1 << 20);
        byte[] a = Data(2), b = Data(3), c = Data(4);
        s.Apply(new TarBuilder()
            .Dir("real/").Symlink("via", "real")
            // Written through the symlinked directory: the file lives at real/a.
            .File("via/a", a)
            .File("f", b).Hardlink("g", "f")
            // "f" is replaced; "g" still names the first inode.
            .File("f", c)
            .Build(), Held(hold));
        Assert.Equal(3, hold.Count);

        hold.Fill(s.At("real/a"));
        Assert.Equal(a, File.ReadAllBytes(s.At("real/a")));
        hold.Fill(s.At("g"));
        Assert.Equal(b, File.ReadAllBytes(s.At("g")));
        Assert.Equal(0, new FileInfo(s.At("f")).Length);
        hold.Fill(s.At("f"));
        Assert.Equal(c, File.ReadAllBytes(s.At("f")));
        Assert.Equal(0, hold.Count);
    }

    [Fact]
    public void Data_that_spans_the_memory_chunks_comes_back_whole_also_from_reused_chunks()
    {
        // 700 KiB files straddle the 1 MiB chunks they are held in; the second round gets the first round's chunks.
        for (var round = 0; round < 2; round++)
        {
            using var s = new Scratch();
            using var hold = new HeldFileContents(64 << 20);
            var files = Enumerable.Range(0, 5).Select(i => Data(100 * round + i, 700 * 1024 + i)).ToArray();
            var tar = new TarBuilder();
            for (var i = 0; i < files.Length; i++)
            {
                tar.File($"f{i}", files[i]);
            }
            s.Apply(tar.Build(), Held(hold));
            Assert.Equal(files.Sum(f => (long)f.Length), hold.Bytes);
            foreach (var i in new[] { 3, 0, 4, 1, 2 })
            {
                hold.Fill(s.At($"f{i}"));
                Assert.Equal(files[i], File.ReadAllBytes(s.At($"f{i}")));
            }
        }
    }

    [Fact]
    public void Files_beyond_the_budget_or_below_the_minimum_are_written_at_once()
    {
        using var s = new Scratch();
        using var hold = new HeldFileContents(maxBytes: 2 * Big, maxFiles: 3, minFileBytes: 1000);
        var tar = new TarBuilder();
        for (var i = 0; i < 5; i++)
        {
            tar.File($"f{i}", Data(10 + i));
        }
        tar.File("small", Data(20, 999));
        s.Apply(tar.Build(), Held(hold));
        // Two fit the byte budget; the rest and the small one hold their data now.
        Assert.Equal((2, 2L * Big), (hold.Count, hold.Bytes));
        Assert.Equal([0L, 0L, Big, Big, Big, 999L], new[] { "f0", "f1", "f2", "f3", "f4", "small" }.Select(n => new FileInfo(s.At(n)).Length));

        using var s2 = new Scratch();
        using var few = new HeldFileContents(maxBytes: 1 << 30, maxFiles: 3);
        s2.Apply(tar.Build(), Held(few));
        Assert.Equal(3, few.Count);
    }

    [Fact]
    public void A_path_rewritten_as_another_kind_loses_its_digest()
    {
        using var s = new Scratch();
        var digests = new Dictionary<string, byte[]>();
        s.Apply(new TarBuilder().File("x", "first").File("y", "other").Hardlink("x", "y").File("z", "file").Dir("z/").Build(),
            new LayerApplyOptions { Whiteouts = WhiteoutMode.Literal, ApplyRootEntry = false, FileDigests = digests });
        // "x" now shares "y"'s inode: a digest of "first" would lie about it; "z" is a directory.
        Assert.Equal(["y"], digests.Keys.Order());
    }

    private static LayerApplyOptions ByDigest(HeldFileContents hold, Dictionary<string, byte[]> digests) =>
        new() { Whiteouts = WhiteoutMode.Literal, ApplyRootEntry = false, Hold = hold, FileDigests = digests, AcceptDigestOnlyFiles = true };

    [Fact]
    public void A_file_sent_by_digest_is_created_empty_with_that_digest_and_asks_for_its_contents()
    {
        using var s = new Scratch();
        using var hold = new HeldFileContents(1 << 20);
        var digests = new Dictionary<string, byte[]>();
        var sha = SHA256.HashData(Data(7));
        var whole = Data(8);
        s.Apply(new TarBuilder()
            .Pax(("BERTH.sha256", Convert.ToHexStringLower(sha))).File("sent", "", "640", 1000, 1001, 1_600_000_000)
            .Hardlink("link", "sent")
            .File("whole", whole)
            .Build(), ByDigest(hold, digests));

        Assert.Equal(sha, digests["sent"]);
        Assert.Equal(SHA256.HashData(whole), digests["whole"]);
        var st = Fs.Lstat(s.At("sent"));
        Assert.Equal((0L, "640", 1000u, 1001u, 1_600_000_000L), (st.st_size, Convert.ToString(st.st_mode & 0xfff, 8), st.st_uid, st.st_gid, st.st_mtim.tv_sec));
        Assert.Equal((1, 1), (hold.NotSentCount, hold.Count));
        // Reading it, by any of its names, is asking for what was not sent; the file that came whole is there.
        Assert.Equal(s.At("sent"), Assert.Throws<ContentNotSentException>(() => hold.Fill(s.At("sent"))).Path);
        Assert.Throws<ContentNotSentException>(() => hold.Fill(s.At("link")));
        hold.Fill(s.At("whole"));
        Assert.Equal(whole, File.ReadAllBytes(s.At("whole")));
    }

    [Fact]
    public void A_digest_record_counts_only_where_it_is_expected_and_only_without_data()
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Data(7)));

        // An ordinary archive: the record is nobody's business, the entry is the empty file it says it is.
        using (var s = new Scratch())
        {
            using var hold = new HeldFileContents(1 << 20);
            var digests = new Dictionary<string, byte[]>();
            s.Apply(new TarBuilder().Pax(("BERTH.sha256", sha)).File("f", "").Pax(("BERTH.sha256", "not hex")).File("g", "").Build(), Held(hold, digests));
            Assert.Equal(SHA256.HashData([]), digests["f"]);
            Assert.Equal(0, hold.NotSentCount);
            hold.Fill(s.At("f"));
        }

        // Where it is expected: data beside a digest, or a digest that is not one, is refused.
        foreach (var (tar, why) in new[]
        {
            (new TarBuilder().Pax(("BERTH.sha256", sha)).File("f", "data").Build(), "carries no data"),
            (new TarBuilder().Pax(("BERTH.sha256", sha.ToUpperInvariant())).File("f", "").Build(), "lower-case hex"),
            (new TarBuilder().Pax(("BERTH.sha256", sha[..63])).File("f", "").Build(), "lower-case hex"),
        })
        {
            using var s = new Scratch();
            using var hold = new HeldFileContents(1 << 20);
            var e = Assert.Throws<BerthException>(() => s.Apply(tar, ByDigest(hold, [])));
            Assert.Contains(why, e.Message, StringComparison.Ordinal);
            Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        }
    }

    [Fact]
    public void Dispose_closes_the_held_files()
    {
        using var s = new Scratch();
        var hold = new HeldFileContents(1 << 20);
        s.Apply(new TarBuilder().File("a", Data(5)).File("b", Data(6)).Build(), Held(hold));
        Assert.Equal(2, OpenUnder(s.Root));
        hold.Dispose();
        Assert.Equal((0, 0L, 0), (hold.Count, hold.Bytes, OpenUnder(s.Root)));
        hold.Fill(s.At("a"));
        Assert.Equal(0, new FileInfo(s.At("a")).Length);
    }

    /// <summary>This process's fds open on files below <paramref name="root"/> (other tests' fds do not count).</summary>
    private static int OpenUnder(string root) =>
        Directory.GetFiles("/proc/self/fd").Count(fd => new FileInfo(fd).LinkTarget is { } target && target.StartsWith(root + "/", StringComparison.Ordinal));
}

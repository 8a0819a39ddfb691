using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Berth.Common;
using Berth.Images.Layers;

namespace Berth.Images.Tests.Layers;

/// <summary>Decompression bombs, entry floods, and broken or unsupported streams.</summary>
public sealed class MalformedLayerTests
{
    private static readonly byte[] Sample = new TarBuilder().Dir("d/").File("d/a", new byte[1500]).File("d/b", "b").Build();

    private static readonly Dictionary<string, (Func<byte[]> Layer, string Message)> Broken = new()
    {
        ["truncated inside a header"] = (() => Sample[..(512 + 300)], "truncated"),
        ["truncated inside file data"] = (() => Sample[..(1024 + 700)], "truncated"),
        ["truncated inside file data, gzip"] = (() => TarBuilder.Gzip(Sample[..(1024 + 700)]), "truncated"),
        ["gzip stream cut in half"] = (() => TarBuilder.Gzip(RandomFile())[..4000], "truncated"),
        ["truncated inside a PAX header"] = (() => new TarBuilder().Pax(("path", new string('p', 2000))).BuildWithoutEnd()[..1000], "truncated"),
        ["header checksum mismatch"] = (() => Patch(Sample, 600, b => b ^ 0x20), "checksum mismatch"),
        ["random bytes"] = (() => RandomBytes(8192), "checksum mismatch"),
        ["text file"] = (() => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("hello, this is not a tar archive\n", 40))), "checksum mismatch"),
        // A valid gzip header, then a deflate block of the reserved type 3.
        ["corrupt gzip"] = (() => [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff, 0x07, .. RandomBytes(4096)], "invalid gzip stream"),
        ["gzip with a wrong CRC"] = (() => Patch(TarBuilder.Gzip(Sample), TarBuilder.Gzip(Sample).Length - 8, b => b ^ 0xff), "invalid gzip stream"),
        ["zstd"] = (() => [0x28, 0xb5, 0x2f, 0xfd, .. RandomBytes(100)], "compressed with zstd"),
        ["xz"] = (() => [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, .. RandomBytes(100)], "compressed with xz"),
        ["bzip2"] = (() => [.. "BZh9"u8, .. RandomBytes(100)], "compressed with bzip2"),
        ["a header after a single end-of-archive block"] = (() => [.. new byte[512], .. Sample], "follows a single end-of-archive block"),
        ["size field that is not octal"] = (() => new TarBuilder().Entry((byte)'0', "f", patch: h => "12x4"u8.CopyTo(h.AsSpan(124))).Build(), "invalid size field"),
        ["negative base-256 size"] = (() => new TarBuilder().Entry((byte)'0', "f", patch: h => { h.AsSpan(124, 12).Fill(0xff); }).Build(), "negative entry size"),
        ["PAX record with a wrong length"] = (() => new TarBuilder().Entry((byte)'x', "pax", data: "99 path=x\n"u8.ToArray()).File("f", "").Build(), "invalid PAX record length"),
        ["PAX record without '='"] = (() => new TarBuilder().Entry((byte)'x', "pax", data: "8 pathx\n"u8.ToArray()).File("f", "").Build(), "invalid PAX record"),
        ["PAX path with a NUL byte"] = (() => new TarBuilder().Pax(("path", "safe\0../../x"u8.ToArray())).File("f", "").Build(), "NUL byte in the PAX path"),
        ["PAX header over 1 MiB"] = (() => new TarBuilder().Pax(("comment", new string('c', 1 << 20))).File("f", "").Build(), "extension header larger than"),
        ["name that is not UTF-8"] = (() => new TarBuilder().Entry((byte)'0', "x", patch: h => { h[0] = 0xe9; h[1] = (byte)'t'; h[2] = 0xe9; }).Build(), "not valid UTF-8"),
        ["uid -1 (chown's 'leave unchanged')"] = (() => new TarBuilder().Entry((byte)'0', "f", uid: 0, patch: h => { h.AsSpan(108, 8).Clear(); h[108] = 0x80; h.AsSpan(112, 4).Fill(0xff); }).Build(), "uid 4294967295 out of range"),
        ["GNU sparse file"] = (() => new TarBuilder().Entry((byte)'S', "sparse", data: new byte[512]).Build(), "sparse file entries are not supported"),
        ["PAX sparse file"] = (() => new TarBuilder().Pax(("GNU.sparse.major", "1"), ("GNU.sparse.minor", "0")).File("sparse", "").Build(), "sparse file entries are not supported"),
    };

    public static TheoryData<string> Cases() => new(Broken.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Refuses_broken_and_unsupported_streams(string name)
    {
        using var s = new Scratch();
        var (layer, message) = Broken[name];

        var ex = Assert.Throws<BerthException>(() => s.Apply(layer()));

        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        s.AssertOutsideUntouched();
    }

    [Fact]
    public void A_gzip_bomb_stops_at_the_limit_without_expanding()
    {
        // 100 MiB of zeros in one file compress to ~100 KiB; the limit is 1 MiB.
        const long limit = 1 << 20;
        var bomb = new MemoryStream();
        using (var gz = new GZipStream(bomb, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var header = new TarBuilder().Entry((byte)'0', "bomb", size: 100L << 20).BuildWithoutEnd()[..512];
            gz.Write(header);
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 100; i++)
            {
                gz.Write(zeros);
            }
            gz.Write(new byte[1024]);
        }
        Assert.True(bomb.Length < 1 << 20, $"the bomb is {bomb.Length} bytes compressed");
        bomb.Position = 0;
        using var s = new Scratch();
        var copy = new MemoryStream();

        var watch = Stopwatch.StartNew();
        var ex = Assert.Throws<BerthException>(() =>
            LayerApplier.Apply(bomb, s.Root, new LayerApplyOptions { MaxUncompressedBytes = limit }, copy));
        watch.Stop();

        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("layer exceeds the size limit", ex.Message, StringComparison.Ordinal);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
        Assert.True(copy.Length <= limit);
        Assert.True(new FileInfo(s.At("bomb")).Length <= limit);
    }

    [Fact]
    public void A_plain_tar_over_the_limit_is_refused()
    {
        using var s = new Scratch();
        var layer = new TarBuilder().File("big", new byte[200_000]).Build();

        var ex = Assert.Throws<BerthException>(() => s.Apply(layer, new LayerApplyOptions { MaxUncompressedBytes = 100_000 }));

        Assert.Contains("layer exceeds the size limit of 100000 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_layer_of_exactly_the_limit_is_accepted()
    {
        using var s = new Scratch();
        var layer = new TarBuilder().File("f", "x").Build();
        var result = s.Apply(layer, new LayerApplyOptions { MaxUncompressedBytes = layer.Length });
        Assert.Equal(layer.Length, result.UncompressedSize);
    }

    [Fact]
    public void Too_many_entries_are_refused_before_more_are_written()
    {
        using var s = new Scratch();
        var t = new TarBuilder();
        for (var i = 0; i < 50; i++)
        {
            t.File($"f{i:D2}", "");
        }

        var ex = Assert.Throws<BerthException>(() => s.Apply(t.Build(), new LayerApplyOptions { MaxEntries = 10 }));

        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("layer has more than 10 entries", ex.Message, StringComparison.Ordinal);
        Assert.Equal(10, Directory.GetFileSystemEntries(s.Root).Length);
    }

    private static byte[] Patch(byte[] bytes, int index, Func<byte, int> change)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] = (byte)change(copy[index]);
        return copy;
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(1234).NextBytes(bytes);
        return bytes;
    }

    private static byte[] RandomFile() => new TarBuilder().File("r", RandomBytes(64 * 1024)).Build();
}

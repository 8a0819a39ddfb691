using Berth.Runtime.Cgroups;

namespace Berth.Runtime.Tests.Cgroups;

public sealed class CgroupStatFilesTests
{
    [Theory]
    [InlineData("67108864\n", 67108864UL)]
    [InlineData("max\n", null)]
    [InlineData("-1\n", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Values_read_max_and_minus_one_as_none(string? text, ulong? expected) =>
        Assert.Equal(expected, CgroupStatFiles.Value(text));

    [Fact]
    public void A_value_that_is_not_a_number_is_an_error() =>
        Assert.Throws<FormatException>(() => CgroupStatFiles.Value("12k"));

    [Fact]
    public void Flat_keyed_files_keep_their_order_and_skip_what_is_not_a_number() =>
        Assert.Equal([new("a", 1UL), new("c", 3UL)], CgroupStatFiles.FlatKeyed("a 1\nb x\nc 3\n\n"));

    [Fact]
    public void Io_stat_lines_without_a_device_are_skipped() =>
        Assert.Single(CgroupStatFiles.IoStat("garbage\n8:16 rbytes=5\n").ServiceBytes);
}

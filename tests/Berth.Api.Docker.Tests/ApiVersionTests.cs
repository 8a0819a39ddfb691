namespace Berth.Api.Docker.Tests;

public sealed class ApiVersionTests
{
    public static TheoryData<string, string, int, int> Valid => new()
    {
        { "current", "1.41", 1, 41 },
        { "oldest", "1.24", 1, 24 },
        { "one-digit minor", "1.9", 1, 9 },
        { "major two", "2.0", 2, 0 },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_major_dot_minor(string row, string text, int major, int minor)
    {
        Assert.True(ApiVersion.TryParse(text, out var v), row);
        Assert.Equal(new ApiVersion(major, minor), v);
        Assert.Equal(text, v.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1")]
    [InlineData(".41")]
    [InlineData("1.")]
    [InlineData("1.41.0")]
    [InlineData("v1.41")]
    [InlineData("1.-1")]
    [InlineData("a.b")]
    [InlineData(" 1.41")]
    public void Refuses_what_is_not_major_dot_minor(string text) => Assert.False(ApiVersion.TryParse(text, out _));

    public static TheoryData<string, string, string, int> Comparisons => new()
    {
        // row, a, b, sign of a compared to b
        { "numeric, not textual", "1.9", "1.10", -1 },
        { "equal", "1.41", "1.41", 0 },
        { "newer minor", "1.41", "1.24", 1 },
        { "major first", "2.0", "1.99", 1 },
    };

    [Theory]
    [MemberData(nameof(Comparisons))]
    public void Compares_numerically(string row, string a, string b, int sign)
    {
        Assert.True(ApiVersion.TryParse(a, out var va), row);
        Assert.True(ApiVersion.TryParse(b, out var vb), row);
        Assert.Equal(sign, Math.Sign(va.CompareTo(vb)));
        Assert.Equal(sign < 0, va < vb);
        Assert.Equal(sign > 0, va > vb);
        Assert.Equal(sign <= 0, va <= vb);
        Assert.Equal(sign >= 0, va >= vb);
    }

    [Fact]
    public void Berth_speaks_1_24_to_1_44()
    {
        Assert.Equal("1.44", ApiVersion.Max.ToString());
        Assert.Equal("1.24", ApiVersion.Min.ToString());
    }
}

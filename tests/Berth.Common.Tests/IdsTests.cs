namespace Berth.Common.Tests;

public sealed class IdsTests
{
    public static TheoryData<string, string, bool> Names => new()
    {
        // row, name, valid — Docker's rule: ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$
        { "two letters", "ab", true },
        { "one letter", "a", false },
        { "slash and two letters", "/ab", true },
        { "slash and one letter", "/a", false },
        { "slash alone", "/", false },
        { "empty", "", false },
        { "two slashes", "//ab", false },
        { "every allowed character", "A0_b.c-d", true },
        { "digits", "12", true },
        { "starts with underscore", "_ab", false },
        { "starts with dot", ".ab", false },
        { "starts with dash", "-ab", false },
        { "space", "a b", false },
        { "inner slash", "a/b", false },
        { "colon", "a:b", false },
        { "plus", "a+", false },
        { "non-ASCII letter", "éab", false },
        { "non-ASCII digit", "a١", false },
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void IsValidName_follows_Docker(string row, string name, bool valid) =>
        Assert.True(valid == Ids.IsValidName(name), row);

    [Fact]
    public void New_is_64_lower_hex_and_unique()
    {
        var a = Ids.New();
        Assert.True(Digest.IsHex64(a));
        Assert.NotEqual(a, Ids.New());
        Assert.Equal(a[..12], Ids.Short(a));
        Assert.Equal("abc", Ids.Short("abc"));
    }

    [Fact]
    public void TrimAlgorithm_strips_only_sha256()
    {
        Assert.Equal("abc", Ids.TrimAlgorithm("sha256:abc"));
        Assert.Equal("sha512:abc", Ids.TrimAlgorithm("sha512:abc"));
    }
}

namespace Berth.Common.Tests;

public sealed class DigestTests
{
    private const string Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    public static TheoryData<string, string?, bool> Parses => new()
    {
        // row, input, valid
        { "sha256 with 64 lower hex", "sha256:" + Hex, true },
        { "upper-case hex", "sha256:" + Hex.ToUpperInvariant(), false },
        { "63 hex digits", "sha256:" + Hex[..63], false },
        { "65 hex digits", "sha256:" + Hex + "0", false },
        { "no algorithm", Hex, false },
        { "other algorithm", "sha512:" + Hex, false },
        { "algorithm in capitals", "SHA256:" + Hex, false },
        { "not hex", "sha256:" + new string('g', 64), false },
        { "empty hex", "sha256:", false },
        { "empty", "", false },
        { "null", null, false },
        { "leading space", " sha256:" + Hex, false },
        { "trailing newline", "sha256:" + Hex + "\n", false },
    };

    [Theory]
    [MemberData(nameof(Parses))]
    public void TryParse_accepts_only_sha256_with_64_lower_hex(string row, string? input, bool valid)
    {
        Assert.True(valid == Digest.TryParse(input, out var d), row);
        if (valid)
        {
            Assert.Equal(input, d.Value);
            Assert.Equal(Hex, d.Hex);
            Assert.Equal(Hex[..12], d.Short);
            Assert.Equal(input, d.ToString());
        }
    }

    [Fact]
    public void Parse_of_a_bad_digest_is_an_invalid_argument_naming_it()
    {
        var e = Assert.Throws<BerthException>(() => Digest.Parse("sha256:abc"));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("sha256:abc", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_hashes_the_content()
    {
        Assert.Equal("sha256:" + Hex, Digest.Of(ReadOnlySpan<byte>.Empty).Value);
        Assert.Equal("sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", Digest.Of("hello").Value);
    }

    [Fact]
    public void Digests_compare_by_value()
    {
        Assert.Equal(Digest.Parse("sha256:" + Hex), Digest.FromHex(Hex));
        Assert.NotEqual(Digest.Of("a"), Digest.Of("b"));
    }

    [Fact]
    public void FromHex_refuses_what_is_not_64_lower_hex()
    {
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => Digest.FromHex("abc")).Kind);
    }
}

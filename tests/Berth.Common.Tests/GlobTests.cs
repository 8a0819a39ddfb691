namespace Berth.Common.Tests;

/// <summary>Go's path.Match, which Docker's <c>reference=</c> filter uses: <c>*</c> and <c>?</c> never match <c>/</c>.</summary>
public sealed class GlobTests
{
    public static TheoryData<string, string, string, bool> Cases => new()
    {
        // row, pattern, text, match
        { "star matches a word", "*", "busybox", true },
        { "star matches nothing", "*", "", true },
        { "star does not cross a slash", "*", "library/busybox", false },
        { "trailing star does not cross a slash", "a*", "a/b", false },
        { "star before a slash", "*/busybox", "library/busybox", true },
        { "star after a slash", "library/*", "library/busybox", true },
        { "star in one segment only", "library/*", "library/a/b", false },
        { "prefix", "busy*", "busybox", true },
        { "suffix", "*box", "busybox", true },
        { "star matches empty", "busybox*", "busybox", true },
        { "two stars", "a*b*c", "axxbyyc", true },
        { "two stars, tail missing", "a*b*c", "axxbyy", false },
        { "star then repeated letter", "*x", "xxx", true },
        { "backtracking", "*ab", "aab", true },
        { "question mark", "a?c", "abc", true },
        { "question mark needs a character", "a?c", "ac", false },
        { "question mark not a slash", "a?c", "a/c", false },
        { "literal", "busybox", "busybox", true },
        { "literal differs", "busybox", "busybo", false },
        { "literal longer text", "busy", "busybox", false },
        { "empty pattern, empty text", "", "", true },
        { "empty pattern", "", "a", false },
        { "star matches a literal star", "*", "*x", true },
        { "star and tag", "busybox:*", "busybox:latest", true },
        { "domain and star", "localhost:5000/*:v1", "localhost:5000/app:v1", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Match_follows_Go_path_Match(string row, string pattern, string text, bool match) =>
        Assert.True(match == Glob.Match(pattern, text), row);
}

namespace Berth.Common.Tests;

/// <summary>.dockerignore matching as Docker's patternmatcher: the examples of Docker's documentation and the
/// rules around them (cleaning, exceptions, parents, <c>**</c>).</summary>
public sealed class DockerIgnoreTests
{
    public static TheoryData<string, string, string, bool> Cases => new()
    {
        // row, .dockerignore ('|' separates lines), path, excluded
        { "docs: */temp* in a first-level dir", "*/temp*", "somedir/temporary.txt", true },
        { "docs: */temp* a dir", "*/temp*", "somedir/temp", true },
        { "docs: */temp* under it", "*/temp*", "somedir/temp/x.txt", true },
        { "docs: */temp* not at the root", "*/temp*", "temp.txt", false },
        { "docs: */temp* not two levels down", "*/temp*", "a/b/temp", false },
        { "docs: */*/temp* two levels down", "*/*/temp*", "somedir/subdir/temporary.txt", true },
        { "docs: */*/temp* not one level down", "*/*/temp*", "somedir/temp", false },
        { "docs: temp? one character", "temp?", "tempa", true },
        { "docs: temp? needs the character", "temp?", "temp", false },
        { "docs: temp? only one", "temp?", "tempab", false },
        { "docs: temp? not a slash", "temp?", "temp/", false },
        { "**/*.go at the root", "**/*.go", "main.go", true },
        { "**/*.go deep", "**/*.go", "a/b/c.go", true },
        { "**/*.go other suffix", "**/*.go", "a/b/c.gox", false },
        { "**/name matches at the root", "**/vendor", "vendor", true },
        { "**/name matches deep, and below", "**/vendor", "a/vendor/x.go", true },
        { "**/name is a whole name", "**/vendor", "a/myvendor", false },
        { "a/** under a", "a/**", "a/b/c", true },
        { "a/** not a itself", "a/**", "a", false },
        { "a/**/b any depth", "a/**/b", "a/x/y/b", true },
        { "a/**/b no depth", "a/**/b", "a/b", true },
        { "** everything", "**", "any/thing", true },
        { "docs: !README.md brings it back", "*.md|!README.md", "README.md", false },
        { "docs: *.md excludes others", "*.md|!README.md", "CHANGES.md", true },
        { "docs: last line wins", "*.md|!README*.md|README-secret.md", "README-secret.md", true },
        { "docs: the exception keeps the rest", "*.md|!README*.md|README-secret.md", "README-public.md", false },
        { "docs: exception after the exclusion wins", "*.md|README-secret.md|!README*.md", "README-secret.md", false },
        { "a directory excludes its content", "node_modules", "node_modules/x/y.js", true },
        { "a nested directory", "a/b", "a/b/c/d", true },
        { "a nested directory, not a sibling", "a/b", "a/bc", false },
        { "exception inside an excluded directory", "docs|!docs/keep.md", "docs/keep.md", false },
        { "other files of that directory", "docs|!docs/keep.md", "docs/other.md", true },
        { "the directory itself stays excluded", "docs|!docs/keep.md", "docs", true },
        { "leading slash is the root", "/build", "build/out", true },
        { "cleaned pattern", "./a/../b//c/", "b/c", true },
        { "cleaned path", "b/c", "./b/./c", true },
        { "comments and blank lines", "# comment||  |x", "x", true },
        { "a comment is only at column 0", " #x", "#x", true },
        { "trailing blanks trimmed", "x  \r", "x", true },
        { "exception with blanks", "*|! keep ", "keep", false },
        { "character class", "file[0-9].txt", "file7.txt", true },
        { "negated class", "file[^0-9].txt", "file7.txt", false },
        { "escaped star is literal", "a\\*b", "a*b", true },
        { "escaped star is not a wildcard", "a\\*b", "axb", false },
        { "regex characters are literal", "a+(b).txt", "a+(b).txt", true },
        { "dot is literal", "a.txt", "abtxt", false },
        { "the root is never excluded", "*", ".", false },
        { "star excludes a top-level name", "*", "Dockerfile", true },
        { "star excludes below", "*", "a/b", true },
        { "no patterns", "", "a", false },
        { "exception alone changes nothing", "!a", "a", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches(string row, string ignore, string path, bool excluded)
    {
        var di = DockerIgnore.Parse(ignore.Replace('|', '\n'));
        Assert.True(excluded == di.IsExcluded(path), row);
    }

    [Fact]
    public void PatternsAreCleanedInOrder()
    {
        var di = DockerIgnore.Parse("\uFEFF# c\n/a/b/\n\n!./c/../d\n  e  \r\n");
        Assert.Equal(["a/b", "!d", "e"], di.Patterns);
    }

    [Fact]
    public void EmptyExcludesNothing()
    {
        Assert.Empty(DockerIgnore.Empty.Patterns);
        Assert.False(DockerIgnore.Empty.IsExcluded("a"));
        Assert.False(DockerIgnore.Empty.HasExceptionsUnder("a"));
    }

    public static TheoryData<string, string, string, bool> ExceptionsUnder => new()
    {
        // row, .dockerignore, directory, a walk must enter it
        { "exception inside", "docs|!docs/keep.md", "docs", true },
        { "exception deeper inside", "docs|!docs/a/keep.md", "docs/a", true },
        { "exception elsewhere", "docs|!src/keep.md", "docs", false },
        { "no exceptions", "docs", "docs", false },
        { "exception of the directory itself", "*|!docs", "docs", true },
        { "exception of a parent", "*|!docs", "docs/sub", true },
        { "wildcard directory", "*|!*/keep", "anything", true },
        { "wildcard directory, too deep for it", "*|!*/keep", "a/b", false },
        { "double star", "*|!**/keep", "a/b/c", true },
        { "wildcard that does not fit", "*|!src*/keep", "docs", false },
        { "sibling prefix is not a parent", "*|!docs2/x", "docs", false },
    };

    [Theory]
    [MemberData(nameof(ExceptionsUnder))]
    public void HasExceptionsUnder(string row, string ignore, string dir, bool expected)
    {
        var di = DockerIgnore.Parse(ignore.Replace('|', '\n'));
        Assert.True(expected == di.HasExceptionsUnder(dir), row);
    }

    [Theory]
    [InlineData("!", "illegal exclusion pattern: \"!\"")]
    [InlineData("a[", "syntax error in pattern: a[")]
    [InlineData("[]a]", "syntax error in pattern: []a]")]
    [InlineData("a\\", "syntax error in pattern: a\\")]
    [InlineData("[a-]", "syntax error in pattern: [a-]")]
    public void BadPatternsAreInvalid(string pattern, string message)
    {
        var e = Assert.Throws<BerthException>(() => DockerIgnore.Parse(pattern));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal(message, e.Message);
    }
}

namespace Berth.Common;

/// <summary>
/// A build context's <c>.dockerignore</c>, matched as Docker's <c>patternmatcher</c> does: one pattern a line,
/// <c>#</c> comments, paths cleaned and relative to the context root, Go's <c>filepath.Match</c> syntax plus
/// <c>**</c> for any number of directories, <c>!</c> exceptions where the last matching line wins, and a path
/// excluded when it or one of its parent directories matches.
/// </summary>
public sealed class DockerIgnore
{
    private DockerIgnore(IReadOnlyList<string> patterns) => Patterns = patterns;

    /// <summary>The patterns as cleaned, in file order (exceptions keep their <c>!</c>).</summary>
    public IReadOnlyList<string> Patterns { get; }

    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>Reads a .dockerignore file's text; a bad pattern throws <see cref="BerthException"/> (invalid).</summary>
    public static DockerIgnore Parse(string content) => throw new NotImplementedException();

    /// <summary>Whether the context path (slash-separated, relative to the root, e.g. <c>sub/a.txt</c>) is left out.</summary>
    public bool IsExcluded(string path) => throw new NotImplementedException();

    /// <summary>Whether an exception pattern could bring back something below the directory <paramref name="dir"/>,
    /// so a walk must enter it even though the directory itself is excluded.</summary>
    public bool HasExceptionsUnder(string dir) => throw new NotImplementedException();
}

using Berth.Common;

namespace Berth.Cli.Commands;

/// <summary>Host-side path rules of <c>docker cp</c> and <c>docker export</c>, over Go's <c>filepath</c> functions
/// (<see cref="GoPath"/>) as Docker's CLI applies them.</summary>
internal static class LocalPaths
{
    public static bool AssertsDirectory(string path) => path.EndsWith('/') || GoPath.SpecifiesCurrentDir(path);

    /// <summary>compat(docker): <c>archive.SplitPathDirEntry</c>.</summary>
    public static (string Dir, string Base) SplitPathDirEntry(string path)
    {
        var cleaned = GoPath.Clean(path);
        if (GoPath.SpecifiesCurrentDir(path))
        {
            cleaned += "/.";
        }
        return (GoPath.Dir(cleaned), GoPath.Base(cleaned));
    }

    /// <summary>An absolute local path, keeping the trailing "/" or "/." that carries meaning.</summary>
    public static string ResolveLocalPath(string path) =>
        GoPath.PreserveTrailingDotOrSeparator(GoPath.Clean(Path.GetFullPath(path)), path);

    /// <summary>compat(docker): <c>command.ValidateOutputPath</c>; the error text, or null when the path will do.</summary>
    public static string? ValidateOutputPath(string path)
    {
        var dir = GoPath.Dir(GoPath.Clean(path));
        if (dir is not ("" or ".") && !Directory.Exists(dir) && !File.Exists(dir))
        {
            return $"invalid output path: directory \"{dir}\" does not exist";
        }
        return null;
    }
}

namespace Berth.EndToEnd.Infrastructure;

/// <summary>The repository (the directory holding Berth.sln, found upwards from the test assembly) and the
/// binaries <c>make build</c> puts in its <c>bin/</c>.</summary>
internal static class RepoLayout
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    public static string Root => RootDirectory.Value;

    /// <summary>The path of a built binary; fails with what to do when it is missing.</summary>
    public static string Binary(string name)
    {
        var path = Path.Join(Root, "bin", name);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: run `make build` in {Root} first.");
        }
        return path;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "Berth.sln")) || File.Exists(Path.Join(dir.FullName, "Berth.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no Berth.sln above {AppContext.BaseDirectory}: run the end-to-end tests from the repository.");
    }
}

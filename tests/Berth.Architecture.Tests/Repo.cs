namespace Berth.Architecture.Tests;

/// <summary>The repository this test runs from: found by walking up from the test binary to Directory.Build.props.</summary>
internal static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "Directory.Build.props")) && Directory.Exists(Path.Join(dir.FullName, "src")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no repository root above " + AppContext.BaseDirectory);
    }

    public static string Src => Path.Join(Root, "src");

    /// <summary>Source files, without build output.</summary>
    public static IEnumerable<string> CSharpFiles(string under) =>
        Directory.EnumerateFiles(under, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));
}

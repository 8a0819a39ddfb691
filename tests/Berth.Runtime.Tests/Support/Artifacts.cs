namespace Berth.Runtime.Tests.Support;

/// <summary>
/// The two NativeAOT programs the container tests need: <c>berth-runtime</c> (shim and init) and <c>berth-probe</c>.
/// Each is taken from an environment variable, or from a published copy newer than its sources, or published
/// here once per test run (a minute or two). A stale binary would test yesterday's runtime, so age is checked.
/// </summary>
internal static class Artifacts
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(15);
    private static readonly SemaphoreSlim PublishGate = new(1, 1);
    private static readonly Lazy<Task<string>> RuntimeTask = new(() => FindOrPublishAsync(
        "BERTH_RUNTIME", "src/Berth.Runtime.Cli", "berth-runtime",
        ["src/Berth.Runtime.Cli", "src/Berth.Runtime", "src/Berth.Linux", "src/Berth.Oci", "src/Berth.Common"],
        ["bin/berth-runtime", "out/berth-runtime/berth-runtime"]));
    private static readonly Lazy<Task<string>> ProbeTask = new(() => FindOrPublishAsync(
        "BERTH_PROBE", "tests/Berth.Probe", "berth-probe", ["tests/Berth.Probe"], ["out/berth-probe/berth-probe"]));

    public static Task<string> RuntimeAsync() => RuntimeTask.Value;

    public static Task<string> ProbeAsync() => ProbeTask.Value;

    private static readonly Lazy<Task<string>> NsexecTask = new(FindOrBuildNsexecAsync);

    /// <summary><c>berth-nsexec</c> beside the runtime the tests use (the shim looks for it there): the one
    /// <c>make build</c> put there if it is newer than its source, else compiled here with musl-gcc.</summary>
    public static Task<string> NsexecAsync() => NsexecTask.Value;

    private static async Task<string> FindOrBuildNsexecAsync()
    {
        var runtime = await RuntimeAsync();
        var source = Path.Join(RepoRoot, "src", "berth-init", "nsexec.c");
        var helper = Path.Join(Path.GetDirectoryName(runtime), "berth-nsexec");
        if (File.Exists(helper) && File.GetLastWriteTimeUtc(helper) > File.GetLastWriteTimeUtc(source))
        {
            return helper;
        }
        var (code, output) = await Host.RunAsync("/usr/bin/musl-gcc", ["-static", "-Os", "-Wall", "-Wextra", "-Werror", "-o", helper, source], PublishTimeout, RepoRoot);
        return code == 0 ? helper : throw new InvalidOperationException($"musl-gcc {source} failed ({code}):\n{output}");
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    private static async Task<string> FindOrPublishAsync(string envVar, string project, string name, string[] sources, string[] candidates)
    {
        if (Environment.GetEnvironmentVariable(envVar) is { Length: > 0 } given)
        {
            return File.Exists(given) ? given : throw new FileNotFoundException($"{envVar} points at a missing file", given);
        }
        var newestSource = sources.Prepend(".").SelectMany(SourceFiles).Max(File.GetLastWriteTimeUtc);
        var fresh = candidates.Select(c => Path.Join(RepoRoot, c))
            .Where(File.Exists)
            .Where(c => File.GetLastWriteTimeUtc(c) > newestSource)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .FirstOrDefault();
        if (fresh is not null)
        {
            return fresh;
        }
        var outDir = Path.Join(RepoRoot, "out", name);
        await PublishGate.WaitAsync();
        try
        {
            var (code, output) = await Host.RunAsync("/usr/bin/dotnet",
                ["publish", project, "-c", "Release", "-r", "linux-x64", "-o", outDir, "-nologo", "-v", "q"], PublishTimeout, RepoRoot);
            if (code != 0)
            {
                throw new InvalidOperationException($"dotnet publish {project} failed ({code}):\n{output}");
            }
        }
        finally
        {
            PublishGate.Release();
        }
        return Path.Join(outDir, name);
    }

    /// <summary>Sources of a project directory ("." is the repo's shared props), without bin/ and obj/.</summary>
    private static IEnumerable<string> SourceFiles(string dir)
    {
        var full = Path.Join(RepoRoot, dir);
        if (dir == ".")
        {
            return Directory.EnumerateFiles(full, "Directory.*.props");
        }
        return Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal));
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Join(dir.FullName, "Directory.Packages.props")) && Directory.Exists(Path.Join(dir.FullName, "src")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (Directory.Packages.props) above " + AppContext.BaseDirectory);
    }
}

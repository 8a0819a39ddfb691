using System.Text.RegularExpressions;

namespace Berth.Architecture.Tests;

/// <summary>Every P/Invoke lives in Berth.Linux: one place where errno is checked and fds become handles.</summary>
public sealed partial class InteropTests
{
    // Built from parts, so this file does not match itself.
    private static readonly Regex Interop = new(
        @"[\[,]\s*(?:global::)?(?:[A-Za-z_][\w]*\.)*(?:" + "Dll" + "Import|" + "Library" + @"Import)(?:Attribute)?\s*[\(\],]",
        RegexOptions.Compiled);

    private static readonly Regex NativeLoad = new(@"\bNative" + @"Library\s*\.\s*(?:Load|TryLoad|GetExport|TryGetExport)\b", RegexOptions.Compiled);

    private static bool InLinux(string file) =>
        Path.GetRelativePath(Repo.Root, file).Replace('\\', '/').StartsWith("src/Berth.Linux/", StringComparison.Ordinal);

    [Fact]
    public void No_PInvoke_outside_Berth_Linux()
    {
        var offenders = Repo.CSharpFiles(Path.Join(Repo.Root, "src"))
            .Concat(Repo.CSharpFiles(Path.Join(Repo.Root, "tests")))
            .Where(f => !InLinux(f))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => Interop.IsMatch(x.line) || NativeLoad.IsMatch(x.line))
            .Select(x => $"{Path.GetRelativePath(Repo.Root, x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "P/Invoke outside src/Berth.Linux:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Berth_Linux_does_hold_the_imports()
    {
        var inLinux = Repo.CSharpFiles(Path.Join(Repo.Root, "src", "Berth.Linux")).Count(f => File.ReadLines(f).Any(Interop.IsMatch));
        Assert.True(inLinux > 0, "the scan found no import in Berth.Linux: the pattern no longer matches the code");
    }

    public static TheoryData<string, string, bool> Lines => new()
    {
        // row, a line of C#, whether it is an import
        { "LibraryImport", "    [" + "LibraryImport(Lib, SetLastError = true)]", true },
        { "DllImport", "[" + "DllImport(\"libc\")]", true },
        { "qualified", "[System.Runtime.InteropServices." + "DllImport(\"libc\")]", true },
        { "global qualified", "[global::System.Runtime.InteropServices." + "LibraryImport(\"x\")]", true },
        { "attribute suffix", "[" + "DllImportAttribute(\"libc\")]", true },
        { "with other attributes", "[SuppressGCTransition, " + "LibraryImport(\"x\")]", true },
        { "a call that names it", "Use(x, y);", false },
        { "a word in a comment", "// we never DllImport here", false },
        { "native library loading", "var h = Native" + "Library.Load(\"libc.so.6\");", true },
    };

    [Theory]
    [MemberData(nameof(Lines))]
    public void The_pattern_recognises_imports(string row, string line, bool import) =>
        Assert.True(import == (Interop.IsMatch(line) || NativeLoad.IsMatch(line)), row);
}

using System.Text.RegularExpressions;
using Berth.Linux;

namespace Berth.Runtime.Tests.Support;

/// <summary>
/// The smallest rootfs the probe runs in: /bin/busybox with its applet links, /usr/local/bin/berth-probe, and
/// copies of exactly the shared libraries ldd names for the probe (NativeAOT links libc, libm and the loader
/// dynamically) at the same paths. Built once per test run as a template; each bundle gets a hard-linked copy,
/// because runtimes create mount points in the rootfs they are given.
/// </summary>
internal static partial class ProbeRootfs
{
    public const string ProbePath = "/usr/local/bin/berth-probe";

    /// <summary>A directory the cwd variant starts in (Docker creates WORKDIR before it starts a container).</summary>
    public const string WorkDir = "/srv/app";

    private static readonly Lazy<Task<string>> Template = new(BuildTemplateAsync);

    public static Task<string> TemplateAsync() => Template.Value;

    /// <summary>Copies the template to <paramref name="target"/>: directories made, files hard-linked, links copied.</summary>
    public static async Task CopyToAsync(string target)
    {
        var template = await TemplateAsync();
        Copy(template, target);
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var dest = Path.Join(to, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(dest, link);
            }
            else if (entry is DirectoryInfo)
            {
                Copy(entry.FullName, dest);
                File.SetUnixFileMode(dest, entry.UnixFileMode);
            }
            else
            {
                Fs.Link(entry.FullName, dest);
            }
        }
    }

    private static async Task<string> BuildTemplateAsync()
    {
        var probe = await Artifacts.ProbeAsync();
        // One template a test process; those of earlier runs are removed here.
        foreach (var old in Directory.EnumerateDirectories(TestContainer.BaseDir, "rootfs-*"))
        {
            if (!int.TryParse(Path.GetFileName(old)["rootfs-".Length..], out var pid) || !Host.IsAlive(pid) || pid == Environment.ProcessId)
            {
                Directory.Delete(old, recursive: true);
            }
        }
        var root = Path.Join(TestContainer.BaseDir, $"rootfs-{Environment.ProcessId}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        foreach (var dir in new[] { "bin", "dev", "proc", "sys", "etc", "root", "tmp", "usr/local/bin", WorkDir.TrimStart('/') })
        {
            Directory.CreateDirectory(Path.Join(root, dir));
        }
        File.SetUnixFileMode(Path.Join(root, "tmp"), (UnixFileMode)0x3ff); // 01777, as every /tmp
        File.Copy("/bin/busybox", Path.Join(root, "bin/busybox"));
        var (code, list) = await Host.RunAsync("/bin/busybox", ["--list"], TimeSpan.FromSeconds(10));
        Assert.Equal(0, code);
        foreach (var applet in list.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (applet != "busybox")
            {
                File.CreateSymbolicLink(Path.Join(root, "bin", applet), "busybox");
            }
        }
        File.Copy(probe, Path.Join(root, ProbePath.TrimStart('/')));
        foreach (var library in await SharedLibrariesAsync(probe))
        {
            var dest = Path.Join(root, library.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(library, dest); // follows the host's links: the rootfs gets the file at the path the loader asks for
        }
        File.WriteAllText(Path.Join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(Path.Join(root, "etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        return root;
    }

    /// <summary>The absolute paths in ldd's answer: <c>libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)</c>
    /// and the loader, <c>/lib64/ld-linux-x86-64.so.2 (0x...)</c>.</summary>
    private static async Task<IReadOnlyList<string>> SharedLibrariesAsync(string program)
    {
        var (code, output) = await Host.RunAsync("/usr/bin/ldd", [program], TimeSpan.FromSeconds(10));
        Assert.True(code == 0, "ldd " + program + ": " + output);
        var libraries = LddPath().Matches(output).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.Contains(libraries, l => l.Contains("ld-linux", StringComparison.Ordinal));
        return libraries;
    }

    [GeneratedRegex(@"(?:=>\s*|^\s*)(/\S+)\s+\(0x", RegexOptions.Multiline)]
    private static partial Regex LddPath();
}

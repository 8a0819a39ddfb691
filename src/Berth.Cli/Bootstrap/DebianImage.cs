using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Cli.Bootstrap;

/// <summary>
/// The root filesystem of <c>debian:SUITE</c>, made the way Debian's official images are (debuerreotype):
/// <c>debootstrap --variant=minbase</c> from a mirror, slimmed by <see cref="DebianRootfs"/>, written as a tar by
/// <see cref="TreeArchive"/>. The tar is cached by suite, architecture and mirrors, so the next bootstrap only
/// imports it.
/// </summary>
internal sealed class DebianImage(string suite, AptMirrors mirrors, string cacheDir, Action<string> progress)
{
    public string Suite { get; } = suite;

    public AptMirrors Mirrors { get; } = mirrors;

    public static string Architecture => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "armhf",
        System.Runtime.InteropServices.Architecture.X86 => "i386",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64el",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        var other => throw new StatusException("berth: no Debian architecture for " + other, 1),
    };

    /// <summary>The cache: <c>$XDG_CACHE_HOME/berth</c> when set, else <c>/var/cache/berth</c> (debootstrap runs as
    /// root, and a system-wide cache is what apt keeps too).</summary>
    public static string DefaultCacheDir(Func<string, string?> getEnv) =>
        getEnv("XDG_CACHE_HOME") is { Length: > 0 } xdg ? Path.Join(xdg, "berth") : "/var/cache/berth";

    /// <summary>The cached tar's path: the key is what changes the tree (suite, architecture, both mirrors, as they
    /// end up in the image's sources).</summary>
    public string CachedTar
    {
        get
        {
            var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{Suite}\n{Architecture}\n{Mirrors.Archive}\n{Mirrors.Security}\n")))[..12];
            return Path.Join(cacheDir, $"debian-{Suite}-{Architecture}-{key}.tar");
        }
    }

    /// <summary>debootstrap on PATH or in the sbin directories a non-login root shell may lack.</summary>
    public static string? FindDebootstrap(Func<string, string?> getEnv) =>
        (getEnv("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/sbin", "/sbin"])
            .Select(dir => Path.Join(dir, "debootstrap")).FirstOrDefault(File.Exists);

    /// <summary>Builds the tar into the cache (replacing any there) and returns its path. A cancelled or failed build
    /// leaves nothing behind: not its directory, not a mount, not a partial tar.</summary>
    public string Build(string debootstrap, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        using var scratch = new ScratchDirectory(cacheDir, $".debian-{Suite}-build-");
        var rootfs = Path.Join(scratch.Path, "rootfs");
        var packages = RunDebootstrap(debootstrap, rootfs, cancel);
        progress($"debootstrap installed {packages} packages in {clock.Elapsed.TotalSeconds:F0} s");
        // debootstrap unmounts what it mounted when it succeeds; the tree must not hold a live /proc when archived.
        if (ScratchDirectory.MountsUnder(rootfs) is { Count: > 0 } mounts)
        {
            throw new StatusException($"berth: debootstrap left mounts in {rootfs}: {string.Join(", ", mounts)}", 1);
        }
        DebianRootfs.Slim(rootfs, Suite, Mirrors);
        var tar = Path.Join(scratch.Path, "rootfs.tar");
        TreeArchiveStats stats;
        using (var file = new FileStream(tar, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
        {
            stats = TreeArchive.Write(file, rootfs, DebianRootfs.EmptyDirs, cancel);
            file.Flush(flushToDisk: true);
        }
        progress(string.Create(CultureInfo.InvariantCulture,
            $"Archived {stats.Files} files ({stats.Bytes / 1_000_000.0:F1} MB), {stats.Directories} directories, {stats.Symlinks} symlinks, {stats.Hardlinks} hardlinks; skipped {stats.Skipped.Count} device nodes, fifos and sockets"));
        // The rename is the commit: a reader of the cache sees the old tar or the whole new one.
        File.Move(tar, CachedTar, overwrite: true);
        return CachedTar;
    }

    private int RunDebootstrap(string debootstrap, string rootfs, CancellationToken cancel)
    {
        var start = new ProcessStartInfo(debootstrap)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var arg in new[] { "--variant=minbase", "--arch=" + Architecture, Suite, rootfs, Mirrors.Archive })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["LC_ALL"] = "C";
        progress($"Running debootstrap --variant=minbase --arch={Architecture} {Suite} {rootfs} {Mirrors.Archive}");
        var filter = new DebootstrapProgress();
        var gate = new object();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (gate)
            {
                if (filter.Line(line) is { } shown)
                {
                    progress(shown);
                }
            }
        }
        using var process = Process.Start(start) ?? throw new StatusException($"berth: cannot start {debootstrap}", 1);
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // debootstrap runs dpkg in a chroot: stop all of it, then the scratch directory detaches what it mounted.
        using (cancel.Register(() => Kill(process)))
        {
            process.WaitForExit();
        }
        cancel.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            var log = Path.Join(rootfs, "debootstrap/debootstrap.log");
            var tail = File.Exists(log) ? File.ReadLines(log).TakeLast(20) : filter.Tail;
            throw new StatusException($"berth: debootstrap failed with exit status {process.ExitCode}; its last lines:\n  " + string.Join("\n  ", tail), 1);
        }
        return filter.Packages;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It has exited already.
        }
    }
}

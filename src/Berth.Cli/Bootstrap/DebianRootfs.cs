namespace Berth.Cli.Bootstrap;

/// <summary>
/// What turns a <c>debootstrap --variant=minbase</c> tree into a container base image, as debuerreotype does for
/// Debian's official images (its <c>minimizing-config</c>, <c>fixup</c> and <c>tar</c> steps): apt configured for
/// layers (no cached .debs or pkgcache, compressed indexes, no translations), services never started by package
/// scripts, no apt lists, logs or per-machine identity, and sources that name the mirror the image came from.
/// </summary>
internal static class DebianRootfs
{
    /// <summary>The official image's <c>PATH</c>.</summary>
    public const string PathEnv = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>Directories kept in the tar without their content: the engine mounts its own there.</summary>
    public static readonly IReadOnlySet<string> EmptyDirs = new HashSet<string>(StringComparer.Ordinal) { "dev", "proc", "sys" };

    private const string Keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    private const UnixFileMode Mode644 = (UnixFileMode)0x1a4;
    private const UnixFileMode Mode755 = (UnixFileMode)0x1ed;

    private const string AptGetClean = "\"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\";";

    public static void Slim(string root, string suite, AptMirrors mirrors)
    {
        // Package scripts must not start services: a container's RUN has no init to start them with.
        Write(root, "usr/sbin/policy-rc.d", "#!/bin/sh\n\n# Containers have no init system to start services with: package scripts must not try.\n\nexit 101\n", Mode755);
        Write(root, "etc/dpkg/dpkg.cfg.d/docker-apt-speedup",
            "# A RUN step is thrown away and redone on any failure: dpkg need not sync() after each package.\n\nforce-unsafe-io\n");
        Write(root, "etc/apt/apt.conf.d/docker-autoremove-suggests",
            "# Remove what a package pulled in once it goes, even when something else only suggests it.\nApt::AutoRemove::SuggestsImportant \"false\";\n");
        Write(root, "etc/apt/apt.conf.d/docker-clean",
            "# Each RUN is a layer: apt's caches in it are only dead weight, so clean after every install and update.\n" +
            $"DPkg::Post-Invoke {{ {AptGetClean} }};\nAPT::Update::Post-Invoke {{ {AptGetClean} }};\n\n" +
            "Dir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\n");
        Write(root, "etc/apt/apt.conf.d/docker-gzip-indexes",
            "# Keep the lists of \"apt-get update\" compressed: they stay in the layer of the RUN that fetched them.\nAcquire::GzipIndexes \"true\";\n");
        Write(root, "etc/apt/apt.conf.d/docker-no-languages",
            "# No translated descriptions: smaller and faster \"apt-get update\". Delete this file to get them back.\nAcquire::Languages \"none\";\n");

        // debootstrap's sources name the mirror in the one-line format; the official bookworm image has deb822
        // sources with the updates and security suites.
        Delete(root, "etc/apt/sources.list");
        Write(root, "etc/apt/sources.list.d/debian.sources",
            Sources(suite, mirrors, File.Exists(Path.Join(root, Keyring.TrimStart('/'))) ? Keyring : null));

        EmptyDirectory(root, "var/lib/apt/lists");
        EmptyDirectory(root, "var/cache/apt/archives");
        foreach (var bin in Directory.Exists(Path.Join(root, "var/cache/apt")) ? Directory.GetFiles(Path.Join(root, "var/cache/apt"), "*.bin") : [])
        {
            File.Delete(bin);
        }

        // The engine bind-mounts its own hostname and resolv.conf (the build host's are in them now); they stay as
        // empty files to mount on. An image is run on many machines: machine-id stays empty (machine-id(5)).
        foreach (var file in new[] { "etc/hostname", "etc/resolv.conf" })
        {
            Delete(root, file);
            Write(root, file, "");
        }
        foreach (var file in new[] { "etc/machine-id", "var/lib/dbus/machine-id" })
        {
            if (File.Exists(Path.Join(root, file)))
            {
                Delete(root, file);
                Write(root, file, "", Mode644);
            }
        }
        foreach (var file in new[]
        {
            "var/log/dpkg.log", "var/log/bootstrap.log", "var/log/alternatives.log", "var/log/apt/history.log",
            "var/log/apt/term.log", "var/cache/ldconfig/aux-cache", "run/mount/utab", "etc/apt/apt.conf.d/01autoremove-kernels",
        })
        {
            Delete(root, file);
        }
    }

    /// <summary>The deb822 sources of the image: the suite and its updates from the archive mirror, its security
    /// suite from the security mirror (when there is one).</summary>
    public static string Sources(string suite, AptMirrors mirrors, string? signedBy)
    {
        var signed = signedBy is null ? "" : $"Signed-By: {signedBy}\n";
        var text = $"Types: deb\nURIs: {mirrors.Archive}\nSuites: {suite} {suite}-updates\nComponents: main\n{signed}";
        if (mirrors.Security is { } security)
        {
            text += $"\nTypes: deb\nURIs: {security}\nSuites: {suite}-security\nComponents: main\n{signed}";
        }
        return text;
    }

    private static void Write(string root, string relative, string content, UnixFileMode mode = Mode644)
    {
        var path = Path.Join(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, mode);
    }

    private static void Delete(string root, string relative)
    {
        var path = Path.Join(root, relative);
        if (Path.GetDirectoryName(path) is { } dir && Directory.Exists(dir))
        {
            File.Delete(path);
        }
    }

    // apt recreates its partial/ directories and lock files; debuerreotype ships these directories empty too.
    private static void EmptyDirectory(string root, string relative)
    {
        var dir = new DirectoryInfo(Path.Join(root, relative));
        if (!dir.Exists)
        {
            return;
        }
        foreach (var entry in dir.EnumerateFileSystemInfos())
        {
            if (entry is DirectoryInfo { LinkTarget: null } sub)
            {
                sub.Delete(recursive: true);
            }
            else
            {
                entry.Delete();
            }
        }
    }
}

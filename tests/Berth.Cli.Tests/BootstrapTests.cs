using System.Formats.Tar;
using Berth.Cli.Bootstrap;
using Berth.Linux;

namespace Berth.Cli.Tests;

/// <summary>The parts of <c>berth image bootstrap</c> that need no daemon and no network: names, apt mirrors, the
/// debootstrap output filter, the slimming of a tree, its tar and the removal of its build directory.</summary>
public sealed class BootstrapTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-bootstrap-test-").FullName;

    public void Dispose()
    {
        foreach (var mount in ScratchDirectory.MountsUnder(_dir))
        {
            Mounts.TryUnmount(mount);
        }
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("busybox", "Busybox", "busybox:latest", null)]
    [InlineData("busybox:latest", "Busybox", "busybox:latest", null)]
    [InlineData("hello-world", "HelloWorld", "hello-world:latest", null)]
    [InlineData("debian", "Debian", "debian:bookworm", "bookworm")]
    [InlineData("debian:bookworm", "Debian", "debian:bookworm", "bookworm")]
    [InlineData("debian:12", "Debian", "debian:12", "bookworm")]
    public void Names(string name, string kind, string tag, string? suite) =>
        Assert.Equal(new BootstrapTarget(Enum.Parse<BootstrapKind>(kind), tag, suite), BootstrapTarget.Parse(name));

    [Theory]
    [InlineData("debian:sid")]
    [InlineData("debian:latest")]
    [InlineData("ubuntu")]
    [InlineData("Debian")]
    public void UnknownNamesListTheChoices(string name)
    {
        Assert.Null(BootstrapTarget.Parse(name));
        Assert.Equal((1, "", $"berth: cannot bootstrap \"{name}\": choose busybox, hello-world or debian:bookworm\n"),
            CliRunner.Run("", "image", "bootstrap", name));
    }

    public static TheoryData<string, string, string, string, string?> SourcesFiles => new()
    {
        {
            "this machine's deb822", "debian.sources", """
            Types: deb
            # http://snapshot.debian.org/archive/debian/20250520T000000Z
            URIs: http://deb.debian.org/debian
            Suites: bookworm bookworm-updates
            Components: main
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            Types: deb
            URIs: http://deb.debian.org/debian-security
            Suites: bookworm-security
            Components: main
            """,
            "http://deb.debian.org/debian", "http://deb.debian.org/debian-security"
        },
        {
            "deb822: sources, disabled stanzas and a second URI skipped; security first", "debian.sources", """
            Types: deb
            URIs: http://security.example/debian-security/
            Suites: bookworm-security
            Components: main

            Types: deb-src
            URIs: http://src.example/debian
            Suites: bookworm

            Types: deb
            Enabled: no
            URIs: http://off.example/debian
            Suites: bookworm

            types: deb deb-src
            uris:
             http://mirror.example/debian/
             http://second.example/debian
            suites: bookworm
            """,
            "http://mirror.example/debian", "http://security.example/debian-security"
        },
        {
            "deb822: a local mirror gets no guessed security mirror", "debian.sources",
            "Types: deb\nURIs: http://mirror.local/debian\nSuites: bookworm\n",
            "http://mirror.local/debian", null
        },
        {
            "one-line with options and comments", "sources.list", """
            # deb http://commented.example/debian bookworm main
            deb-src http://src.example/debian bookworm main
            deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm main
            deb http://security.example/debian-security bookworm-security main
            deb http://second.example/debian bookworm main
            """,
            "http://mirror.example/debian", "http://security.example/debian-security"
        },
        {
            "one-line: deb.debian.org implies its security mirror", "sources.list",
            "deb http://deb.debian.org/debian bookworm main # the archive\n",
            "http://deb.debian.org/debian", "http://deb.debian.org/debian-security"
        },
        {
            "one-line: no deb line falls back to deb.debian.org", "sources.list",
            "# nothing here\n",
            "http://deb.debian.org/debian", "http://deb.debian.org/debian-security"
        },
    };

    [Theory]
    [MemberData(nameof(SourcesFiles))]
    public void MirrorsFromTheMachinesSources(string why, string file, string content, string archive, string? security)
    {
        var path = Path.Join(_dir, file == "debian.sources" ? "etc/apt/sources.list.d" : "etc/apt", file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        Assert.True(new AptMirrors(archive, security) == AptMirrors.Discover(_dir), why);
    }

    [Fact]
    public void Deb822SourcesComeBeforeTheOneLineFileAndNoneMeansDebDebianOrg()
    {
        Assert.Equal(AptMirrors.Default, AptMirrors.Discover(_dir));
        Directory.CreateDirectory(Path.Join(_dir, "etc/apt/sources.list.d"));
        File.WriteAllText(Path.Join(_dir, "etc/apt/sources.list"), "deb http://one-line.example/debian bookworm main\n");
        Assert.Equal("http://one-line.example/debian", AptMirrors.Discover(_dir).Archive);
        File.WriteAllText(Path.Join(_dir, "etc/apt/sources.list.d/debian.sources"), "Types: deb\nURIs: http://deb822.example/debian\nSuites: bookworm\n");
        Assert.Equal("http://deb822.example/debian", AptMirrors.Discover(_dir).Archive);
        Assert.Equal(new AptMirrors("http://flag.example/debian", "http://s.example"),
            AptMirrors.WithArchive("http://flag.example/debian/", new AptMirrors("http://deb822.example/debian", "http://s.example")));
    }

    [Fact]
    public void ImageSourcesNameTheMirrorsUsed()
    {
        Assert.Equal("""
            Types: deb
            URIs: http://mirror.example/debian
            Suites: bookworm bookworm-updates
            Components: main
            Signed-By: /k.gpg

            Types: deb
            URIs: http://security.example/debian-security
            Suites: bookworm-security
            Components: main
            Signed-By: /k.gpg

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            DebianRootfs.Sources("bookworm", new AptMirrors("http://mirror.example/debian", "http://security.example/debian-security"), "/k.gpg"));
        Assert.Equal("Types: deb\nURIs: http://m/debian\nSuites: bookworm bookworm-updates\nComponents: main\n",
            DebianRootfs.Sources("bookworm", new AptMirrors("http://m/debian", null), null));
    }

    [Fact]
    public void DebootstrapOutputIsShortenedToItsSteps()
    {
        var output = """
            I: Target architecture can be executed
            I: Retrieving InRelease 
            I: Valid Release signature (key id 4D64FEC119C2029067D6E791F8D2585B8783D481)
            I: Retrieving Packages 
            I: Validating Packages 
            I: Resolving dependencies of required packages...
            I: Retrieving adduser 3.134
            I: Validating adduser 3.134
            I: Retrieving apt 2.6.1
            I: Validating apt 2.6.1
            I: Retrieving libc6 2.36-9+deb12u13
            I: Validating libc6 2.36-9+deb12u13
            I: Chosen extractor for .deb packages: dpkg-deb
            I: Extracting adduser...
            I: Extracting apt...
            I: Installing core packages...
            I: Unpacking required packages...
            I: Unpacking adduser...
            I: Unpacking apt...
            dpkg: warning: noise
            I: Configuring required packages...
            I: Configuring apt...
            W: Failure trying to run: chroot x
            I: Base system installed successfully.
            """.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var progress = new DebootstrapProgress();
        var shown = output.Select(progress.Line).OfType<string>().ToList();
        Assert.Equal(
        [
            "I: Target architecture can be executed",
            "I: Retrieving InRelease ",
            "I: Valid Release signature (key id 4D64FEC119C2029067D6E791F8D2585B8783D481)",
            "I: Retrieving Packages ",
            "I: Validating Packages ",
            "I: Resolving dependencies of required packages...",
            "I: Retrieving packages...",
            "I: Validating packages...",
            "I: Chosen extractor for .deb packages: dpkg-deb",
            "I: Extracting packages...",
            "I: Installing core packages...",
            "I: Unpacking required packages...",
            "I: Unpacking packages...",
            "I: Configuring required packages...",
            "I: Configuring packages...",
            "W: Failure trying to run: chroot x",
            "I: Base system installed successfully.",
        ], shown);
        Assert.Equal(3, progress.Packages);
        Assert.Contains("dpkg: warning: noise", progress.Tail);
    }

    [Fact]
    public void SlimmingLeavesAptConfiguredForLayersAndNoMachineState()
    {
        var root = Path.Join(_dir, "rootfs");
        foreach (var (file, content) in new[]
        {
            ("etc/hostname", "buildhost\n"), ("etc/resolv.conf", "nameserver 10.0.0.1\n"), ("etc/machine-id", "0123456789abcdef\n"),
            ("etc/apt/sources.list", "deb http://m/debian bookworm main\n"), ("var/lib/apt/lists/m_dists_bookworm_InRelease", "x"),
            ("var/cache/apt/pkgcache.bin", "x"), ("var/cache/apt/archives/a.deb", "x"), ("var/log/dpkg.log", "x"),
            ("usr/share/keyrings/debian-archive-keyring.gpg", "k"),
        })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Join(root, file))!);
            File.WriteAllText(Path.Join(root, file), content);
        }
        Directory.CreateDirectory(Path.Join(root, "var/lib/apt/lists/partial"));

        DebianRootfs.Slim(root, "bookworm", new AptMirrors("http://m/debian", null));

        Assert.Equal("#!/bin/sh", File.ReadLines(Path.Join(root, "usr/sbin/policy-rc.d")).First());
        Assert.EndsWith("exit 101\n", File.ReadAllText(Path.Join(root, "usr/sbin/policy-rc.d")), StringComparison.Ordinal);
        Assert.Equal((UnixFileMode)0x1ed, File.GetUnixFileMode(Path.Join(root, "usr/sbin/policy-rc.d")));
        Assert.Contains("Dir::Cache::pkgcache \"\";", File.ReadAllText(Path.Join(root, "etc/apt/apt.conf.d/docker-clean")), StringComparison.Ordinal);
        Assert.Contains("Acquire::GzipIndexes \"true\";", File.ReadAllText(Path.Join(root, "etc/apt/apt.conf.d/docker-gzip-indexes")), StringComparison.Ordinal);
        Assert.Contains("Acquire::Languages \"none\";", File.ReadAllText(Path.Join(root, "etc/apt/apt.conf.d/docker-no-languages")), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Join(root, "etc/apt/apt.conf.d/docker-autoremove-suggests")));
        Assert.Equal(["", "", ""], new[] { "etc/hostname", "etc/resolv.conf", "etc/machine-id" }.Select(f => File.ReadAllText(Path.Join(root, f))));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(root, "var/lib/apt/lists")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Join(root, "var/cache/apt/archives")));
        Assert.False(File.Exists(Path.Join(root, "var/cache/apt/pkgcache.bin")));
        Assert.False(File.Exists(Path.Join(root, "var/log/dpkg.log")));
        Assert.False(File.Exists(Path.Join(root, "etc/apt/sources.list")));
        Assert.Equal(DebianRootfs.Sources("bookworm", new AptMirrors("http://m/debian", null), "/usr/share/keyrings/debian-archive-keyring.gpg"),
            File.ReadAllText(Path.Join(root, "etc/apt/sources.list.d/debian.sources")));
    }

    [Fact]
    public void TarKeepsOwnersModesHardlinksAndSymlinksAndSkipsSpecialFiles()
    {
        var root = Path.Join(_dir, "tree");
        Directory.CreateDirectory(Path.Join(root, "bin"));
        Directory.CreateDirectory(Path.Join(root, "dev"));
        File.WriteAllText(Path.Join(root, "bin/tool"), "binary");
        Fs.Lchown(Path.Join(root, "bin/tool"), 0, 42);
        Fs.Chmod(Path.Join(root, "bin/tool"), 0x9ed); // 04755, after the chown that would clear it
        Fs.Link(Path.Join(root, "bin/tool"), Path.Join(root, "bin/tool-alias"));
        Fs.Symlink("tool", Path.Join(root, "bin/link"));
        Fs.Lchown(Path.Join(root, "bin/link"), 1000, 1000);
        Fs.Mknod(Path.Join(root, "bin/fifo"), LibC.S_IFIFO | 0x1a4, 0);
        Fs.Mknod(Path.Join(root, "bin/null"), LibC.S_IFCHR | 0x1b6, (1 << 8) | 3);
        File.WriteAllText(Path.Join(root, "dev/leftover"), "not archived");
        var tmp = Path.Join(root, "tmp");
        Directory.CreateDirectory(tmp);
        Fs.Chmod(tmp, 0x3ff); // 01777

        var tar = new MemoryStream();
        var stats = TreeArchive.Write(tar, root, new HashSet<string>(StringComparer.Ordinal) { "dev" });
        tar.Position = 0;
        var entries = new List<TarEntry>();
        using (var reader = new TarReader(tar))
        {
            while (reader.GetNextEntry(copyData: true) is { } entry)
            {
                entries.Add(entry);
            }
        }

        Assert.Equal(["bin/", "bin/link", "bin/tool", "bin/tool-alias", "dev/", "tmp/"], entries.Select(e => e.Name));
        var byName = entries.ToDictionary(e => e.Name);
        Assert.Equal((TarEntryType.RegularFile, (UnixFileMode)0x9ed, 0, 42, "binary"),
            (byName["bin/tool"].EntryType, byName["bin/tool"].Mode, byName["bin/tool"].Uid, byName["bin/tool"].Gid, new StreamReader(byName["bin/tool"].DataStream!).ReadToEnd()));
        Assert.Equal((TarEntryType.HardLink, "bin/tool"), (byName["bin/tool-alias"].EntryType, byName["bin/tool-alias"].LinkName));
        Assert.Equal((TarEntryType.SymbolicLink, "tool", 1000, 1000), (byName["bin/link"].EntryType, byName["bin/link"].LinkName, byName["bin/link"].Uid, byName["bin/link"].Gid));
        Assert.Equal((TarEntryType.Directory, (UnixFileMode)0x3ff), (byName["tmp/"].EntryType, byName["tmp/"].Mode));
        Assert.Equal(["bin/fifo", "bin/null"], stats.Skipped);
        Assert.Equal((1, 1, 1, 3), (stats.Files, stats.Hardlinks, stats.Symlinks, stats.Directories));
    }

    [Fact]
    public void ScratchDirectoryDetachesMountsLeftInsideAndRemovesItself()
    {
        string path;
        using (var scratch = new ScratchDirectory(_dir, ".build-"))
        {
            path = scratch.Path;
            var proc = Path.Join(path, "rootfs/proc");
            Directory.CreateDirectory(proc);
            File.WriteAllText(Path.Join(path, "rootfs/file"), "x");
            // What a killed debootstrap leaves: /proc mounted in the target, here twice over.
            Mounts.Mount("tmpfs", proc, "tmpfs", 0);
            Mounts.Mount("tmpfs", proc, "tmpfs", 0);
            File.WriteAllText(Path.Join(proc, "on-the-mount"), "x");
            Assert.Single(ScratchDirectory.MountsUnder(path));
        }
        Assert.False(Directory.Exists(path));
        Assert.Empty(ScratchDirectory.MountsUnder(_dir));
    }
}

using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Berth.Cli.BuildContexts;

namespace Berth.Cli.Tests;

/// <summary>
/// The build context as the docker CLI sends it (docker-api-traffic/build*.txt): entries, order, modes, links, the
/// Dockerfile from stdin or from outside the context, stdin archives, and the CLI's words for bad paths.
/// </summary>
public sealed class BuildContextTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1795608337);

    private readonly string _dir = Directory.CreateTempSubdirectory("berth-build-ctx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Ctx => Path.Join(_dir, "ctx");

    private void WriteFile(string rel, string text, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)
    {
        var path = Path.Join(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, mode);
    }

    /// <summary>The recorded context of build.txt, without its .dockerignore (whose matcher is tested apart).</summary>
    private void RecordedContext()
    {
        WriteFile("ctx/Dockerfile", "FROM busybox:local\n");
        WriteFile("ctx/hello.txt", "hello from build context\n");
        WriteFile("ctx/sub/s.txt", "sub file\n");
    }

    private PreparedContext Prepare(string context, string dockerfile = "", byte[]? stdin = null, bool compress = false) =>
        PreparedContext.Prepare(context, dockerfile, new MemoryStream(stdin ?? []), _dir, compress, Now);

    private static List<(TarEntryType Type, string Name, int Mode, int Uid, int Gid, string Link, string Data)> Entries(Stream body)
    {
        var list = new List<(TarEntryType, string, int, int, int, string, string)>();
        using var reader = new TarReader(body);
        while (reader.GetNextEntry() is { } e)
        {
            var data = e.DataStream is null ? "" : new StreamReader(e.DataStream).ReadToEnd();
            list.Add((e.EntryType, e.Name, (int)e.Mode, e.Uid, e.Gid, e.LinkName, data));
        }
        return list;
    }

    [Fact]
    public void DirectoryEntriesAreSortedWithModesAndRootOwnership()
    {
        RecordedContext();
        WriteFile("ctx/run.sh", "#!/bin/sh\n", (UnixFileMode)0b111_101_101);
        WriteFile("ctx/A.txt", "upper\n");
        var prepared = Prepare("ctx");
        Assert.Equal("Dockerfile", prepared.RelDockerfile);
        var entries = Entries(prepared.Body);
        Assert.Equal(["A.txt", "Dockerfile", "hello.txt", "run.sh", "sub/", "sub/s.txt"], entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal((0, 0), (e.Uid, e.Gid)));
        Assert.Equal(0b111_101_101, entries.Single(e => e.Name == "run.sh").Mode);
        Assert.Equal(0b110_100_100, entries.Single(e => e.Name == "hello.txt").Mode);
        Assert.Equal(TarEntryType.Directory, entries.Single(e => e.Name == "sub/").Type);
        Assert.Equal("sub file\n", entries.Single(e => e.Name == "sub/s.txt").Data);
        Assert.Null(prepared.WriterError);
    }

    [Fact]
    public void SymlinksAreSentAsLinksAndNeverFollowed()
    {
        RecordedContext();
        WriteFile("outside/secret.txt", "secret\n");
        Directory.CreateDirectory(Path.Join(_dir, "outside/dir"));
        File.CreateSymbolicLink(Path.Join(Ctx, "leak"), Path.Join(_dir, "outside/secret.txt"));
        Directory.CreateSymbolicLink(Path.Join(Ctx, "leakdir"), Path.Join(_dir, "outside"));
        File.CreateSymbolicLink(Path.Join(Ctx, "rel"), "hello.txt");
        var entries = Entries(Prepare("ctx").Body);
        Assert.Equal(["Dockerfile", "hello.txt", "leak", "leakdir", "rel", "sub/", "sub/s.txt"], entries.Select(e => e.Name));
        Assert.Equal((TarEntryType.SymbolicLink, Path.Join(_dir, "outside/secret.txt"), ""), entries.Where(e => e.Name == "leak").Select(e => (e.Type, e.Link, e.Data)).Single());
        Assert.Equal((TarEntryType.SymbolicLink, Path.Join(_dir, "outside")), entries.Where(e => e.Name == "leakdir").Select(e => (e.Type, e.Link)).Single());
        Assert.Equal("hello.txt", entries.Single(e => e.Name == "rel").Link);
        Assert.DoesNotContain(entries, e => e.Data.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public void HardLinksPointAtTheFirstName()
    {
        RecordedContext();
        Assert.Equal(0, Berth.Linux.LibC.linkat(Berth.Linux.LibC.AT_FDCWD, Path.Join(Ctx, "hello.txt"), Berth.Linux.LibC.AT_FDCWD, Path.Join(Ctx, "sub/again.txt"), 0));
        var entries = Entries(Prepare("ctx").Body);
        var link = entries.Single(e => e.Name == "sub/again.txt");
        Assert.Equal((TarEntryType.HardLink, "hello.txt"), (link.Type, link.Link));
    }

    [Fact]
    public void SymlinkedContextDirectoryIsResolved()
    {
        RecordedContext();
        Directory.CreateSymbolicLink(Path.Join(_dir, "via"), Ctx);
        Assert.Equal(["Dockerfile", "hello.txt", "sub/", "sub/s.txt"], Entries(Prepare("via").Body).Select(e => e.Name));
    }

    [Fact]
    public void DockerfileFromStdinIsAppendedUnderARandomName()
    {
        // build-fail.txt: `-f -` adds .dockerfile.<20 hex> (mode 600) and names it in the .dockerignore sent.
        RecordedContext();
        var prepared = Prepare("ctx", "-", Encoding.UTF8.GetBytes("FROM busybox:local\nRUN exit 9\n"));
        Assert.Matches("^\\.dockerfile\\.[0-9a-f]{20}$", prepared.RelDockerfile);
        var entries = Entries(prepared.Body);
        Assert.Equal(["Dockerfile", "hello.txt", "sub/", "sub/s.txt", ".dockerignore", prepared.RelDockerfile], entries.Select(e => e.Name));
        var ignore = entries[^2];
        Assert.Equal((0b110_000_000, ".dockerignore\n" + prepared.RelDockerfile + "\n"), (ignore.Mode, ignore.Data));
        var dockerfile = entries[^1];
        Assert.Equal((0b110_000_000, 0, 0, "FROM busybox:local\nRUN exit 9\n"), (dockerfile.Mode, dockerfile.Uid, dockerfile.Gid, dockerfile.Data));
    }

    [Fact]
    public void DockerfileOutsideTheContextIsSentInside()
    {
        RecordedContext();
        WriteFile("elsewhere/Dockerfile.dev", "FROM scratch\n");
        var prepared = Prepare("ctx", "elsewhere/Dockerfile.dev");
        Assert.StartsWith(".dockerfile.", prepared.RelDockerfile, StringComparison.Ordinal);
        var entries = Entries(prepared.Body);
        Assert.Equal("FROM scratch\n", entries.Single(e => e.Name == prepared.RelDockerfile).Data);
        Assert.DoesNotContain(entries, e => e.Name.Contains("Dockerfile.dev", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ctx/sub/s.txt", "sub/s.txt")]
    [InlineData("ctx/./hello.txt", "hello.txt")]
    public void DockerfileInsideTheContextIsNamedRelativeToIt(string flag, string rel)
    {
        // compat(docker): -f is taken from the working directory, not from the context.
        RecordedContext();
        Assert.Equal(rel, Prepare("ctx", flag).RelDockerfile);
    }

    [Fact]
    public void LowercaseDockerfileIsTheFallback()
    {
        WriteFile("ctx/dockerfile", "FROM scratch\n");
        Assert.Equal("dockerfile", Prepare("ctx").RelDockerfile);
    }

    [Fact]
    public void SymlinkedDockerfileResolvesToItsTarget()
    {
        RecordedContext();
        WriteFile("elsewhere/Real", "FROM scratch\n");
        File.CreateSymbolicLink(Path.Join(Ctx, "Linked"), Path.Join(_dir, "elsewhere/Real"));
        var prepared = Prepare("ctx", "ctx/Linked");
        Assert.Equal("FROM scratch\n", Entries(prepared.Body).Single(e => e.Name == prepared.RelDockerfile).Data);
    }

    [Fact]
    public void CompressedContextIsGzip()
    {
        RecordedContext();
        var gz = Prepare("ctx", compress: true).Body;
        Assert.Equal(["Dockerfile", "hello.txt", "sub/", "sub/s.txt"], Entries(new GZipStream(gz, CompressionMode.Decompress)).Select(e => e.Name));
    }

    [Fact]
    public void StdinArchiveIsPassedThroughUnchanged()
    {
        var tar = new MemoryStream();
        using (var w = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
        {
            w.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, "Dockerfile") { DataStream = new MemoryStream("FROM scratch\n"u8.ToArray()) });
        }
        var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        {
            z.Write(tar.ToArray());
        }
        foreach (var bytes in new[] { tar.ToArray(), gz.ToArray() })
        {
            var prepared = Prepare("-", "", bytes);
            Assert.Equal("", prepared.RelDockerfile);
            var sent = new MemoryStream();
            prepared.Body.CopyTo(sent);
            Assert.Equal(bytes, sent.ToArray());
        }
        Assert.Equal("sub/Dockerfile", Prepare("-", "sub/Dockerfile", tar.ToArray()).RelDockerfile);
    }

    [Theory]
    [InlineData("FROM busybox:local\nRUN echo hi\n")]
    [InlineData("")]
    public void StdinDockerfileIsTheWholeContext(string dockerfile)
    {
        var prepared = Prepare("-", "", Encoding.UTF8.GetBytes(dockerfile));
        Assert.Equal("Dockerfile", prepared.RelDockerfile);
        var entry = Assert.Single(Entries(prepared.Body));
        Assert.Equal((TarEntryType.RegularFile, "Dockerfile", 0b110_100_100, dockerfile), (entry.Type, entry.Name, entry.Mode, entry.Data));
    }

    [Theory]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0 }, true)]
    [InlineData(new byte[] { (byte)'B', (byte)'Z', (byte)'h', (byte)'9' }, true)]
    [InlineData(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 }, true)]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, true)]
    [InlineData(new byte[] { (byte)'F', (byte)'R', (byte)'O', (byte)'M' }, false)]
    [InlineData(new byte[0], false)]
    public void DetectsArchivesAsTheCliDoes(byte[] head, bool archive) => Assert.Equal(archive, ArchiveDetector.IsArchive(head));

    [Fact]
    public void AZeroBlockIsNoArchiveAndABadChecksumNeither()
    {
        Assert.False(ArchiveDetector.IsArchive(new byte[1024]));
        var tar = new MemoryStream();
        using (var w = new TarWriter(tar, TarEntryFormat.V7, leaveOpen: true))
        {
            w.WriteEntry(new V7TarEntry(TarEntryType.V7RegularFile, "Dockerfile"));
        }
        var bytes = tar.ToArray();
        Assert.True(ArchiveDetector.IsArchive(bytes));
        bytes[0] ^= 1;
        Assert.False(ArchiveDetector.IsArchive(bytes));
    }

    [Fact]
    public void PreparationErrorsUseTheCliWords()
    {
        RecordedContext();
        WriteFile("plain.txt", "x");
        Assert.Equal("path \"nope\" not found", Assert.Throws<ContextException>(() => Prepare("nope")).Message);
        Assert.Equal("context must be a directory: " + Path.Join(_dir, "plain.txt"), Assert.Throws<ContextException>(() => Prepare("plain.txt")).Message);
        Assert.Equal($"unable to evaluate symlinks in Dockerfile path: lstat {Ctx}/Missing: no such file or directory",
            Assert.Throws<ContextException>(() => Prepare("ctx", "ctx/Missing")).Message);
        Assert.Equal($"unable to evaluate symlinks in Dockerfile path: lstat {_dir}/nodir: no such file or directory",
            Assert.Throws<ContextException>(() => Prepare("ctx", "nodir/Dockerfile")).Message);
        Directory.CreateDirectory(Path.Join(_dir, "empty"));
        Assert.Equal($"unable to evaluate symlinks in Dockerfile path: lstat {_dir}/empty/Dockerfile: no such file or directory",
            Assert.Throws<ContextException>(() => Prepare("empty")).Message);
        Assert.Equal("ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles",
            Assert.Throws<ContextException>(() => Prepare("-", "Dockerfile", "FROM scratch\n"u8.ToArray())).Message);
        Assert.Equal("invalid argument: can't use stdin for both build context and dockerfile",
            Assert.Throws<StatusException>(() => Prepare("-", "-")).Message);
    }

    [Fact]
    public void UnreadableFilesAreRefusedBeforeSending()
    {
        if (Environment.UserName == "root")
        {
            return; // root reads everything
        }
        RecordedContext();
        WriteFile("ctx/locked.txt", "x", UnixFileMode.None);
        var e = Assert.Throws<StatusException>(() => Prepare("ctx"));
        Assert.Equal($"error checking context: no permission to read from '{Ctx}/locked.txt'", e.Message);
    }

    [Fact]
    public void HostPathRelMatchesGo()
    {
        Assert.Equal("Dockerfile", HostPaths.Rel("/a/ctx", "/a/ctx/Dockerfile"));
        Assert.Equal("../other/Dockerfile", HostPaths.Rel("/a/ctx", "/a/other/Dockerfile"));
        Assert.Equal("../../x", HostPaths.Rel("/a/ctx", "/x"));
        Assert.Equal("a/ctx/D", HostPaths.Rel("/", "/a/ctx/D"));
    }
}

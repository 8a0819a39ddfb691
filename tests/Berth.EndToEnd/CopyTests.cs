using System.Formats.Tar;
using System.Text;
using Berth.EndToEnd.Infrastructure;

namespace Berth.EndToEnd;

/// <summary>docker cp both ways, running and stopped, through both clients: files, directories, ownership, tar
/// on stdin and stdout, symlinks that point out of the container, and Docker's errors. Nothing may stay mounted.</summary>
[Collection(BerthCollection.Name)]
public sealed class CopyTests(BerthEngine engine)
{
    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void CopiesAFileIntoARunningContainerWhichSeesIt(string client)
    {
        var name = $"cp-running-{client}";
        // -s, not -f: cp creates the file, then writes it (as Docker's does), and the loop may look in between.
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c",
            "echo ready; while [ ! -s /tmp/in.txt ]; do sleep 0.1; done; cat /tmp/in.txt; sleep 100").Ok();
        engine.WaitForLog(name, "ready");
        var file = engine.Scratch("in.txt");
        File.WriteAllText(file, "copied-in\n");

        Assert.Equal("", engine.Cli(client, "cp", file, name + ":/tmp/in.txt").Ok());

        engine.WaitForLog(name, "copied-in");
        var outDir = engine.Scratch("out");
        Directory.CreateDirectory(outDir);
        engine.Cli(client, "cp", name + ":/tmp/in.txt", outDir).Ok();
        Assert.Equal("copied-in\n", File.ReadAllText(Path.Join(outDir, "in.txt")));
        AssertNothingMountedForCopies();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void CopiesADirectoryBothWaysWhileTheContainerIsStopped(string client)
    {
        var name = $"cp-stopped-{client}";
        engine.Cli(client, "create", "--name", name, "busybox", "true").Ok();
        var dir = engine.Scratch("dir");
        Directory.CreateDirectory(Path.Join(dir, "sub"));
        File.WriteAllText(Path.Join(dir, "a.txt"), "a");
        File.WriteAllText(Path.Join(dir, "sub", "b.txt"), "b");

        // The destination does not exist: the directory takes its name.
        engine.Cli(client, "cp", dir, name + ":/tmp/copied").Ok();
        // It exists now: the directory goes inside it.
        engine.Cli(client, "cp", dir, name + ":/tmp/copied").Ok();

        var back = engine.Scratch("back");
        engine.Cli(client, "cp", name + ":/tmp/copied", back).Ok();
        Assert.Equal("a", File.ReadAllText(Path.Join(back, "a.txt")));
        Assert.Equal("b", File.ReadAllText(Path.Join(back, "sub", "b.txt")));
        Assert.Equal("b", File.ReadAllText(Path.Join(back, Path.GetFileName(dir), "sub", "b.txt")));

        // "/." copies the content, not the directory.
        var contents = engine.Scratch("contents");
        Directory.CreateDirectory(contents);
        engine.Cli(client, "cp", name + ":/tmp/copied/sub/.", contents).Ok();
        Assert.Equal(["b.txt"], Directory.GetFileSystemEntries(contents).Select(Path.GetFileName));
        AssertNothingMountedForCopies();

        // The copy survives a start: it is in the container's own layer.
        engine.Cli(client, "start", name).Ok();
        Assert.Equal("0", engine.Cli(client, "wait", name).Ok());
        Assert.Equal(["sub/b.txt"], TarNames(engine.Cli(client, "cp", name + ":/tmp/copied/sub", "-").ExpectExit(0).StdoutBytes).Where(n => n.EndsWith(".txt", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void CopiesTarFromStdinAndToStdout(string client)
    {
        var name = $"cp-stdio-{client}";
        engine.Cli(client, "create", "--name", name, "busybox", "true").Ok();
        var tar = engine.Scratch("in.tar");
        using (var file = File.Create(tar))
        using (var writer = new TarWriter(file, TarEntryFormat.Ustar))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, "fromstdin/") { Mode = (UnixFileMode)0x1ed });
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "fromstdin/x.txt") { DataStream = new MemoryStream("stdin data"u8.ToArray()), Mode = (UnixFileMode)0x1a4 });
        }

        Assert.Equal("", engine.CliWithStdin(client, tar, "cp", "-", name + ":/tmp").Ok());

        var output = engine.Cli(client, "cp", name + ":/tmp/fromstdin", "-").ExpectExit(0);
        var entries = ReadTar(output.StdoutBytes);
        Assert.Equal(["fromstdin/", "fromstdin/x.txt"], entries.Select(e => e.Name));
        Assert.Equal("stdin data", entries[1].Text);

        // A tar on stdin needs a directory to land in.
        var onFile = engine.CliWithStdin(client, tar, "cp", "-", name + ":/etc/passwd").ExpectExit(1);
        Assert.Equal($"destination \"{name}:/etc/passwd\" must be a directory", onFile.Stderr.Trim().Replace("berth: ", "", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ArchiveModeFollowsDockersOwnershipRule(string client)
    {
        var plain = $"cp-owner-{client}";
        var withUser = $"cp-owner-user-{client}";
        engine.Cli(client, "create", "--name", plain, "busybox", "true").Ok();
        engine.Cli(client, "create", "--name", withUser, "--user", "nobody", "busybox", "true").Ok();
        var file = engine.Scratch("owned.txt");
        File.WriteAllText(file, "owned");
        ProcessRunner.Run("chown", ["1234:5678", file]).Ok();

        // compat(docker): the archive's uid/gid are kept with or without -a...
        engine.Cli(client, "cp", file, plain + ":/tmp/kept.txt").Ok();
        engine.Cli(client, "cp", "-a", file, plain + ":/tmp/archived.txt").Ok();
        engine.Cli(client, "cp", file, withUser + ":/tmp/kept.txt").Ok();
        // ...and -a gives everything to the container's user when it has one.
        engine.Cli(client, "cp", "-a", file, withUser + ":/tmp/archived.txt").Ok();

        Assert.Equal((1234, 5678), Owner(client, plain, "/tmp/kept.txt"));
        Assert.Equal((1234, 5678), Owner(client, plain, "/tmp/archived.txt"));
        Assert.Equal((1234, 5678), Owner(client, withUser, "/tmp/kept.txt"));
        Assert.Equal((65534, 65534), Owner(client, withUser, "/tmp/archived.txt"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void LinksOutOfTheContainerResolveInsideIt(string client)
    {
        var name = $"cp-escape-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sh", "-c",
            "ln -s / /escape; ln -s ../../.. /tmp/up; ln -s /etc /tmp/etc-abs; echo container-secret > /etc/shadow; echo ready; sleep 100").Ok();
        engine.WaitForLog(name, "ready");
        var hostShadow = File.ReadAllBytes("/etc/shadow");
        var hostShadowTime = File.GetLastWriteTimeUtc("/etc/shadow");

        // Reads through the links give the container's file, never the host's.
        foreach (var path in new[] { "/escape/etc/shadow", "/tmp/up/etc/shadow", "/tmp/etc-abs/shadow", "/tmp/up/escape/tmp/up/etc/shadow" })
        {
            var entries = ReadTar(engine.Cli(client, "cp", name + ":" + path, "-").ExpectExit(0).StdoutBytes);
            Assert.Equal("container-secret\n", Assert.Single(entries).Text);
        }
        var outDir = engine.Scratch("escape-out");
        Directory.CreateDirectory(outDir);
        engine.Cli(client, "cp", name + ":/escape/etc/shadow", outDir).Ok();
        Assert.Equal("container-secret\n", File.ReadAllText(Path.Join(outDir, "shadow")));

        // Writes through them land in the container.
        var file = engine.Scratch("dropped.txt");
        File.WriteAllText(file, "dropped");
        var hostMarker = "/tmp/dropped.txt";
        Assert.False(File.Exists(hostMarker), "the host's " + hostMarker + " exists before the test");
        engine.Cli(client, "cp", file, name + ":/escape/tmp/dropped.txt").Ok();
        engine.Cli(client, "cp", file, name + ":/tmp/up/root/dropped.txt").Ok();
        Assert.False(File.Exists(hostMarker));
        Assert.False(File.Exists("/root/dropped.txt"));
        Assert.Equal("dropped", Assert.Single(ReadTar(engine.Cli(client, "cp", name + ":/tmp/dropped.txt", "-").ExpectExit(0).StdoutBytes)).Text);
        Assert.Equal("dropped", Assert.Single(ReadTar(engine.Cli(client, "cp", name + ":/root/dropped.txt", "-").ExpectExit(0).StdoutBytes)).Text);

        Assert.Equal(hostShadow, File.ReadAllBytes("/etc/shadow"));
        Assert.Equal(hostShadowTime, File.GetLastWriteTimeUtc("/etc/shadow"));
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void AHostileTarOnStdinWritesNothingOutside(string client)
    {
        var name = $"cp-hostile-{client}";
        engine.Cli(client, "create", "--name", name, "busybox", "true").Ok();
        var victim = engine.Scratch("victim");
        Directory.CreateDirectory(victim);
        var cases = new (string Name, Action<TarWriter> Write)[]
        {
            ("dotdot", w => w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "../../../../../../" + victim.TrimStart('/') + "/pwned") { DataStream = new MemoryStream("x"u8.ToArray()) })),
            ("symlink-then-write", w =>
            {
                w.WriteEntry(new UstarTarEntry(TarEntryType.SymbolicLink, "l") { LinkName = victim });
                w.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "l/pwned") { DataStream = new MemoryStream("x"u8.ToArray()) });
            }),
            ("hardlink-to-passwd", w => w.WriteEntry(new UstarTarEntry(TarEntryType.HardLink, "h") { LinkName = "/etc/passwd" })),
        };
        var passwdLinks = new FileInfo("/etc/passwd").Length;
        foreach (var (caseName, write) in cases)
        {
            var tar = engine.Scratch(caseName + ".tar");
            using (var file = File.Create(tar))
            using (var writer = new TarWriter(file, TarEntryFormat.Ustar))
            {
                write(writer);
            }
            var result = engine.CliWithStdin(client, tar, "cp", "-", name + ":/tmp");
            Assert.Empty(Directory.GetFileSystemEntries(victim));
            if (caseName == "hardlink-to-passwd")
            {
                // The link is taken inside the target, where /etc/passwd does not exist.
                result.ExpectExit(1);
                Assert.Contains("Error response from daemon: ", result.Stderr, StringComparison.Ordinal);
            }
        }
        Assert.Equal(passwdLinks, new FileInfo("/etc/passwd").Length);
        AssertNothingMountedForCopies();
    }

    [Theory]
    [InlineData("docker")]
    [InlineData("berth")]
    public void ErrorsAreDockers(string client)
    {
        var name = $"cp-errors-{client}";
        engine.Cli(client, "run", "-d", "--name", name, "busybox", "sleep", "100").Ok();
        var file = engine.Scratch("f.txt");
        File.WriteAllText(file, "f");
        var dir = engine.Scratch("d");
        Directory.CreateDirectory(dir);
        var outDir = engine.Scratch("errors-out");
        Directory.CreateDirectory(outDir);

        var missing = engine.Cli(client, "cp", name + ":/nonexistent", outDir).ExpectExit(1);
        Assert.Equal($"Error response from daemon: Could not find the file /nonexistent in container {name}", missing.Stderr.Trim());

        var missingParent = engine.Cli(client, "cp", dir, name + ":/nowhere/d").ExpectExit(1);
        Assert.Equal($"Error response from daemon: Could not find the file /nowhere in container {name}", missingParent.Stderr.Trim());

        var noDir = engine.Cli(client, "cp", file, name + ":/nowhere/").ExpectExit(1);
        // As below: the CLI may log its tar goroutine's "closed pipe" after the error.
        Assert.Contains("no such directory", noDir.Stderr, StringComparison.Ordinal);

        var dirOntoFile = engine.Cli(client, "cp", dir, name + ":/etc/passwd").ExpectExit(1);
        // The docker CLI may log its own tar goroutine's "closed pipe" after the error: the error is what counts.
        Assert.Contains("cannot copy directory", dirOntoFile.Stderr, StringComparison.Ordinal);

        var noContainer = engine.Cli(client, "cp", file, "no-such-container-cp:/tmp").ExpectExit(1);
        Assert.Contains("No such container: no-such-container-cp", noContainer.Stderr, StringComparison.Ordinal);

        var both = engine.Cli(client, "cp", name + ":/a", name + ":/b").ExpectExit(1);
        Assert.EndsWith("copying between containers is not supported", both.Stderr.Trim(), StringComparison.Ordinal);
        AssertNothingMountedForCopies();
    }

    private (int Uid, int Gid) Owner(string client, string container, string path)
    {
        var entry = Assert.Single(ReadTar(engine.Cli(client, "cp", container + ":" + path, "-").ExpectExit(0).StdoutBytes));
        return (entry.Uid, entry.Gid);
    }

    /// <summary>A stopped container's rootfs is mounted for a copy and unmounted after; the client may see the end
    /// of the archive a moment before the daemon has cleaned up, so this waits briefly.</summary>
    private void AssertNothingMountedForCopies()
    {
        var archiveDir = Path.Join(engine.Daemon.ExecRoot, "archive");
        Poll.Until("no rootfs mounted for a copy under " + archiveDir,
            () => (Mounts: HostTraces.MountPoints(engine.Daemon).Where(m => m.StartsWith(archiveDir + "/", StringComparison.Ordinal)).ToList(),
                Dirs: Directory.Exists(archiveDir) ? Directory.GetFileSystemEntries(archiveDir) : []),
            r => r.Mounts.Count == 0 && r.Dirs.Length == 0);
    }

    internal sealed record TarItem(string Name, int Uid, int Gid, string Text);

    internal static List<TarItem> ReadTar(byte[] bytes)
    {
        var list = new List<TarItem>();
        using var reader = new TarReader(new MemoryStream(bytes));
        while (reader.GetNextEntry() is { } e)
        {
            list.Add(new TarItem(e.Name, e.Uid, e.Gid, e.DataStream is null ? "" : new StreamReader(e.DataStream, Encoding.UTF8).ReadToEnd()));
        }
        return list;
    }

    private static IEnumerable<string> TarNames(byte[] bytes) => ReadTar(bytes).Select(e => e.Name);
}

using Berth.Linux;

namespace Berth.Snapshots.Tests;

/// <summary>TreeCopier against <c>cp -a</c>'s promises, on real files as root.</summary>
public sealed class TreeCopierTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Src => _dir.Join("src");
    private string Dst => _dir.Join("dst");

    private static readonly DateTimeOffset FileTime = new DateTimeOffset(2001, 2, 3, 4, 5, 6, TimeSpan.Zero).AddTicks(1234567);
    private static readonly DateTimeOffset DirTime = new DateTimeOffset(2002, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(7654321);
    private static readonly DateTimeOffset LinkTime = new DateTimeOffset(2003, 4, 5, 6, 7, 8, TimeSpan.Zero);

    // A capability set: cap_net_bind_service permitted and effective (VFS_CAP_REVISION_2).
    private static readonly byte[] NetBindCaps = [0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private void BuildSource()
    {
        Directory.CreateDirectory(Path.Join(Src, "dir", "nested"));
        File.WriteAllText(Path.Join(Src, "plain"), "plain content");
        Fs.Lchown(Path.Join(Src, "plain"), 1234, 5678);
        Fs.Chmod(Path.Join(Src, "plain"), 0x1a0); // 0640

        File.WriteAllText(Path.Join(Src, "setuid"), "#!/bin/sh\n");
        Fs.Lchown(Path.Join(Src, "setuid"), 1000, 1000);
        Fs.Chmod(Path.Join(Src, "setuid"), 0x9ed); // 04755

        File.WriteAllText(Path.Join(Src, "setgid"), "x");
        Fs.Lchown(Path.Join(Src, "setgid"), 0, 42);
        Fs.Chmod(Path.Join(Src, "setgid"), 0x5ed); // 02755

        File.WriteAllText(Path.Join(Src, "capable"), "binary");
        Fs.SetXattr(Path.Join(Src, "capable"), "security.capability", NetBindCaps);

        Directory.CreateDirectory(Path.Join(Src, "sticky"));
        Fs.Chmod(Path.Join(Src, "sticky"), 0x3ff); // 01777
        Directory.CreateDirectory(Path.Join(Src, "private"));
        Fs.Lchown(Path.Join(Src, "private"), 33, 33);
        Fs.Chmod(Path.Join(Src, "private"), 0x1c0); // 0700

        File.WriteAllText(Path.Join(Src, "dir", "nested", "deep"), "deep");
        Fs.Link(Path.Join(Src, "plain"), Path.Join(Src, "dir", "hard"));
        Fs.Link(Path.Join(Src, "plain"), Path.Join(Src, "dir", "nested", "hard2"));

        File.CreateSymbolicLink(Path.Join(Src, "rel-link"), "dir/nested/deep");
        File.CreateSymbolicLink(Path.Join(Src, "dangling"), "/does/not/exist");
        File.CreateSymbolicLink(Path.Join(Src, "dir-link"), "dir");
        Fs.Lchown(Path.Join(Src, "rel-link"), 7, 8);

        Fs.Mknod(Path.Join(Src, "fifo"), LibC.S_IFIFO | 0x180, 0); // 0600
        Fs.Mknod(Path.Join(Src, "null"), LibC.S_IFCHR | 0x1b6, (1ul << 8) | 3); // c 1:3, 0666

        // Read-only directory with children: the copy must still fill it.
        File.WriteAllText(Path.Join(Src, "dir", "nested", "ro-child"), "c");
        Fs.Chmod(Path.Join(Src, "dir", "nested"), 0x16d); // 0555

        Fs.Lutimes(Path.Join(Src, "plain"), FileTime, FileTime);
        Fs.Lutimes(Path.Join(Src, "rel-link"), LinkTime, LinkTime);
        Fs.Lutimes(Path.Join(Src, "fifo"), FileTime, FileTime);
        Fs.Lutimes(Path.Join(Src, "dir", "nested"), DirTime, DirTime);
        Fs.Lutimes(Path.Join(Src, "dir"), DirTime, DirTime);
        Fs.Lutimes(Src, DirTime, DirTime);
    }

    private static List<string> Entries(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void The_copy_has_the_same_entries_types_owners_modes_and_contents()
    {
        BuildSource();
        TreeCopier.Copy(Src, Dst);
        var names = Entries(Src);
        Assert.Equal(names, Entries(Dst));
        foreach (var name in names)
        {
            var a = Fs.Lstat(Path.Join(Src, name));
            var b = Fs.Lstat(Path.Join(Dst, name));
            Assert.True(a.st_mode == b.st_mode, $"{name}: mode {a.st_mode:x} → {b.st_mode:x}");
            Assert.True(a.st_uid == b.st_uid && a.st_gid == b.st_gid, $"{name}: owner {a.st_uid}:{a.st_gid} → {b.st_uid}:{b.st_gid}");
            switch (a.st_mode & LibC.S_IFMT)
            {
                case LibC.S_IFREG:
                    Assert.Equal(File.ReadAllBytes(Path.Join(Src, name)), File.ReadAllBytes(Path.Join(Dst, name)));
                    break;
                case LibC.S_IFLNK:
                    Assert.Equal(new FileInfo(Path.Join(Src, name)).LinkTarget, new FileInfo(Path.Join(Dst, name)).LinkTarget);
                    break;
                case LibC.S_IFCHR or LibC.S_IFBLK:
                    Assert.Equal(a.st_rdev, b.st_rdev);
                    break;
            }
        }
    }

    [Fact]
    public void Setuid_and_setgid_bits_survive_the_change_of_owner()
    {
        BuildSource();
        TreeCopier.Copy(Src, Dst);
        Assert.Equal(0x9edu, Fs.Lstat(Path.Join(Dst, "setuid")).st_mode & 0xfff);
        Assert.Equal(0x5edu, Fs.Lstat(Path.Join(Dst, "setgid")).st_mode & 0xfff);
        Assert.Equal(0x3ffu, Fs.Lstat(Path.Join(Dst, "sticky")).st_mode & 0xfff);
    }

    [Fact]
    public void File_capabilities_are_copied()
    {
        BuildSource();
        TreeCopier.Copy(Src, Dst);
        Assert.Equal(NetBindCaps, Fs.GetXattr(Path.Join(Dst, "capable"), "security.capability"));
        Assert.Null(Fs.GetXattr(Path.Join(Dst, "plain"), "security.capability"));
    }

    [Fact]
    public void Hardlinks_stay_one_inode_and_symlinks_are_not_followed()
    {
        BuildSource();
        TreeCopier.Copy(Src, Dst);
        var plain = Fs.Lstat(Path.Join(Dst, "plain"));
        Assert.Equal(3ul, plain.st_nlink);
        Assert.Equal(plain.st_ino, Fs.Lstat(Path.Join(Dst, "dir", "hard")).st_ino);
        Assert.Equal(plain.st_ino, Fs.Lstat(Path.Join(Dst, "dir", "nested", "hard2")).st_ino);
        Assert.NotEqual(plain.st_ino, Fs.Lstat(Path.Join(Src, "plain")).st_ino);
        Assert.Equal("/does/not/exist", new FileInfo(Path.Join(Dst, "dangling")).LinkTarget);
        Assert.Equal(LibC.S_IFLNK, Fs.Lstat(Path.Join(Dst, "dir-link")).st_mode & LibC.S_IFMT);
        Assert.Equal(LibC.S_IFIFO, Fs.Lstat(Path.Join(Dst, "fifo")).st_mode & LibC.S_IFMT);
    }

    public static TheoryData<string, string> Timed => new()
    {
        { "regular file", "plain" },
        { "symlink", "rel-link" },
        { "fifo", "fifo" },
        { "directory with children", "dir" },
        { "read-only directory", "dir/nested" },
        { "the root", "." },
    };

    [Theory]
    [MemberData(nameof(Timed))]
    public void Modification_times_are_kept(string row, string name)
    {
        BuildSource();
        TreeCopier.Copy(Src, Dst);
        var a = Fs.Lstat(Path.Join(Src, name));
        var b = Fs.Lstat(Path.Join(Dst, name));
        Assert.True(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec,
            $"{row}: {a.st_mtim.tv_sec}.{a.st_mtim.tv_nsec:d9} → {b.st_mtim.tv_sec}.{b.st_mtim.tv_nsec:d9}");
    }

    [Fact]
    public void Nanosecond_times_are_kept_exactly()
    {
        Directory.CreateDirectory(Src);
        var f = Path.Join(Src, "f");
        File.WriteAllText(f, "x");
        // utimensat straight from touch(1): a time no 100 ns tick can express.
        var touch = System.Diagnostics.Process.Start("touch", ["-h", "-d", "2001-02-03 04:05:06.123456789Z", f])!;
        Assert.True(touch.WaitForExit(10_000));
        Assert.Equal(123456789, Fs.Lstat(f).st_mtim.tv_nsec);
        TreeCopier.Copy(Src, Dst);
        Assert.Equal(123456789, Fs.Lstat(Path.Join(Dst, "f")).st_mtim.tv_nsec);
    }

    [Fact]
    public void Copying_into_an_existing_empty_directory_fills_it()
    {
        BuildSource();
        Directory.CreateDirectory(Dst);
        TreeCopier.Copy(Src, Dst);
        Assert.Equal(Entries(Src), Entries(Dst));
        Assert.Equal(Fs.Lstat(Src).st_mode, Fs.Lstat(Dst).st_mode);
    }
}

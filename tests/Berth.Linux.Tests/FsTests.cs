using System.Text;

namespace Berth.Linux.Tests;

/// <summary>
/// Path resolution inside a container's rootfs. The tree is hostile: symlinks and <c>..</c> that lead out of the
/// root on the host must lead nowhere, or back inside, when resolved with the root as <c>/</c>.
/// </summary>
public sealed class FsTests : IDisposable
{
    private readonly TempDir _dir = new();

    // <tmp>/secret.txt     "host"     what an escape would reach
    // <tmp>/root/          the root
    //   secret.txt         "root"     what the same name means inside
    //   dir/
    public FsTests()
    {
        File.WriteAllText(_dir.Join("secret.txt"), "host");
        Directory.CreateDirectory(_dir.Join("outside"));
        Directory.CreateDirectory(_dir.Join("root", "dir"));
        File.WriteAllText(_dir.Join("root", "secret.txt"), "root");
        File.CreateSymbolicLink(_dir.Join("root", "abs-host"), _dir.Join("secret.txt"));
        File.CreateSymbolicLink(_dir.Join("root", "abs-root"), "/secret.txt");
        File.CreateSymbolicLink(_dir.Join("root", "rel-up"), "../secret.txt");
        File.CreateSymbolicLink(_dir.Join("root", "dir", "rel-deep"), "../../../../../../../../secret.txt");
        File.CreateSymbolicLink(_dir.Join("root", "dir", "chain"), "../rel-up");
        File.CreateSymbolicLink(_dir.Join("root", "dir-host"), _dir.Path);
        File.CreateSymbolicLink(_dir.Join("root", "dir-up"), "../..");
        File.CreateSymbolicLink(_dir.Join("root", "out-abs"), _dir.Join("outside"));
        File.CreateSymbolicLink(_dir.Join("root", "out-rel"), "../outside");
        File.CreateSymbolicLink(_dir.Join("root", "in-abs"), "/dir");
        File.CreateSymbolicLink(_dir.Join("root", "in-rel"), "dir");
    }

    public void Dispose() => _dir.Dispose();

    private SafeFd OpenRoot() => Fs.Open(_dir.Join("root"), LibC.O_PATH | LibC.O_DIRECTORY);

    public static TheoryData<string, string?> Escapes => new()
    {
        // path inside the root → what it reads ("root"), or null where it leads nowhere inside
        { "/secret.txt", "root" },
        { "../secret.txt", "root" },
        { "/../../../secret.txt", "root" },
        { "dir/../../secret.txt", "root" },
        { "abs-host", null },            // an absolute host path means <root>/<that path>, which does not exist
        { "abs-root", "root" },          // an absolute link is resolved from the root
        { "rel-up", "root" },            // .. stops at the root
        { "dir/rel-deep", "root" },
        { "dir/chain", "root" },         // link to a link
        { "dir-host/secret.txt", null },
        { "dir-up/secret.txt", "root" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void TryOpenInRoot_never_leaves_the_root(string path, string? expected)
    {
        using var root = OpenRoot();
        using var fd = Fs.TryOpenInRoot(root, path, LibC.O_RDONLY);
        Assert.Equal(expected, fd is null ? null : ReadAll(fd));
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void OpenInRoot_never_leaves_the_root(string path, string? expected)
    {
        using var root = OpenRoot();
        if (expected is null)
        {
            var e = Assert.Throws<LinuxException>(() => Fs.OpenInRoot(root, path, LibC.O_RDONLY));
            Assert.Equal(LibC.ENOENT, e.Errno);
            Assert.Equal("openat2", e.Operation);
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        else
        {
            using var fd = Fs.OpenInRoot(root, path, LibC.O_RDONLY);
            Assert.Equal(expected, ReadAll(fd));
        }
    }

    [Fact]
    public void OpenInRoot_creates_files_inside_the_root_through_a_link()
    {
        using var root = OpenRoot();
        using (Fs.OpenInRoot(root, "dir-up/created.txt", LibC.O_CREAT | LibC.O_WRONLY, 0x1a4))
        {
        }
        Assert.True(File.Exists(_dir.Join("root", "created.txt")));
        Assert.False(File.Exists(Path.Join(Path.GetDirectoryName(_dir.Path), "created.txt")));
    }

    [Theory]
    [InlineData("/a/b/c", "a/b/c")]
    [InlineData("dir/x", "dir/x")]
    [InlineData("in-abs/x/y", "dir/x/y")]   // a link that stays inside is followed
    [InlineData("in-rel/x", "dir/x")]
    [InlineData("dir-up/x", "x")]           // .. of a link stops at the root
    public void MkdirAllInRoot_creates_below_the_root(string path, string created)
    {
        using var root = OpenRoot();
        using var handle = Fs.MkdirAllInRoot(root, path);
        var expected = _dir.Join("root", created);
        Assert.True(Directory.Exists(expected), expected);
        // The handle is the directory it created, not one of the same name elsewhere.
        Assert.Equal(Fs.Lstat(expected).st_ino, Fs.Fstat(handle).st_ino);
    }

    [Theory]
    [InlineData("out-abs/a/b")]
    [InlineData("out-rel/a/b")]
    [InlineData("dir-host/outside/a")]
    public void MkdirAllInRoot_through_a_link_to_the_host_stays_inside(string path)
    {
        using var root = OpenRoot();
        try
        {
            Fs.MkdirAllInRoot(root, path).Dispose();
        }
        catch (LinuxException e)
        {
            // compat(runc): runc creates the link's target inside the root (securejoin); Berth refuses a link whose
            // target does not exist inside the root. Either is safe; creating anything on the host is not.
            Assert.Equal(LibC.ENOENT, e.Errno);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir.Join("outside")));
        Assert.False(Directory.Exists(_dir.Join("a")));
    }

    [Fact]
    public void MkdirAllInRoot_refuses_dot_dot()
    {
        using var root = OpenRoot();
        var e = Assert.Throws<LinuxException>(() => Fs.MkdirAllInRoot(root, "dir/../../x"));
        Assert.Equal(LibC.EINVAL, e.Errno);
    }

    private static string ReadAll(SafeFd fd)
    {
        var buf = new byte[256];
        var n = Fs.Read(fd, buf);
        return Encoding.UTF8.GetString(buf, 0, n);
    }
}

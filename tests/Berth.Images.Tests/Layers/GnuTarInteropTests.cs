using System.Diagnostics;
using System.Security.Cryptography;
using Berth.Common;
using Berth.Linux;

namespace Berth.Images.Tests.Layers;

/// <summary>The real producer: GNU tar (and gzip) archive a tree made on disk, the layer is applied, and the result
/// must be that tree again: types, modes, owners, times, content, link targets and hardlink groups.</summary>
public sealed class GnuTarInteropTests
{
    private static readonly DateTimeOffset Epoch = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);

    [Theory]
    [InlineData("gnu", false)]
    [InlineData("posix", false)]
    [InlineData("posix", true)]
    public void Applies_what_GNU_tar_writes_as_the_tree_it_was_made_from(string format, bool gzip)
    {
        using var s = new Scratch();
        var src = s.NewDir("src");
        BuildTree(src);
        string[] xattrs = format == "posix" ? ["--xattrs", "--xattrs-include=user.*"] : [];
        var tar = Run("tar", ["--format=" + format, "--numeric-owner", .. xattrs, "-C", src, "-cf", "-", "."], null);
        var layer = gzip ? Run("gzip", ["-c"], tar) : tar;

        var result = s.Apply(layer);

        Assert.Equal(Digest.FromHash(SHA256.HashData(tar)), result.DiffId);
        Assert.Equal(tar.Length, result.UncompressedSize);
        Assert.Equal(Scratch.Tree(src), Scratch.Tree(s.Root));
        var pax = format == "posix";
        foreach (var rel in Scratch.Tree(src).Prepend(""))
        {
            AssertSameEntry(Path.Combine(src, rel), Path.Combine(s.Root, rel), rel, pax);
        }
        AssertSameHardlinkGroups(src, s.Root);
    }

    private static void BuildTree(string root)
    {
        var random = new Random(99);
        var big = new byte[3 * 1024 * 1024 + 123];
        random.NextBytes(big);
        var longDir = Path.Combine("usr", "share", new string('d', 90), new string('e', 90));

        Dir(root, "etc", "755");
        FileAt(root, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"u8.ToArray(), "644");
        FileAt(root, "etc/shadow", "root:*:19000:0:99999:7:::\n"u8.ToArray(), "640", 0, 42);
        Dir(root, "usr", "755");
        Dir(root, "usr/bin", "755");
        FileAt(root, "usr/bin/su", "elf"u8.ToArray(), "4755");
        FileAt(root, "usr/bin/wall", "elf"u8.ToArray(), "2755", 0, 5);
        FileAt(root, "usr/bin/tool", big, "755", 1000, 1000);
        FileAt(root, "usr/bin/gzip", "gz"u8.ToArray(), "755");
        Fs.Link(Path.Combine(root, "usr/bin/gzip"), Path.Combine(root, "usr/bin/gunzip"));
        Fs.Link(Path.Combine(root, "usr/bin/gzip"), Path.Combine(root, "usr/bin/zcat"));
        FileAt(root, "usr/bin/empty", [], "600");
        Fs.Symlink("/bin/dash", Path.Combine(root, "usr/bin/sh"));
        Fs.Symlink("usr/bin", Path.Combine(root, "bin"));
        Directory.CreateDirectory(Path.Combine(root, longDir));
        FileAt(root, Path.Combine(longDir, new string('f', 120)), "long"u8.ToArray(), "644");
        Fs.Symlink("../" + new string('t', 150), Path.Combine(root, longDir, "longlink"));
        Dir(root, "tmp", "1777");
        Dir(root, "run", "755");
        Fs.Mknod(Path.Combine(root, "run/initctl"), LibC.S_IFIFO | TarBuilder.Octal("600"), 0);
        Dir(root, "données", "755");
        FileAt(root, "données/café.txt", "crème"u8.ToArray(), "644");
        Dir(root, "home", "755");
        Dir(root, "home/user", "700", 1000, 1000);
        FileAt(root, "home/user/notes", "n"u8.ToArray(), "600", 1000, 1000);
        Fs.SetXattr(Path.Combine(root, "home/user/notes"), "user.mime_type", "text/plain"u8);

        // Times last, deepest first, so that setting them is not undone by adding entries.
        var i = 0;
        foreach (var rel in Scratch.Tree(root).Reverse().Append(""))
        {
            var t = Epoch.AddSeconds(i++).AddTicks(1234567);
            Fs.Lutimes(Path.Combine(root, rel.TrimEnd('/')), t, t);
        }
    }

    private static void Dir(string root, string rel, string mode, uint uid = 0, uint gid = 0)
    {
        var path = Path.Combine(root, rel);
        Directory.CreateDirectory(path);
        Fs.Lchown(path, uid, gid);
        Fs.Chmod(path, TarBuilder.Octal(mode));
    }

    private static void FileAt(string root, string rel, byte[] content, string mode, uint uid = 0, uint gid = 0)
    {
        var path = Path.Combine(root, rel);
        File.WriteAllBytes(path, content);
        Fs.Lchown(path, uid, gid);
        Fs.Chmod(path, TarBuilder.Octal(mode));
    }

    private static void AssertSameEntry(string expectedPath, string actualPath, string rel, bool subSecond)
    {
        var e = Fs.Lstat(expectedPath);
        var a = Fs.Lstat(actualPath);
        var type = e.st_mode & LibC.S_IFMT;
        Assert.True(type == (a.st_mode & LibC.S_IFMT), $"{rel}: type");
        Assert.True((e.st_uid, e.st_gid) == (a.st_uid, a.st_gid), $"{rel}: owner {a.st_uid}:{a.st_gid}");
        Assert.True(e.st_mtim.tv_sec == a.st_mtim.tv_sec, $"{rel}: mtime {a.st_mtim.tv_sec}, expected {e.st_mtim.tv_sec}");
        if (subSecond)
        {
            Assert.True(e.st_mtim.tv_nsec == a.st_mtim.tv_nsec, $"{rel}: mtime nanoseconds");
        }
        if (type == LibC.S_IFLNK)
        {
            Assert.Equal(Scratch.ReadLink(expectedPath), Scratch.ReadLink(actualPath));
            return;
        }
        Assert.True((e.st_mode & 0xfff) == (a.st_mode & 0xfff), $"{rel}: mode {Convert.ToString(a.st_mode & 0xfff, 8)}");
        if (type == LibC.S_IFREG)
        {
            Assert.True(File.ReadAllBytes(expectedPath).AsSpan().SequenceEqual(File.ReadAllBytes(actualPath)), $"{rel}: content");
            if (subSecond)
            {
                Assert.Equal(Scratch.Xattr(expectedPath, "user.mime_type"), Scratch.Xattr(actualPath, "user.mime_type"));
            }
        }
    }

    private static void AssertSameHardlinkGroups(string expected, string actual)
    {
        static string[] Groups(string root) => Scratch.Tree(root)
            .Where(p => !p.EndsWith('/'))
            .GroupBy(p => Fs.Lstat(Path.Combine(root, p)).st_ino)
            .Select(g => string.Join(",", g.Order(StringComparer.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(Groups(expected), Groups(actual));
        Assert.Contains("usr/bin/gunzip,usr/bin/gzip,usr/bin/zcat", Groups(actual));
    }

    private static byte[] Run(string file, string[] args, byte[]? stdin)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = stdin is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var output = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(output);
        var errors = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }
        copy.GetAwaiter().GetResult();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {errors.GetAwaiter().GetResult()}");
        return output.ToArray();
    }
}

using System.Formats.Tar;
using System.Security.Cryptography;
using Berth.Cli.BuildContexts;

namespace Berth.Cli.Tests;

/// <summary>
/// A context sent by digest (to a berthd): its larger files go as a <c>BERTH.sha256</c> record without data, the
/// Dockerfile and .dockerignore always whole; digests are kept between builds and taken again only when a file's
/// stat says it changed, or changed too close to its hashing to tell.
/// </summary>
public sealed class ContextDigestsTests : IDisposable
{
    private const int Big = 100 * 1024;

    private readonly string _dir = Directory.CreateTempSubdirectory("berth-ctx-digests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Ctx => Path.Join(_dir, "ctx");

    private string Cache => Path.Join(_dir, "cache");

    private byte[] Write(string rel, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        var path = Path.Join(Ctx, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return bytes;
    }

    private static ContextEntry Entry(string root, string name) =>
        new(name, Path.Join(root, name), Berth.Linux.Fs.Lstat(Path.Join(root, name)));

    [Fact]
    public void Larger_files_go_by_digest_and_the_dockerfile_and_dockerignore_whole()
    {
        var big = Write("data/big.bin", Big, 1);
        var small = Write("small.txt", 100, 2);
        // Both over the size that goes by digest: the daemon reads them before anything else, so they go whole.
        var comments = string.Concat(Enumerable.Repeat("# a comment line to make it large\n", Big / 34 + 1));
        File.WriteAllText(Path.Join(Ctx, "Dockerfile"), comments + "FROM busybox\n");
        File.WriteAllText(Path.Join(Ctx, ".dockerignore"), comments);
        var prepared = PreparedContext.Prepare(Ctx, "", new MemoryStream(), _dir, false, DateTimeOffset.UnixEpoch, Cache);

        // Read to its end first: closing the pipe early would fail the writer's last blocks.
        var body = new MemoryStream(ReadAll(prepared.Body));
        var entries = new Dictionary<string, (long Size, string? Digest)>();
        using (var reader = new TarReader(body))
        {
            while (reader.GetNextEntry() is { } e)
            {
                var length = e.DataStream is null ? 0 : ReadAll(e.DataStream).Length;
                entries[e.Name] = (length, e is PaxTarEntry p && p.ExtendedAttributes.TryGetValue("BERTH.sha256", out var d) ? d : null);
            }
        }
        Assert.Null(prepared.WriterError);
        Assert.Equal((0L, Convert.ToHexStringLower(SHA256.HashData(big))), entries["data/big.bin"]);
        Assert.Equal((100L, (string?)null), entries["small.txt"]);
        Assert.Equal((new FileInfo(Path.Join(Ctx, "Dockerfile")).Length, (string?)null), entries["Dockerfile"]);
        Assert.Equal((new FileInfo(Path.Join(Ctx, ".dockerignore")).Length, (string?)null), entries[".dockerignore"]);
        Assert.Equal(small.Length, new FileInfo(Path.Join(Ctx, "small.txt")).Length);
    }

    [Fact]
    public void A_digest_is_taken_again_only_when_the_stat_changed_or_was_too_recent_to_trust()
    {
        var first = Write("f.bin", Big, 1);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var clock = now;

        // Hashed right after it was written: recorded, but not trusted the next time (the same clock tick could
        // hide a second write).
        var d = ContextDigests.Open(Cache, Ctx, () => clock);
        Assert.Equal(Hex(first), d.Of(Entry(Ctx, "f.bin")));
        d.Save();
        d = ContextDigests.Open(Cache, Ctx, () => clock);
        d.Of(Entry(Ctx, "f.bin"));
        Assert.Equal(1, d.Hashed);

        // Hashed well after its last change: trusted while its stat stays the same.
        clock = now + 5_000_000_000;
        d = ContextDigests.Open(Cache, Ctx, () => clock);
        d.Of(Entry(Ctx, "f.bin"));
        d.Save();
        d = ContextDigests.Open(Cache, Ctx, () => clock);
        Assert.Equal(Hex(first), d.Of(Entry(Ctx, "f.bin")));
        Assert.Equal(0, d.Hashed);

        // New bytes of the same size with the old mtime put back (cp -p, tar x): the ctime still tells.
        var mtime = File.GetLastWriteTimeUtc(Path.Join(Ctx, "f.bin"));
        Thread.Sleep(20);
        var second = Write("f.bin", Big, 2);
        File.SetLastWriteTimeUtc(Path.Join(Ctx, "f.bin"), mtime);
        d = ContextDigests.Open(Cache, Ctx, () => clock);
        Assert.Equal(Hex(second), d.Of(Entry(Ctx, "f.bin")));
        Assert.Equal(1, d.Hashed);
    }

    [Fact]
    public void A_damaged_or_unwritable_cache_only_costs_hashing()
    {
        var bytes = Write("f.bin", Big, 1);
        Directory.CreateDirectory(Cache);
        var d = ContextDigests.Open(Cache, Ctx);
        d.Of(Entry(Ctx, "f.bin"));
        d.Save();
        var file = Assert.Single(Directory.GetFiles(Cache));
        File.WriteAllText(file, "1 2 3\nnot a line at all\n9 9 9 9 9 9 short f.bin\n");
        d = ContextDigests.Open(Cache, Ctx);
        Assert.Equal(Hex(bytes), d.Of(Entry(Ctx, "f.bin")));
        Assert.Equal(1, d.Hashed);

        // A cache directory that is a file: nothing is written, nothing fails.
        var blocked = Path.Join(_dir, "blocked");
        File.WriteAllText(blocked, "");
        d = ContextDigests.Open(Path.Join(blocked, "sub"), Ctx);
        Assert.Equal(Hex(bytes), d.Of(Entry(Ctx, "f.bin")));
        d.Save();
    }

    [Fact]
    public void Digests_of_a_context_not_built_for_a_month_are_dropped()
    {
        Write("f.bin", Big, 1);
        Directory.CreateDirectory(Cache);
        var old = Path.Join(Cache, "0123456789abcdef0123456789abcdef");
        var recent = Path.Join(Cache, "fedcba9876543210fedcba9876543210");
        File.WriteAllText(old, "");
        File.WriteAllText(recent, "");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow - ContextDigests.Unused - TimeSpan.FromDays(1));
        File.SetLastWriteTimeUtc(recent, DateTime.UtcNow - ContextDigests.Unused + TimeSpan.FromDays(1));
        var d = ContextDigests.Open(Cache, Ctx);
        d.Of(Entry(Ctx, "f.bin"));
        d.Save();
        Assert.False(File.Exists(old));
        Assert.True(File.Exists(recent));
        Assert.Equal(2, Directory.GetFiles(Cache).Length);
    }

    [Fact]
    public void The_cache_lives_where_xdg_says()
    {
        Assert.Equal("/x/berth/context-digests", ContextDigests.DefaultDirectory(k => k == "XDG_CACHE_HOME" ? "/x" : "/home/u"));
        Assert.Equal("/home/u/.cache/berth/context-digests", ContextDigests.DefaultDirectory(k => k == "HOME" ? "/home/u" : null));
        Assert.Equal("/var/cache/berth/context-digests", ContextDigests.DefaultDirectory(_ => null));
    }

    private static string Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static byte[] ReadAll(Stream s)
    {
        var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }
}

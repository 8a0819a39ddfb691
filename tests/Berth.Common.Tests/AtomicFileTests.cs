using System.Text;

namespace Berth.Common.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-common-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_creates_the_file_and_leaves_no_temporary()
    {
        var path = Path.Join(_dir, "config.json");
        AtomicFile.WriteText(path, "{\"a\":1}");
        Assert.Equal("{\"a\":1}", File.ReadAllText(path));
        Assert.Equal(["config.json"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_replaces_whole_and_a_reader_keeps_the_old_content()
    {
        var path = Path.Join(_dir, "state");
        AtomicFile.Write(path, "old content"u8);
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        AtomicFile.Write(path, "new"u8);
        Assert.Equal("new", File.ReadAllText(path));
        // The rename replaced the directory entry; the open file is the old inode, untouched.
        using var sr = new StreamReader(reader, Encoding.UTF8);
        Assert.Equal("old content", sr.ReadToEnd());
        Assert.Single(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public void Concurrent_writers_leave_one_complete_version()
    {
        var path = Path.Join(_dir, "contended");
        var versions = Enumerable.Range(0, 8).Select(i => new string((char)('a' + i), 4096 * (i + 1))).ToArray();
        var threads = versions.Select(v => new Thread(() =>
        {
            for (var n = 0; n < 20; n++)
            {
                AtomicFile.WriteText(path, v, durable: false);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(30))));
        Assert.Contains(File.ReadAllText(path), versions);
        Assert.Equal(["contended"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }
}

using System.Text;
using Berth.Common;

namespace Berth.Content.Tests;

public sealed class ContentStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("berth-content-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Blobs => Path.Join(_root, "blobs", "sha256");
    private string Ingest => Path.Join(_root, "ingest");

    private static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void A_written_blob_is_stored_under_its_digest_and_reads_back()
    {
        var store = new ContentStore(_root);
        var content = Bytes("layer bytes");
        using (var w = store.CreateWriter())
        {
            w.Write(content.AsSpan(0, 5));
            w.Write(content, 5, content.Length - 5);
            Assert.Equal(content.Length, w.Written);
            Assert.Equal(Digest.Of(content), w.Commit(Digest.Of(content), content.Length));
        }
        var d = Digest.Of(content);
        Assert.True(store.Exists(d));
        Assert.Equal(content.Length, store.SizeOf(d));
        Assert.Equal(content, store.ReadAll(d));
        using (var s = store.Open(d))
        {
            var ms = new MemoryStream();
            s.CopyTo(ms);
            Assert.Equal(content, ms.ToArray());
        }
        Assert.Equal(Path.Join(Blobs, d.Hex), store.PathOf(d));
        Assert.Equal([(d, (long)content.Length)], store.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Ingest));
    }

    [Fact]
    public async Task Async_writes_and_stream_writes_verify_too()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var store = new ContentStore(_root);
        var content = new byte[300_000];
        new Random(1).NextBytes(content);
        using (var w = store.CreateWriter())
        {
            await w.WriteAsync(content.AsMemory(0, 1000), cts.Token);
            await w.WriteAsync(content, 1000, content.Length - 1000, cts.Token);
            w.Commit(Digest.Of(content), content.Length);
        }
        Assert.Equal(Digest.Of(content), store.Write(new MemoryStream(content), Digest.Of(content), content.Length));
        Assert.Equal(Digest.Of(content), store.Write(content));
        Assert.Single(store.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Ingest));
    }

    public static TheoryData<string, string, long?, string> Mismatches => new()
    {
        // row, expected digest of, expected size, words of the message
        { "digest mismatch", "other content", null, "digest mismatch" },
        { "size mismatch", "the content", 3, "size mismatch" },
        { "size mismatch with the right digest", "the content", 1000, "size mismatch" },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void A_mismatch_is_refused_and_leaves_nothing(string row, string expectedOf, long? expectedSize, string words)
    {
        var store = new ContentStore(_root);
        var e = Assert.Throws<BerthException>(() => store.Write(new MemoryStream(Bytes("the content")), Digest.Of(expectedOf), expectedSize));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.True(e.Message.Contains(words, StringComparison.Ordinal), $"{row}: {e.Message}");
        Assert.Empty(Directory.EnumerateFileSystemEntries(Blobs));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Ingest));
        Assert.False(store.Exists(Digest.Of("the content")));
    }

    [Fact]
    public void An_abandoned_writer_leaves_nothing()
    {
        var store = new ContentStore(_root);
        using (var w = store.CreateWriter())
        {
            w.Write(Bytes("half a layer"));
            Assert.Single(Directory.EnumerateFileSystemEntries(Ingest));
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(Ingest));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Blobs));
    }

    [Fact]
    public void Writing_content_that_exists_keeps_one_blob()
    {
        var store = new ContentStore(_root);
        var d1 = store.Write(Bytes("same"));
        var before = File.GetLastWriteTimeUtc(store.PathOf(d1));
        var d2 = store.Write(Bytes("same"));
        Assert.Equal(d1, d2);
        Assert.Single(Directory.EnumerateFileSystemEntries(Blobs));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Ingest));
        Assert.Equal(before, File.GetLastWriteTimeUtc(store.PathOf(d1)));
    }

    [Theory]
    [InlineData(4096, 50)]
    [InlineData(2 << 20, 3)]
    public void Concurrent_writes_of_the_same_content_all_succeed_with_one_blob(int size, int rounds)
    {
        var store = new ContentStore(_root);
        var content = new byte[size];
        new Random(7).NextBytes(content);
        var errors = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        var digests = new System.Collections.Concurrent.ConcurrentBag<Digest>();
        using var start = new Barrier(8);
        var threads = Enumerable.Range(0, 8).Select(_ => new Thread(() =>
        {
            try
            {
                start.SignalAndWait(TimeSpan.FromSeconds(20));
                for (var i = 0; i < rounds; i++)
                {
                    digests.Add(store.Write(new MemoryStream(content), Digest.Of(content), content.Length));
                }
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(60))));
        Assert.Empty(errors);
        Assert.Equal(8 * rounds, digests.Count);
        Assert.All(digests, d => Assert.Equal(Digest.Of(content), d));
        Assert.Equal(content, store.ReadAll(Digest.Of(content)));
        Assert.Single(Directory.EnumerateFileSystemEntries(Blobs));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Ingest));
    }

    [Fact]
    public void Open_and_ReadAll_of_missing_content_are_NotFound()
    {
        var store = new ContentStore(_root);
        var missing = Digest.Of("never written");
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<BerthException>(() => store.Open(missing)).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<BerthException>(() => store.ReadAll(missing)).Kind);
        Assert.False(store.Exists(missing));
        Assert.Null(store.SizeOf(missing));
        Assert.False(store.Delete(missing));
    }

    [Fact]
    public void Delete_removes_the_blob_and_an_open_reader_keeps_reading()
    {
        var store = new ContentStore(_root);
        var d = store.Write(Bytes("to be deleted"));
        using var reader = store.Open(d);
        Assert.True(store.Delete(d));
        Assert.False(store.Exists(d));
        Assert.Empty(store.List());
        using var sr = new StreamReader(reader);
        Assert.Equal("to be deleted", sr.ReadToEnd());
    }

    [Fact]
    public void Stale_ingests_are_cleaned_when_the_store_opens()
    {
        var first = new ContentStore(_root);
        var kept = first.Write(Bytes("kept"));
        // A crash mid-write: the writer's file stays in ingest/.
        File.WriteAllText(Path.Join(Ingest, Ids.New()), "torn");
        File.WriteAllText(Path.Join(Ingest, "whatever"), "torn");
        var reopened = new ContentStore(_root);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Ingest));
        Assert.Equal(Bytes("kept"), reopened.ReadAll(kept));
    }

    [Fact]
    public void List_ignores_what_is_not_a_blob()
    {
        var store = new ContentStore(_root);
        var d = store.Write(Bytes("x"));
        File.WriteAllText(Path.Join(Blobs, "README"), "not a digest");
        Assert.Equal([d], store.List().Select(b => b.Digest));
    }
}

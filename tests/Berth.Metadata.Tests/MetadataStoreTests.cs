using Berth.Common;
using Microsoft.Data.Sqlite;

namespace Berth.Metadata.Tests;

public sealed class MetadataStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-metadata-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string DbPath => Path.Join(_dir, "db", "metadata.db");

    private MetadataStore Open() => new(DbPath);

    private static readonly DateTimeOffset When = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Images_are_put_read_listed_replaced_and_deleted()
    {
        using var db = Open();
        Assert.Null(db.GetImage("sha256:a"));
        db.PutImage("sha256:a", "{\"v\":1}");
        db.PutImage("sha256:b", "{\"v\":2}");
        Assert.Equal("{\"v\":1}", db.GetImage("sha256:a"));
        db.PutImage("sha256:a", "{\"v\":3}");
        Assert.Equal("{\"v\":3}", db.GetImage("sha256:a"));
        Assert.Equal([("sha256:a", "{\"v\":3}"), ("sha256:b", "{\"v\":2}")], db.ListImages().OrderBy(i => i.Id));
        db.DeleteImage("sha256:a");
        Assert.Null(db.GetImage("sha256:a"));
        Assert.Equal(["sha256:b"], db.ListImages().Select(i => i.Id));
        db.DeleteImage("sha256:missing"); // deleting nothing is no error
    }

    [Fact]
    public void Tags_point_at_images_and_move()
    {
        using var db = Open();
        db.PutImage("sha256:a", "{}");
        db.PutImage("sha256:b", "{}");
        db.SetTag("docker.io/library/busybox:latest", "sha256:a", When);
        db.SetTag("docker.io/library/alpine:3", "sha256:a", When);
        Assert.Equal("sha256:a", db.GetTag("docker.io/library/busybox:latest"));
        db.SetTag("docker.io/library/busybox:latest", "sha256:b", When.AddMinutes(1));
        Assert.Equal("sha256:b", db.GetTag("docker.io/library/busybox:latest"));
        Assert.Equal([("docker.io/library/alpine:3", "sha256:a"), ("docker.io/library/busybox:latest", "sha256:b")], db.ListTags());
        db.RemoveTag("docker.io/library/alpine:3");
        Assert.Null(db.GetTag("docker.io/library/alpine:3"));
        Assert.Single(db.ListTags());
    }

    [Fact]
    public void A_tag_of_an_unknown_image_is_refused()
    {
        using var db = Open();
        Assert.Throws<SqliteException>(() => db.SetTag("docker.io/library/x:latest", "sha256:nothing", When));
        Assert.Empty(db.ListTags());
    }

    [Fact]
    public void Containers_are_put_listed_and_deleted()
    {
        using var db = Open();
        db.PutContainer("c1", "/web", "{\"n\":1}");
        db.PutContainer("c2", "/db", "{\"n\":2}");
        db.PutContainer("c1", "/web-renamed", "{\"n\":3}");
        Assert.Equal([("c1", "{\"n\":3}"), ("c2", "{\"n\":2}")], db.ListContainers().OrderBy(c => c.Id));
        db.PutContainer("c3", "/web", "{}"); // the old name was freed by the rename
        db.DeleteContainer("c1");
        Assert.Equal(["c2", "c3"], db.ListContainers().Select(c => c.Id).Order());
    }

    [Fact]
    public void A_name_in_use_is_a_conflict_and_changes_nothing()
    {
        using var db = Open();
        db.PutContainer("c1", "/web", "{\"n\":1}");
        db.PutContainer("c2", "/db", "{\"n\":2}");
        var e = Assert.Throws<BerthException>(() => db.PutContainer("c3", "/web", "{}"));
        Assert.Equal(ErrorKind.Conflict, e.Kind);
        Assert.Contains("/web", e.Message, StringComparison.Ordinal);
        // Renaming onto a taken name is the same conflict.
        Assert.Equal(ErrorKind.Conflict, Assert.Throws<BerthException>(() => db.PutContainer("c2", "/web", "{\"n\":9}")).Kind);
        Assert.Equal([("c1", "{\"n\":1}"), ("c2", "{\"n\":2}")], db.ListContainers().OrderBy(c => c.Id));
    }

    [Fact]
    public void A_failed_transaction_leaves_nothing_of_itself()
    {
        using var db = Open();
        db.PutContainer("c0", "/taken", "{}");
        Assert.Throws<BerthException>(() => db.Transaction(tx =>
        {
            tx.PutImage("sha256:a", "{}");
            tx.SetTag("docker.io/library/a:latest", "sha256:a", When);
            tx.PutContainer("c1", "/web", "{}");
            tx.PutContainer("c2", "/taken", "{}"); // conflict: the whole transaction goes
        }));
        Assert.Null(db.GetImage("sha256:a"));
        Assert.Empty(db.ListTags());
        Assert.Equal(["c0"], db.ListContainers().Select(c => c.Id));
        // The store is usable after the rollback.
        db.Transaction(tx => tx.PutImage("sha256:b", "{}"));
        Assert.NotNull(db.GetImage("sha256:b"));
    }

    [Fact]
    public void An_exception_of_the_caller_rolls_back_too()
    {
        using var db = Open();
        Assert.Throws<InvalidOperationException>(() => db.Transaction(tx =>
        {
            tx.PutImage("sha256:a", "{}");
            throw new InvalidOperationException("changed my mind");
        }));
        Assert.Empty(db.ListImages());
    }

    [Fact]
    public void A_transaction_commits_everything_at_once()
    {
        using var db = Open();
        db.Transaction(tx =>
        {
            tx.PutImage("sha256:a", "{}");
            tx.SetTag("docker.io/library/a:latest", "sha256:a", When);
            tx.PutContainer("c1", "/web", "{}");
        });
        Assert.Equal("sha256:a", db.GetTag("docker.io/library/a:latest"));
        Assert.Single(db.ListContainers());
    }

    [Fact]
    public void Data_survives_a_reopen_and_the_database_is_in_WAL_mode()
    {
        using (var db = Open())
        {
            db.PutImage("sha256:a", "{\"v\":1}");
            db.SetTag("docker.io/library/a:latest", "sha256:a", When);
            db.PutContainer("c1", "/web", "{\"n\":1}");
        }
        using (var db = Open())
        {
            Assert.Equal("{\"v\":1}", db.GetImage("sha256:a"));
            Assert.Equal("sha256:a", db.GetTag("docker.io/library/a:latest"));
            Assert.Equal([("c1", "{\"n\":1}")], db.ListContainers());
        }
        using var raw = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        raw.Open();
        using var cmd = raw.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", cmd.ExecuteScalar() as string);
    }

    [Fact]
    public void A_second_store_on_the_same_file_sees_committed_writes()
    {
        using var writer = Open();
        using var reader = Open();
        writer.PutImage("sha256:a", "{}");
        Assert.NotNull(reader.GetImage("sha256:a"));
    }

    [Fact]
    public void A_database_of_another_schema_version_is_refused()
    {
        using (Open())
        {
        }
        using (var raw = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "UPDATE meta SET value='2' WHERE key='schema'";
            Assert.Equal(1, cmd.ExecuteNonQuery());
        }
        var e = Assert.Throws<BerthException>(Open);
        Assert.Equal(ErrorKind.FailedPrecondition, e.Kind);
        Assert.Contains("schema 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrent_writers_in_one_process_are_serialised()
    {
        using var db = Open();
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                db.Transaction(tx =>
                {
                    tx.PutImage($"sha256:{t}-{i}", "{}");
                    tx.PutContainer($"c{t}-{i}", $"/n{t}-{i}", "{}");
                });
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(60))));
        Assert.Equal(200, db.ListImages().Count);
        Assert.Equal(200, db.ListContainers().Count);
    }
}

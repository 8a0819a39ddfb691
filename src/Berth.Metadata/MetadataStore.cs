using Berth.Common;
using Microsoft.Data.Sqlite;

namespace Berth.Metadata;

/// <summary>
/// The engine's SQLite database (WAL): images, tags and containers as JSON documents keyed by id. One writer
/// at a time; every change is one transaction, so a crash leaves the database as it was before or after it.
/// </summary>
public sealed class MetadataStore : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _db;
    private readonly Lock _lock = new();

    public MetadataStore(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        Exec("PRAGMA journal_mode=WAL");
        Exec("PRAGMA synchronous=NORMAL");
        Exec("PRAGMA busy_timeout=5000");
        Exec("PRAGMA foreign_keys=ON");
        Exec("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS images (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS tags (reference TEXT PRIMARY KEY, image_id TEXT NOT NULL REFERENCES images(id), tagged_at TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
            """);
        var version = Scalar("SELECT value FROM meta WHERE key='schema'");
        if (version is null)
        {
            Exec($"INSERT INTO meta (key, value) VALUES ('schema', '{SchemaVersion}')");
        }
        else if (version != SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw new BerthException(ErrorKind.FailedPrecondition, $"metadata database {path} has schema {version}; this berthd knows {SchemaVersion}");
        }
    }

    public void Dispose() => _db.Dispose();

    /// <summary>Runs <paramref name="work"/> in one transaction.</summary>
    public void Transaction(Action<MetadataStore> work)
    {
        lock (_lock)
        {
            using var tx = _db.BeginTransaction();
            _current = tx;
            try
            {
                work(this);
                tx.Commit();
            }
            finally
            {
                _current = null;
            }
        }
    }

    private SqliteTransaction? _current;

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = _current;
        foreach (var (name, value) in args)
        {
            cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        return cmd;
    }

    private void Exec(string sql, params (string, object?)[] args)
    {
        lock (_lock)
        {
            using var cmd = Command(sql, args);
            cmd.ExecuteNonQuery();
        }
    }

    private string? Scalar(string sql, params (string, object?)[] args)
    {
        lock (_lock)
        {
            using var cmd = Command(sql, args);
            return cmd.ExecuteScalar() as string;
        }
    }

    private List<(string, string)> Pairs(string sql, params (string, object?)[] args)
    {
        lock (_lock)
        {
            using var cmd = Command(sql, args);
            using var r = cmd.ExecuteReader();
            var list = new List<(string, string)>();
            while (r.Read())
            {
                list.Add((r.GetString(0), r.GetString(1)));
            }
            return list;
        }
    }

    // Images: the document is the engine's image record; the id is the config digest.
    public void PutImage(string id, string doc) =>
        Exec("INSERT INTO images (id, doc) VALUES ($id, $doc) ON CONFLICT(id) DO UPDATE SET doc=excluded.doc", ("$id", id), ("$doc", doc));

    public string? GetImage(string id) => Scalar("SELECT doc FROM images WHERE id=$id", ("$id", id));

    public List<(string Id, string Doc)> ListImages() => Pairs("SELECT id, doc FROM images");

    public void DeleteImage(string id) => Exec("DELETE FROM images WHERE id=$id", ("$id", id));

    // Tags: a normalised reference (docker.io/library/busybox:latest) names one image.
    public void SetTag(string reference, string imageId, DateTimeOffset taggedAt) =>
        Exec("INSERT INTO tags (reference, image_id, tagged_at) VALUES ($r, $i, $t) ON CONFLICT(reference) DO UPDATE SET image_id=excluded.image_id, tagged_at=excluded.tagged_at",
            ("$r", reference), ("$i", imageId), ("$t", taggedAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture)));

    public void RemoveTag(string reference) => Exec("DELETE FROM tags WHERE reference=$r", ("$r", reference));

    public string? GetTag(string reference) => Scalar("SELECT image_id FROM tags WHERE reference=$r", ("$r", reference));

    public List<(string Reference, string ImageId)> ListTags() => Pairs("SELECT reference, image_id FROM tags ORDER BY reference");

    // Containers: the document is the engine's container record; names are unique.
    public void PutContainer(string id, string name, string doc)
    {
        try
        {
            Exec("INSERT INTO containers (id, name, doc) VALUES ($id, $n, $d) ON CONFLICT(id) DO UPDATE SET name=excluded.name, doc=excluded.doc",
                ("$id", id), ("$n", name), ("$d", doc));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw BerthException.Conflict($"container name {name} is already in use");
        }
    }

    public void DeleteContainer(string id) => Exec("DELETE FROM containers WHERE id=$id", ("$id", id));

    public List<(string Id, string Doc)> ListContainers() => Pairs("SELECT id, doc FROM containers");
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Common;

namespace Berth.Snapshots;

/// <summary>
/// The on-disk bookkeeping both snapshotters share: <c>root/&lt;id&gt;/info.json</c> beside the snapshot's
/// directories. The id is the first 16 hex digits of sha256(key): short enough that overlay's lowerdir list
/// stays within a page for deep images, and a collision is detected by comparing the stored key.
/// </summary>
internal sealed class SnapshotStore
{
    private readonly Lock _lock = new();

    public SnapshotStore(string root)
    {
        Root = root;
        Directory.CreateDirectory(root);
        foreach (var dir in Directory.EnumerateDirectories(root, "tmp-*"))
        {
            Directory.Delete(dir, recursive: true); // half-made snapshots of a crash
        }
    }

    public string Root { get; }

    public Lock Gate => _lock;

    public static string IdOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];

    public string DirOf(string key) => Path.Join(Root, IdOf(key));

    public SnapshotInfo? Read(string key)
    {
        var path = Path.Join(DirOf(key), "info.json");
        if (!File.Exists(path))
        {
            return null;
        }
        var record = JsonSerializer.Deserialize(File.ReadAllBytes(path), SnapshotJson.Default.SnapshotRecord)!;
        if (record.Key != key)
        {
            throw new BerthException(ErrorKind.Unknown, $"snapshot id collision between {key} and {record.Key}");
        }
        return record.ToInfo();
    }

    public SnapshotInfo Get(string key) => Read(key) ?? throw BerthException.NotFound($"snapshot {key} does not exist");

    /// <summary>Creates the snapshot's directory atomically: built under a temporary name, then renamed.</summary>
    public string Create(string key, string? parent, SnapshotKind kind, Action<string> populate)
    {
        var dir = DirOf(key);
        if (Directory.Exists(dir))
        {
            throw new BerthException(ErrorKind.AlreadyExists, $"snapshot {key} already exists");
        }
        var tmp = Path.Join(Root, "tmp-" + Ids.New()[..16]);
        Directory.CreateDirectory(tmp);
        try
        {
            populate(tmp);
            // Only committed layers (image data) need to survive a crash byte for byte; they get theirs in Rename.
            WriteInfo(tmp, new SnapshotRecord { Key = key, Parent = parent, Kind = kind, Created = DateTimeOffset.UtcNow }, durable: false);
            Directory.Move(tmp, dir);
        }
        catch
        {
            Directory.Delete(tmp, recursive: true);
            throw;
        }
        return dir;
    }

    public void Rename(string key, string newKey, SnapshotKind kind) => Rename(key, newKey, kind, Get(key).Parent);

    /// <summary>Renames, and records <paramref name="parent"/> as the snapshot's parent.</summary>
    public void Rename(string key, string newKey, SnapshotKind kind, string? parent)
    {
        var info = Get(key);
        var from = DirOf(key);
        var to = DirOf(newKey);
        if (Directory.Exists(to))
        {
            throw new BerthException(ErrorKind.AlreadyExists, $"snapshot {newKey} already exists");
        }
        WriteInfo(from, new SnapshotRecord { Key = newKey, Parent = parent, Kind = kind, Created = info.Created });
        Directory.Move(from, to);
    }

    public IEnumerable<SnapshotInfo> List()
    {
        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            var path = Path.Join(dir, "info.json");
            if (File.Exists(path))
            {
                yield return JsonSerializer.Deserialize(File.ReadAllBytes(path), SnapshotJson.Default.SnapshotRecord)!.ToInfo();
            }
        }
    }

    /// <summary>The chain of parents, nearest first.</summary>
    public List<SnapshotInfo> Parents(string? parent)
    {
        var chain = new List<SnapshotInfo>();
        while (parent is not null)
        {
            var p = Get(parent);
            chain.Add(p);
            parent = p.Parent;
        }
        return chain;
    }

    public void Remove(string key)
    {
        var info = Get(key);
        if (List().Any(s => s.Parent == key))
        {
            throw new BerthException(ErrorKind.FailedPrecondition, $"snapshot {key} has children");
        }
        _ = info;
        var dir = DirOf(key);
        // Rename first: a crash halfway through the delete leaves a tmp- directory, swept at the next start.
        var doomed = Path.Join(Root, "tmp-" + Ids.New()[..16]);
        Directory.Move(dir, doomed);
        TreeRemover.Remove(doomed);
    }

    private static void WriteInfo(string dir, SnapshotRecord record, bool durable = true) =>
        AtomicFile.Write(Path.Join(dir, "info.json"), JsonSerializer.SerializeToUtf8Bytes(record, SnapshotJson.Default.SnapshotRecord), durable);
}

internal sealed class SnapshotRecord
{
    public string Key { get; set; } = "";
    public string? Parent { get; set; }
    public SnapshotKind Kind { get; set; }
    public DateTimeOffset Created { get; set; }

    public SnapshotInfo ToInfo() => new(Key, Parent, Kind, Created);
}

[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(SnapshotRecord))]
internal sealed partial class SnapshotJson : JsonSerializerContext;

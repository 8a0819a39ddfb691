using Berth.Common;

namespace Berth.Images;

/// <summary>
/// Which compressed blobs of which registry repositories hold a layer (by its diffID): learnt from pulls and pushes
/// (Docker's v2 metadata), so a push can skip a layer the repository has, or ask the registry to mount it from a
/// repository that has it, instead of compressing and sending it again. One small file a diffID.
/// </summary>
internal sealed class RemoteLayers
{
    private const int MaxEntries = 50;
    private readonly string _root;
    private readonly Lock _lock = new();

    public RemoteLayers(string root)
    {
        _root = root;
        Directory.CreateDirectory(root);
    }

    public sealed record Entry(string Domain, string Repository, Digest Blob, long Size);

    public IReadOnlyList<Entry> Of(Digest diffId)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Join(_root, diffId.Hex));
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        var entries = new List<Entry>();
        foreach (var line in lines)
        {
            var f = line.Split(' ');
            if (f.Length == 4 && Digest.TryParse(f[2], out var blob) && long.TryParse(f[3], out var size))
            {
                entries.Add(new Entry(f[0], f[1], blob, size));
            }
        }
        return entries;
    }

    public void Add(Digest diffId, Entry entry)
    {
        lock (_lock)
        {
            var entries = Of(diffId).Where(e => e != entry).Prepend(entry).Take(MaxEntries);
            AtomicFile.WriteText(Path.Join(_root, diffId.Hex), string.Concat(entries.Select(e => $"{e.Domain} {e.Repository} {e.Blob} {e.Size}\n")), durable: false);
        }
    }
}

using Berth.Common;

namespace Berth.Distribution.Server;

/// <summary>Garbage collection: mark what manifests reference, sweep the rest.</summary>
public sealed partial class RegistryStore
{
    /// <summary>Removes every blob no manifest of any repository references (and the links to it), and the
    /// leftovers of interrupted writes. Run it while nothing pushes: a blob pushed for a manifest not yet put
    /// is unreferenced too.</summary>
    /// <param name="uploadMaxAge">Upload sessions untouched for longer are abandoned and removed (the spec:
    /// the server SHOULD eventually time out unfinished uploads); default a week, as the reference registry.</param>
    public GcReport CollectGarbage(bool dryRun, TimeSpan? uploadMaxAge = null)
    {
        var marked = new HashSet<Digest>();
        var reposRoot = Path.Combine(Root, "repositories");
        foreach (var repo in EnumerateRepositories().ToList())
        {
            var dir = Path.Combine(RepoDir(repo), "_manifests", "sha256");
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var link in Directory.EnumerateFiles(dir))
            {
                if (!Digest.TryParse("sha256:" + Path.GetFileName(link), out var d))
                {
                    continue;
                }
                marked.Add(d);
                if (ReadProbe(d) is { } probe)
                {
                    var mediaType = File.ReadAllText(link);
                    foreach (var r in References(probe, mediaType))
                    {
                        if (Digest.TryParse(r.Digest, out var rd))
                        {
                            marked.Add(rd);
                        }
                    }
                }
            }
        }
        var removed = new List<(Digest, long)>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "blobs", "sha256"), "*", SearchOption.AllDirectories).ToList())
        {
            if (!Digest.TryParse("sha256:" + Path.GetFileName(file), out var d) || marked.Contains(d))
            {
                continue;
            }
            removed.Add((d, new FileInfo(file).Length));
            if (!dryRun)
            {
                File.Delete(file);
                var prefix = Path.GetDirectoryName(file)!;
                if (!Directory.EnumerateFileSystemEntries(prefix).Any())
                {
                    Directory.Delete(prefix);
                }
            }
        }
        if (!dryRun)
        {
            var gone = removed.Select(r => r.Item1.Hex).ToHashSet(StringComparer.Ordinal);
            foreach (var link in Directory.EnumerateFiles(reposRoot, "*", SearchOption.AllDirectories).ToList())
            {
                var parent = Path.GetDirectoryName(link)!;
                if (Path.GetFileName(parent) == "sha256" && Path.GetFileName(Path.GetDirectoryName(parent)!) == "_layers" && gone.Contains(Path.GetFileName(link)))
                {
                    File.Delete(link);
                }
            }
            foreach (var leftover in Directory.EnumerateFileSystemEntries(UploadsDir, ".*").ToList())
            {
                if (Directory.Exists(leftover))
                {
                    Directory.Delete(leftover, recursive: true);
                }
                else
                {
                    File.Delete(leftover);
                }
            }
        }
        var cutoff = DateTime.UtcNow - (uploadMaxAge ?? TimeSpan.FromDays(7));
        var abandoned = new List<string>();
        foreach (var session in Directory.EnumerateDirectories(UploadsDir))
        {
            var id = Path.GetFileName(session);
            if (Guid.TryParseExact(id, "D", out _) && File.GetLastWriteTimeUtc(Path.Combine(session, "offset")) < cutoff)
            {
                abandoned.Add(id);
                if (!dryRun)
                {
                    DeleteSession(id);
                }
            }
        }
        return new GcReport(marked.Count, removed, abandoned);
    }
}

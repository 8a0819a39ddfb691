using Berth.Common;

namespace Berth.Distribution.Server;

/// <summary>Tags, the catalog and the referrers API.</summary>
public sealed partial class RegistryStore
{
    /// <summary>The tags of <paramref name="repo"/> in lexical order, after <paramref name="last"/>, at most
    /// <paramref name="limit"/>; <c>More</c> when some were left.</summary>
    public (List<string> Tags, bool More) Tags(string repo, int limit, string? last)
    {
        if (!RepositoryExists(repo))
        {
            throw RegistryException.NameUnknown(repo);
        }
        var dir = Path.Combine(RepoDir(repo), "_tags");
        var all = Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>().Where(RepositoryName.IsValidTag)
            : [];
        return Page(all, limit, last);
    }

    public (List<string> Repositories, bool More) Repositories(int limit, string? last) => Page(EnumerateRepositories(), limit, last);

    private static (List<string>, bool) Page(IEnumerable<string> names, int limit, string? last)
    {
        if (limit <= 0)
        {
            return ([], false);
        }
        var sorted = names.Where(n => last is null || string.CompareOrdinal(n, last) > 0).Order(StringComparer.Ordinal);
        var page = new List<string>(Math.Min(limit, 1024));
        foreach (var n in sorted)
        {
            if (page.Count == limit)
            {
                return (page, true);
            }
            page.Add(n);
        }
        return (page, false);
    }

    public IEnumerable<string> EnumerateRepositories()
    {
        var root = Path.Combine(Root, "repositories");
        var pending = new Stack<string>([root]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var sub in Directory.EnumerateDirectories(dir))
            {
                var name = Path.GetFileName(sub);
                if (name.StartsWith('_'))
                {
                    continue;
                }
                var repo = Path.GetRelativePath(root, sub).Replace(Path.DirectorySeparatorChar, '/');
                if (RepositoryExists(repo))
                {
                    yield return repo;
                }
                pending.Push(sub);
            }
        }
    }

    /// <summary>The manifests of <paramref name="repo"/> whose subject is <paramref name="subject"/>, as the
    /// referrers API's descriptors (artifactType: the manifest's, else its config's media type).</summary>
    public List<DescriptorProbe> Referrers(string repo, Digest subject, string? artifactType)
    {
        var result = new List<DescriptorProbe>();
        var dir = Path.Combine(RepoDir(repo), "_referrers", subject.Hex);
        if (!Directory.Exists(dir))
        {
            return result;
        }
        foreach (var link in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            if (!Digest.TryParse("sha256:" + Path.GetFileName(link), out var d) || !File.Exists(ManifestLink(repo, d)))
            {
                continue;
            }
            var probe = ReadProbe(d);
            if (probe is null)
            {
                continue;
            }
            var type = probe.ArtifactType ?? (IsIndex(probe.MediaType ?? "") ? null : probe.Config?.MediaType);
            if (artifactType is not null && type != artifactType)
            {
                continue;
            }
            result.Add(new DescriptorProbe
            {
                MediaType = File.ReadAllText(ManifestLink(repo, d)),
                Digest = d.Value,
                Size = new FileInfo(BlobPath(d)).Length,
                ArtifactType = type,
                Annotations = probe.Annotations,
            });
        }
        return result;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>
/// One row of <c>images</c>: an image summary with one of its repository/tag/digest combinations, as the docker
/// CLI's <c>formatter.imageContext</c> shows it to templates.
/// </summary>
internal sealed class ImageRow(JsonElement summary, string repository, string tag, string digest, bool trunc, DateTimeOffset now) : IFieldSource
{
    public string TypeName => "*formatter.imageContext";

    private long Long(string name) => summary.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private string IdValue => summary.TryGetProperty("Id", out var v) ? v.GetString() ?? "" : "";

    public string ID => trunc ? ContainerRow.TruncateId(IdValue) : IdValue;

    public string Repository => repository;

    public string Tag => tag;

    public string Digest => digest;

    public string CreatedSince => HumanUnits.Ago(Long("Created"), now);

    public string CreatedAt => GoTime.UnixString(Long("Created"));

    public string Size => HumanUnits.Size(Long("Size"));

    public string Containers => Long("Containers") == -1 ? "N/A" : Long("Containers").ToString(CultureInfo.InvariantCulture);

    public string VirtualSize => HumanUnits.Size(Long("Size"), 4);

    public string SharedSize => Long("SharedSize") == -1 ? "N/A" : HumanUnits.Size(Long("SharedSize"), 4);

    public string UniqueSize => Long("Size") == -1 || Long("SharedSize") == -1 ? "N/A" : HumanUnits.Size(Long("Size") - Long("SharedSize"), 4);

    public bool TryGet(string name, IReadOnlyList<object?> args, out object? value)
    {
        value = name switch
        {
            "ID" => ID,
            "Repository" => Repository,
            "Tag" => Tag,
            "Digest" => Digest,
            "CreatedSince" => CreatedSince,
            "CreatedAt" => CreatedAt,
            "Size" => Size,
            "Containers" => Containers,
            "VirtualSize" => VirtualSize,
            "SharedSize" => SharedSize,
            "UniqueSize" => UniqueSize,
            _ => null,
        };
        return value is not null && args.Count == 0;
    }

    public void WriteJson(StringBuilder sb)
    {
        var fields = new (string, string)[]
        {
            ("Containers", Containers), ("CreatedAt", CreatedAt), ("CreatedSince", CreatedSince), ("Digest", Digest),
            ("ID", ID), ("Repository", Repository), ("SharedSize", SharedSize), ("Size", Size), ("Tag", Tag),
            ("UniqueSize", UniqueSize), ("VirtualSize", VirtualSize),
        };
        sb.Append('{');
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            GoJson.WriteString(sb, fields[i].Item1);
            sb.Append(':');
            GoJson.WriteString(sb, fields[i].Item2);
        }
        sb.Append('}');
    }

    /// <summary>
    /// docker's imageFormat: a dangling image is one "&lt;none&gt;" row; otherwise a row per repository tag (and per
    /// digest when digests are shown), then rows for digest-only repositories.
    /// </summary>
    public static List<ImageRow> Expand(JsonElement image, bool trunc, bool showDigests, bool needDigest, DateTimeOffset now)
    {
        var tags = Strings(image, "RepoTags");
        var digests = Strings(image, "RepoDigests");
        var rows = new List<ImageRow>();
        if ((tags.Count == 0 && digests.Count == 0) ||
            (tags.Count == 1 && tags[0] == "<none>:<none>" && digests.Count == 1 && digests[0] == "<none>@<none>"))
        {
            rows.Add(new ImageRow(image, "<none>", "<none>", "<none>", trunc, now));
            return rows;
        }
        var repoTags = new List<(string Repo, List<string> Tags)>();
        var repoDigests = new List<(string Repo, List<string> Digests)>();
        foreach (var t in tags)
        {
            if (ImageReference.TryParseNormalized(t, out var r, out _) && r.Tag is not null)
            {
                Bucket(repoTags, r.FamiliarName).Add(r.Tag);
            }
        }
        foreach (var d in digests)
        {
            if (ImageReference.TryParseNormalized(d, out var r, out _) && r.Digest is not null)
            {
                Bucket(repoDigests, r.FamiliarName).Add(r.Digest);
            }
        }
        foreach (var (repo, repoTagList) in repoTags)
        {
            var idx = repoDigests.FindIndex(x => x.Repo == repo);
            List<string> ds = [];
            if (idx >= 0)
            {
                ds = repoDigests[idx].Digests;
                repoDigests.RemoveAt(idx);
            }
            if (!needDigest)
            {
                ds = [];
            }
            foreach (var tag in repoTagList)
            {
                if (ds.Count == 0)
                {
                    rows.Add(new ImageRow(image, repo, tag, "<none>", trunc, now));
                    continue;
                }
                foreach (var d in ds)
                {
                    rows.Add(new ImageRow(image, repo, tag, d, trunc, now));
                }
            }
        }
        foreach (var (repo, ds) in repoDigests)
        {
            if (showDigests)
            {
                foreach (var d in ds)
                {
                    rows.Add(new ImageRow(image, repo, "<none>", d, trunc, now));
                }
            }
            else
            {
                rows.Add(new ImageRow(image, repo, "<none>", "", trunc, now));
            }
        }
        return rows;
    }

    private static List<string> Bucket(List<(string Repo, List<string> Items)> buckets, string repo)
    {
        foreach (var b in buckets)
        {
            if (b.Repo == repo)
            {
                return b.Items;
            }
        }
        var list = new List<string>();
        buckets.Add((repo, list));
        return list;
    }

    private static List<string> Strings(JsonElement e, string name)
    {
        var list = new List<string>();
        if (e.TryGetProperty(name, out var arr) && arr.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in arr.EnumerateArray())
            {
                list.Add(s.GetString() ?? "");
            }
        }
        return list;
    }
}

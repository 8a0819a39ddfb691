using System.Text;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>
/// The table header "row": docker's <c>SubHeaderContext</c>, a map from field to column title; <c>.Label "a.b-c"</c>
/// titles as "b c".
/// </summary>
internal sealed class HeaderRow(IReadOnlyDictionary<string, string> titles) : IFieldSource
{
    public static readonly Dictionary<string, string> Containers = new(StringComparer.Ordinal)
    {
        ["ID"] = "CONTAINER ID",
        ["Names"] = "NAMES",
        ["Image"] = "IMAGE",
        ["Command"] = "COMMAND",
        ["CreatedAt"] = "CREATED AT",
        ["RunningFor"] = "CREATED",
        ["Ports"] = "PORTS",
        ["State"] = "STATE",
        ["Status"] = "STATUS",
        ["Size"] = "SIZE",
        ["Labels"] = "LABELS",
        ["Mounts"] = "MOUNTS",
        ["LocalVolumes"] = "LOCAL VOLUMES",
        ["Networks"] = "NETWORKS",
        ["Platform"] = "PLATFORM",
    };

    public static readonly Dictionary<string, string> Images = new(StringComparer.Ordinal)
    {
        ["ID"] = "IMAGE ID",
        ["Repository"] = "REPOSITORY",
        ["Tag"] = "TAG",
        ["Digest"] = "DIGEST",
        ["CreatedSince"] = "CREATED",
        ["CreatedAt"] = "CREATED AT",
        ["Size"] = "SIZE",
        ["Containers"] = "CONTAINERS",
        ["VirtualSize"] = "SIZE",
        ["SharedSize"] = "SHARED SIZE",
        ["UniqueSize"] = "UNIQUE SIZE",
    };

    /// <summary><c>history</c>'s table.</summary>
    public static readonly Dictionary<string, string> History = new(StringComparer.Ordinal)
    {
        ["ID"] = "IMAGE",
        ["CreatedSince"] = "CREATED",
        ["CreatedAt"] = "CREATED AT",
        ["CreatedBy"] = "CREATED BY",
        ["Size"] = "SIZE",
        ["Comment"] = "COMMENT",
    };

    /// <summary><c>system df</c>'s summary table.</summary>
    public static readonly Dictionary<string, string> DiskUsage = new(StringComparer.Ordinal)
    {
        ["Type"] = "TYPE",
        ["TotalCount"] = "TOTAL",
        ["Active"] = "ACTIVE",
        ["Size"] = "SIZE",
        ["Reclaimable"] = "RECLAIMABLE",
    };

    /// <summary><c>system df -v</c>'s build cache table.</summary>
    public static readonly Dictionary<string, string> BuildCache = new(StringComparer.Ordinal)
    {
        ["ID"] = "CACHE ID",
        ["CacheType"] = "CACHE TYPE",
        ["Size"] = "SIZE",
        ["CreatedSince"] = "CREATED",
        ["LastUsedSince"] = "LAST USED",
        ["UsageCount"] = "USAGE",
        ["Shared"] = "SHARED",
    };

    public static readonly Dictionary<string, string> Networks = new(StringComparer.Ordinal)
    {
        ["ID"] = "NETWORK ID",
        ["Name"] = "NAME",
        ["Driver"] = "DRIVER",
        ["Scope"] = "SCOPE",
        ["IPv4"] = "IPV4",
        ["IPv6"] = "IPV6",
        ["Internal"] = "INTERNAL",
        ["Labels"] = "LABELS",
        ["CreatedAt"] = "CREATED AT",
    };

    public static readonly Dictionary<string, string> Volumes = new(StringComparer.Ordinal)
    {
        ["ID"] = "ID",
        ["Name"] = "VOLUME NAME",
        ["Group"] = "GROUP",
        ["Driver"] = "DRIVER",
        ["Scope"] = "SCOPE",
        ["Availability"] = "AVAILABILITY",
        ["Mountpoint"] = "MOUNTPOINT",
        ["Labels"] = "LABELS",
        ["Links"] = "LINKS",
        ["Size"] = "SIZE",
        ["Status"] = "STATUS",
    };

    public string TypeName => "formatter.SubHeaderContext";

    public bool TryGet(string name, IReadOnlyList<object?> args, out object? value)
    {
        if (name == "Label" && args.Count == 1 && args[0] is string label)
        {
            var parts = label.Split('.');
            value = parts[^1].Replace('-', ' ').Replace('_', ' ');
            return true;
        }
        value = titles.TryGetValue(name, out var title) ? title : NoValue.Instance;
        return true;
    }

    public void WriteJson(StringBuilder sb)
    {
        var keys = titles.Keys.ToList();
        keys.Sort(StringComparer.Ordinal);
        sb.Append('{');
        for (var i = 0; i < keys.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            GoJson.WriteString(sb, keys[i]);
            sb.Append(':');
            GoJson.WriteString(sb, titles[keys[i]]);
        }
        sb.Append('}');
    }
}

using System.Globalization;
using System.Text;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>What the docker CLI computes from one stats answer (its StatsEntry).</summary>
internal sealed record StatsEntry(string Name, string Id, double CpuPercentage, double Memory, double MemoryLimit, double MemoryPercentage,
    double NetworkRx, double NetworkTx, double BlockRead, double BlockWrite, ulong PidsCurrent);

/// <summary>
/// One row of <c>stats</c> as the docker CLI's <c>formatter.statsContext</c> shows it: <c>.Container</c> (as the user
/// named it), <c>.Name</c>, <c>.ID</c>, <c>.CPUPerc</c>, <c>.MemUsage</c>, <c>.MemPerc</c>, <c>.NetIO</c>,
/// <c>.BlockIO</c>, <c>.PIDs</c>; "--" everywhere while there is no valid reading.
/// </summary>
internal sealed class StatsRow(string container, StatsEntry? entry, bool trunc) : IFieldSource
{
    public const string DefaultTable = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

    public static readonly Dictionary<string, string> Titles = new(StringComparer.Ordinal)
    {
        ["Container"] = "CONTAINER",
        ["ID"] = "CONTAINER ID",
        ["Name"] = "NAME",
        ["CPUPerc"] = "CPU %",
        ["MemUsage"] = "MEM USAGE / LIMIT",
        ["MemPerc"] = "MEM %",
        ["NetIO"] = "NET I/O",
        ["BlockIO"] = "BLOCK I/O",
        ["PIDs"] = "PIDS",
    };

    public string TypeName => "*formatter.statsContext";

    public string Container => container;

    public string Name => entry is { Name.Length: > 1 } e ? (e.Name[0] == '/' ? e.Name[1..] : e.Name) : "--";

    public string ID => entry is null ? "" : trunc && entry.Id.Length > 12 ? entry.Id[..12] : entry.Id;

    public string CPUPerc => entry is null ? "--" : Percent(entry.CpuPercentage);

    public string MemUsage => entry is null ? "-- / --" : HumanUnits.BytesSize(entry.Memory) + " / " + HumanUnits.BytesSize(entry.MemoryLimit);

    public string MemPerc => entry is null ? "--" : Percent(entry.MemoryPercentage);

    public string NetIO => entry is null ? "--" : HumanUnits.Size(entry.NetworkRx) + " / " + HumanUnits.Size(entry.NetworkTx);

    public string BlockIO => entry is null ? "--" : HumanUnits.Size(entry.BlockRead) + " / " + HumanUnits.Size(entry.BlockWrite);

    public string PIDs => entry is null ? "--" : entry.PidsCurrent.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double v) => v.ToString("F2", CultureInfo.InvariantCulture) + "%";

    public bool TryGet(string name, IReadOnlyList<object?> args, out object? value)
    {
        value = null;
        if (args.Count > 0)
        {
            return false;
        }
        value = name switch
        {
            "Container" => Container,
            "Name" => Name,
            "ID" => ID,
            "CPUPerc" => CPUPerc,
            "MemUsage" => MemUsage,
            "MemPerc" => MemPerc,
            "NetIO" => NetIO,
            "BlockIO" => BlockIO,
            "PIDs" => PIDs,
            _ => null,
        };
        return value is not null;
    }

    /// <summary>compat(docker): <c>{{json .}}</c> marshals every method, keys sorted.</summary>
    public void WriteJson(StringBuilder sb)
    {
        (string Key, string Value)[] fields =
        [
            ("BlockIO", BlockIO), ("CPUPerc", CPUPerc), ("Container", Container), ("ID", ID), ("MemPerc", MemPerc),
            ("MemUsage", MemUsage), ("Name", Name), ("NetIO", NetIO), ("PIDs", PIDs),
        ];
        sb.Append('{');
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            GoJson.WriteString(sb, fields[i].Key);
            sb.Append(':');
            GoJson.WriteString(sb, fields[i].Value);
        }
        sb.Append('}');
    }
}

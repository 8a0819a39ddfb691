using System.Globalization;
using System.Text;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>
/// One line of <c>system df</c> as the docker CLI's <c>diskUsage*Context</c> shows it: <c>.Type</c>,
/// <c>.TotalCount</c>, <c>.Active</c>, <c>.Size</c> and <c>.Reclaimable</c> ("1.982MB (100%)"; the percentage
/// only when the size is not 0 and the kind is not the build cache).
/// </summary>
internal sealed class DiskUsageRow(string type, long total, long active, long size, long reclaimable, bool percent = true) : IFieldSource
{
    public string TypeName => "*formatter.diskUsageContext";

    public string Type => type;

    public string TotalCount => total.ToString(CultureInfo.InvariantCulture);

    public string Active => active.ToString(CultureInfo.InvariantCulture);

    public string Size => HumanUnits.Size(size, 4);

    public string Reclaimable => percent && size > 0
        ? $"{HumanUnits.Size(reclaimable, 4)} ({(reclaimable * 100 / size).ToString(CultureInfo.InvariantCulture)}%)"
        : HumanUnits.Size(reclaimable, 4);

    public bool TryGet(string name, IReadOnlyList<object?> args, out object? value)
    {
        value = name switch
        {
            "Type" => Type,
            "TotalCount" => TotalCount,
            "Active" => Active,
            "Size" => Size,
            "Reclaimable" => Reclaimable,
            _ => null,
        };
        return value is not null && args.Count == 0;
    }

    /// <summary>compat(docker): <c>{{json .}}</c> marshals the methods, keys sorted.</summary>
    public void WriteJson(StringBuilder sb) => GoJson.WriteStringObject(sb, ("Active", Active), ("Reclaimable", Reclaimable), ("Size", Size), ("TotalCount", TotalCount), ("Type", Type));
}

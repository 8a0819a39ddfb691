using System.Globalization;
using System.Text;
using System.Text.Json;
using Berth.Cli.Templates;

namespace Berth.Cli.Formatting;

/// <summary>One layer of <c>history</c>: an image history item as the docker CLI's <c>historyContext</c> shows it to templates.</summary>
internal sealed class HistoryRow(JsonElement item, bool trunc, bool human, DateTimeOffset now) : IFieldSource
{
    /// <summary>compat(docker): creation times before 2000 are shown as N/A (images built with a zero or fixed epoch).</summary>
    private const long Epoch = 946684800;

    public string TypeName => "*image.historyContext";

    private long Long(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private string Str(string name) => item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : "";

    /// <summary>The daemon names layers without an image of their own <c>&lt;missing&gt;</c>; shown as given.</summary>
    public string ID => trunc ? ContainerRow.TruncateId(Str("Id")) : Str("Id");

    public string CreatedAt => Rfc3339(Long("Created"));

    public string CreatedSince => !human ? CreatedAt : Long("Created") <= Epoch ? "N/A" : HumanUnits.Ago(Long("Created"), now);

    public string CreatedBy
    {
        get
        {
            var createdBy = Str("CreatedBy").Replace('\t', ' ');
            return trunc ? ContainerRow.Ellipsis(createdBy, 45) : createdBy;
        }
    }

    public string Size => human ? HumanUnits.Size(Long("Size")) : Long("Size").ToString(CultureInfo.InvariantCulture);

    public string Comment => Str("Comment");

    /// <summary>Go's <c>time.Unix(s, 0).Format(time.RFC3339)</c> in the local zone: "Z" for a zero offset.</summary>
    internal static string Rfc3339(long seconds)
    {
        var utc = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var local = utc.ToOffset(TimeZoneInfo.Local.GetUtcOffset(utc));
        var text = local.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return local.Offset == TimeSpan.Zero ? text + "Z" : text + local.ToString("zzz", CultureInfo.InvariantCulture);
    }

    public bool TryGet(string name, IReadOnlyList<object?> args, out object? value)
    {
        value = name switch
        {
            "ID" => ID,
            "CreatedAt" => CreatedAt,
            "CreatedSince" => CreatedSince,
            "CreatedBy" => CreatedBy,
            "Size" => Size,
            "Comment" => Comment,
            _ => null,
        };
        return value is not null && args.Count == 0;
    }

    public void WriteJson(StringBuilder sb) => GoJson.WriteStringObject(sb,
        ("Comment", Comment), ("CreatedAt", CreatedAt), ("CreatedBy", CreatedBy), ("CreatedSince", CreatedSince), ("ID", ID), ("Size", Size));
}

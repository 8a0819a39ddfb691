using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Runtime.Logging;

/// <summary>
/// The json-file driver's rotation options (<c>--log-opt max-size=10k --log-opt max-file=3</c>), read and checked as
/// Docker's jsonfilelog driver does. <see cref="MaxSize"/> is -1 when the log is never rotated.
/// </summary>
public sealed partial record JsonFileOptions(long MaxSize, int MaxFiles)
{
    public static readonly JsonFileOptions Unlimited = new(-1, 1);

    /// <summary>The options Docker's json-file driver accepts; any other is refused by name.</summary>
    private static readonly HashSet<string> Known = ["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag", "mode", "max-buffer-size"];

    /// <summary>Checks a LogConfig.Config map. The error, when there is one, is Docker's text.</summary>
    public static bool TryParse(IReadOnlyDictionary<string, string>? config, out JsonFileOptions options, out string error)
    {
        options = Unlimited;
        error = "";
        config ??= new Dictionary<string, string>();
        foreach (var key in config.Keys.Order(StringComparer.Ordinal))
        {
            if (!Known.Contains(key))
            {
                error = $"unknown log opt '{key}' for json-file log driver";
                return false;
            }
        }
        long maxSize = -1;
        if (config.TryGetValue("max-size", out var sizeText))
        {
            if (!TryParseHumanSize(sizeText, out maxSize))
            {
                error = $"invalid size: '{sizeText}'";
                return false;
            }
            if (maxSize <= 0)
            {
                error = "max-size must be a positive number";
                return false;
            }
        }
        var maxFiles = 1;
        if (config.TryGetValue("max-file", out var filesText))
        {
            if (!int.TryParse(filesText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out maxFiles))
            {
                error = $"strconv.Atoi: parsing \"{filesText}\": invalid syntax";
                return false;
            }
            if (maxFiles < 1)
            {
                error = "max-file cannot be less than 1";
                return false;
            }
        }
        if (config.TryGetValue("compress", out var compressText))
        {
            if (!TryParseGoBool(compressText, out var compress))
            {
                error = $"strconv.ParseBool: parsing \"{compressText}\": invalid syntax";
                return false;
            }
            if (compress && (maxFiles == 1 || maxSize == -1))
            {
                error = "compress cannot be true when max-file is less than 2 or max-size is not set";
                return false;
            }
            if (compress)
            {
                error = "compress=true: gzip of rotated log files is not supported by this berthd yet (use compress=false)";
                return false;
            }
        }
        options = new JsonFileOptions(maxSize, maxFiles);
        return true;
    }

    /// <summary>Docker's <c>units.FromHumanSize</c>: decimal units (<c>10k</c> = 10000 bytes), an optional space,
    /// <c>i</c> and <c>b</c>; case-insensitive.</summary>
    public static bool TryParseHumanSize(string text, out long bytes)
    {
        bytes = -1;
        var m = HumanSize().Match(text);
        if (!m.Success || !double.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var size))
        {
            return false;
        }
        var unit = m.Groups[2].Success ? char.ToLowerInvariant(m.Groups[2].Value[0]) : ' ';
        size *= unit switch
        {
            'k' => 1e3,
            'm' => 1e6,
            'g' => 1e9,
            't' => 1e12,
            'p' => 1e15,
            _ => 1,
        };
        bytes = (long)size;
        return true;
    }

    /// <summary>Go's <c>strconv.ParseBool</c>.</summary>
    private static bool TryParseGoBool(string s, out bool value)
    {
        switch (s)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True": value = true; return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False": value = false; return true;
            default: value = false; return false;
        }
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$")]
    private static partial Regex HumanSize();
}

using System.Globalization;

namespace Berth.Cli.Formatting;

/// <summary>The docker/go-units formatting the CLI prints: durations ("About a minute") and sizes ("1.98MB", "23.54GiB").</summary>
internal static class HumanUnits
{
    private static readonly string[] DecimalAbbrs = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    private static readonly string[] BinaryAbbrs = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

    /// <summary>go-units HumanDuration; the daemon words <c>Up 3 seconds</c> with the same function.</summary>
    public static string Duration(TimeSpan d) => Common.HumanUnits.Duration(d);

    /// <summary>"N units ago" from a Unix time, as docker's CREATED columns.</summary>
    public static string Ago(long unixSeconds, DateTimeOffset now) =>
        Duration(now - DateTimeOffset.FromUnixTimeSeconds(unixSeconds)) + " ago";

    /// <summary>go-units HumanSizeWithPrecision: decimal (1000) units, <c>%.{precision}g</c>.</summary>
    public static string Size(double size, int precision = 3) => Custom(size, 1000.0, DecimalAbbrs, precision);

    /// <summary>go-units BytesSize: binary (1024) units, <c>%.4g</c>.</summary>
    public static string BytesSize(double size) => Custom(size, 1024.0, BinaryAbbrs, 4);

    private static string Custom(double size, double @base, string[] abbrs, int precision)
    {
        var i = 0;
        while (size >= @base && i < abbrs.Length - 1)
        {
            size /= @base;
            i++;
        }
        return GoFormat.FormatFloat(size, 'g', precision) + abbrs[i];
    }

    /// <summary>go-units RAMInBytes: "64m", "1.5g", "512KiB"; binary multiples.</summary>
    public static bool TryParseRam(string s, out long bytes, out string error)
    {
        bytes = -1;
        error = "";
        var sep = s.LastIndexOfAny("01234567890. ".ToCharArray());
        if (sep == -1)
        {
            error = $"invalid size: '{s}'";
            return false;
        }
        string num, sfx;
        if (s[sep] != ' ')
        {
            num = s[..(sep + 1)];
            sfx = s[(sep + 1)..];
        }
        else
        {
            num = s[..sep];
            sfx = s[(sep + 1)..];
        }
        if (!double.TryParse(num, NumberStyles.Float, CultureInfo.InvariantCulture, out var size))
        {
            error = $"strconv.ParseFloat: parsing \"{num}\": invalid syntax";
            return false;
        }
        if (size < 0)
        {
            error = $"invalid size: '{s}'";
            return false;
        }
        if (sfx.Length == 0)
        {
            bytes = (long)size;
            return true;
        }
        var lower = sfx.ToLowerInvariant();
        if (sfx.Length <= 3)
        {
            if (lower[0] == 'b')
            {
                if (lower.Length == 1)
                {
                    bytes = (long)size;
                    return true;
                }
            }
            else
            {
                var mul = lower[0] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, 'p' => 1L << 50, _ => 0L };
                if (mul != 0 && (lower.Length == 1 || (lower.Length == 2 && lower[1] == 'b') || (lower.Length == 3 && lower[1..] == "ib")))
                {
                    bytes = (long)(size * mul);
                    return true;
                }
            }
        }
        error = $"invalid suffix: '{lower}'";
        return false;
    }
}

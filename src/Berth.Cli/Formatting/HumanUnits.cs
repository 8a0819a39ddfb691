using System.Globalization;

namespace Berth.Cli.Formatting;

/// <summary>The docker/go-units formatting the CLI prints: durations ("About a minute") and sizes ("1.98MB", "23.54GiB").</summary>
internal static class HumanUnits
{
    private static readonly string[] DecimalAbbrs = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    private static readonly string[] BinaryAbbrs = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

    /// <summary>go-units HumanDuration.</summary>
    public static string Duration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < 1)
        {
            return "Less than a second";
        }
        if (seconds == 1)
        {
            return "1 second";
        }
        if (seconds < 60)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + " seconds";
        }
        var minutes = (long)d.TotalMinutes;
        if (minutes == 1)
        {
            return "About a minute";
        }
        if (minutes < 60)
        {
            return minutes.ToString(CultureInfo.InvariantCulture) + " minutes";
        }
        // Go's d.Round(time.Hour): halves round away from zero.
        var hours = (long)Math.Round(d.TotalHours, MidpointRounding.AwayFromZero);
        if (hours == 1)
        {
            return "About an hour";
        }
        if (hours < 48)
        {
            return hours.ToString(CultureInfo.InvariantCulture) + " hours";
        }
        if (hours < 24 * 7 * 2)
        {
            return (hours / 24).ToString(CultureInfo.InvariantCulture) + " days";
        }
        if (hours < 24 * 30 * 2)
        {
            return (hours / 24 / 7).ToString(CultureInfo.InvariantCulture) + " weeks";
        }
        if (hours < 24 * 365 * 2)
        {
            return (hours / 24 / 30).ToString(CultureInfo.InvariantCulture) + " months";
        }
        return ((long)d.TotalHours / 24 / 365).ToString(CultureInfo.InvariantCulture) + " years";
    }

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

using System.Globalization;

namespace Berth.Cli.Formatting;

/// <summary>Go time behaviour the CLI shows or accepts: <c>time.Time.String()</c>, <c>time.ParseDuration</c>, docker's <c>GetTimestamp</c>.</summary>
internal static class GoTime
{
    /// <summary><c>time.Unix(s, 0).String()</c> in the local zone: "2026-11-25 11:52:20 +0000 UTC".</summary>
    public static string UnixString(long seconds)
    {
        var utc = DateTimeOffset.FromUnixTimeSeconds(seconds);
        var zone = TimeZoneInfo.Local;
        var offset = zone.GetUtcOffset(utc);
        var local = utc.ToOffset(offset);
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var abs = offset.Duration();
        var numeric = sign + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + abs.Minutes.ToString("00", CultureInfo.InvariantCulture);
        string abbr;
        if (offset == TimeSpan.Zero && (zone.Id is "UTC" or "Etc/UTC" or "Universal" or "Zulu" or "Etc/Universal" || zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime))
        {
            abbr = "UTC";
        }
        else
        {
            var name = zone.IsDaylightSavingTime(local) ? zone.DaylightName : zone.StandardName;
            // Go prints the zone's abbreviation; when the name is not one, Go's fallback is "+hh" / "+hhmm".
            abbr = name.Length is > 0 and <= 5 && !name.Contains(' ', StringComparison.Ordinal)
                ? name
                : sign + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + (abs.Minutes != 0 ? abs.Minutes.ToString("00", CultureInfo.InvariantCulture) : "");
        }
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " " + numeric + " " + abbr;
    }

    /// <summary>Go's time.ParseDuration ("1h30m", "10s", "1.5h", "300ms").</summary>
    public static bool TryParseDuration(string s, out TimeSpan duration) => Common.GoDuration.TryParse(s, out duration);

    /// <summary>
    /// docker's <c>timetypes.GetTimestamp</c>: a duration is taken as "that long before now" (Unix seconds), an
    /// RFC 3339 time or date becomes "seconds.nanoseconds", a bare Unix timestamp passes through.
    /// </summary>
    public static string? GetTimestamp(string value, DateTimeOffset now, out string error)
    {
        error = "";
        if (value != "0" && TryParseDuration(value, out var d))
        {
            return (now - d).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        }
        var parseInLocation = !(value.IndexOfAny(['z', 'Z', '+']) >= 0 || value.Count(c => c == '-') == 3);
        string[] formats;
        if (value.Contains('.', StringComparison.Ordinal))
        {
            formats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];
        }
        else if (value.Contains('T', StringComparison.Ordinal))
        {
            formats = ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HHK", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH"];
        }
        else
        {
            formats = ["yyyy-MM-ddK", "yyyy-MM-dd"];
        }
        var style = parseInLocation ? DateTimeStyles.AssumeLocal : DateTimeStyles.AdjustToUniversal;
        if (DateTimeOffset.TryParseExact(value.Replace('z', 'Z'), formats, CultureInfo.InvariantCulture, style, out var t))
        {
            var ticks = t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
            var secs = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rem);
            return secs.ToString(CultureInfo.InvariantCulture) + "." + (rem * 100).ToString("000000000", CultureInfo.InvariantCulture);
        }
        if (value.Contains('-', StringComparison.Ordinal))
        {
            error = $"parsing time \"{value}\": cannot parse";
            return null;
        }
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        var secPart = dot < 0 ? value : value[..dot];
        var nsPart = dot < 0 ? "0" : value[(dot + 1)..];
        if (!long.TryParse(secPart, NumberStyles.None, CultureInfo.InvariantCulture, out _) ||
            !long.TryParse(nsPart, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            error = $"failed to parse value as time or duration: \"{value}\"";
            return null;
        }
        return value;
    }
}

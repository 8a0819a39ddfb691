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
        return local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " " + Numeric(offset) + " " + LocalAbbreviation(zone, local, offset);
    }

    /// <summary>"-0700".</summary>
    private static string Numeric(TimeSpan offset)
    {
        var abs = offset.Duration();
        return (offset < TimeSpan.Zero ? "-" : "+") + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + abs.Minutes.ToString("00", CultureInfo.InvariantCulture);
    }

    private static string LocalAbbreviation(TimeZoneInfo zone, DateTimeOffset local, TimeSpan offset)
    {
        if (offset == TimeSpan.Zero && (zone.Id is "UTC" or "Etc/UTC" or "Universal" or "Zulu" or "Etc/Universal" || zone.BaseUtcOffset == TimeSpan.Zero && !zone.SupportsDaylightSavingTime))
        {
            return "UTC";
        }
        var name = zone.IsDaylightSavingTime(local) ? zone.DaylightName : zone.StandardName;
        // Go prints the zone's abbreviation; when the name is not one, Go's fallback is "+hh" / "+hhmm".
        var abs = offset.Duration();
        return name.Length is > 0 and <= 5 && !name.Contains(' ', StringComparison.Ordinal)
            ? name
            : (offset < TimeSpan.Zero ? "-" : "+") + abs.Hours.ToString("00", CultureInfo.InvariantCulture) + (abs.Minutes != 0 ? abs.Minutes.ToString("00", CultureInfo.InvariantCulture) : "");
    }

    /// <summary>
    /// <c>time.Time.String()</c> of a time decoded from JSON (RFC 3339): "2026-11-25 11:52:46.496372918 +0000 UTC".
    /// Go keeps the time's own offset: "Z" is UTC, an offset that is the local zone's takes its name, any other
    /// prints as "+0200 +0200". Text that is no RFC 3339 time prints as Go's zero time.
    /// </summary>
    public static string TimeString(string rfc3339)
    {
        // yyyy-MM-ddTHH:mm:ss[.fraction](Z|±hh:mm)
        var s = rfc3339;
        static bool Digits(string s, int from, int count) => from + count <= s.Length && s.AsSpan(from, count).IndexOfAnyExceptInRange('0', '9') < 0;
        if (s.Length < 20 || !Digits(s, 0, 4) || s[4] != '-' || !Digits(s, 5, 2) || s[7] != '-' || !Digits(s, 8, 2) || s[10] is not ('T' or 't') ||
            !Digits(s, 11, 2) || s[13] != ':' || !Digits(s, 14, 2) || s[16] != ':' || !Digits(s, 17, 2))
        {
            return "0001-01-01 00:00:00 +0000 UTC";
        }
        var pos = 19;
        var fraction = "";
        if (s[pos] == '.')
        {
            var end = pos + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }
            fraction = s[(pos + 1)..end];
            pos = end;
        }
        var zone = s[pos..];
        if (fraction.Length > 9)
        {
            fraction = fraction[..9];
        }
        fraction = fraction.TrimEnd('0');
        var text = s[..10] + " " + s[11..19] + (fraction.Length > 0 ? "." + fraction : "");
        if (zone is "Z" or "z")
        {
            return text + " +0000 UTC";
        }
        if (zone.Length != 6 || zone[0] is not ('+' or '-') || !Digits(zone, 1, 2) || zone[3] != ':' || !Digits(zone, 4, 2))
        {
            return "0001-01-01 00:00:00 +0000 UTC";
        }
        var offset = new TimeSpan(int.Parse(zone[1..3], CultureInfo.InvariantCulture), int.Parse(zone[4..6], CultureInfo.InvariantCulture), 0);
        if (zone[0] == '-')
        {
            offset = -offset;
        }
        var numeric = Numeric(offset);
        if (DateTimeOffset.TryParse(s[..19] + zone, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t))
        {
            var local = TimeZoneInfo.Local;
            if (local.GetUtcOffset(t) == offset)
            {
                return text + " " + numeric + " " + LocalAbbreviation(local, t.ToOffset(offset), offset);
            }
        }
        return text + " " + numeric + " " + numeric;
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

using System.Globalization;

namespace Berth.Common;

/// <summary>Durations in the words Docker prints (<c>Up 3 seconds</c>, <c>About a minute</c>), as go-units HumanDuration.</summary>
public static class HumanUnits
{
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
            return Inv($"{seconds} seconds");
        }
        var minutes = (long)d.TotalMinutes;
        if (minutes == 1)
        {
            return "About a minute";
        }
        if (minutes < 60)
        {
            return Inv($"{minutes} minutes");
        }
        // Go's d.Round(time.Hour): halves round away from zero.
        var hours = (long)Math.Round(d.TotalHours, MidpointRounding.AwayFromZero);
        if (hours == 1)
        {
            return "About an hour";
        }
        if (hours < 48)
        {
            return Inv($"{hours} hours");
        }
        if (hours < 24 * 7 * 2)
        {
            return Inv($"{hours / 24} days");
        }
        if (hours < 24 * 30 * 2)
        {
            return Inv($"{hours / 24 / 7} weeks");
        }
        if (hours < 24 * 365 * 2)
        {
            return Inv($"{hours / 24 / 30} months");
        }
        return Inv($"{(long)d.TotalHours / 24 / 365} years");
    }

    /// <summary>Decimal (SI) size with up to 4 significant digits, as Docker's HumanSize: <c>4.26MB</c>, <c>1.5kB</c>.</summary>
    public static string Size(double bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
        var i = 0;
        while (bytes >= 1000 && i < units.Length - 1)
        {
            bytes /= 1000;
            i++;
        }
        // compat(docker): Go's %.4g writes a lower-case exponent (1e+04YB).
        return bytes.ToString("G4", CultureInfo.InvariantCulture).ToLowerInvariant() + units[i];
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

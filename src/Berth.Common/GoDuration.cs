using System.Globalization;
using System.Text;

namespace Berth.Common;

/// <summary>Go's <c>time.Duration</c> in text: what docker accepts (<c>--health-interval 1s</c>, <c>HEALTHCHECK
/// --interval=1m30s</c>) and how dockerd writes one back (<c>Health check exceeded timeout (1s)</c>).</summary>
public static class GoDuration
{
    /// <summary>Go's time.ParseDuration ("1h30m", "10s", "1.5h", "300ms").</summary>
    public static bool TryParse(string s, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (s.Length == 0)
        {
            return false;
        }
        var i = 0;
        var neg = false;
        if (s[0] is '-' or '+')
        {
            neg = s[0] == '-';
            i++;
        }
        if (i < s.Length && s[i..] == "0")
        {
            return true;
        }
        if (i >= s.Length)
        {
            return false;
        }
        double totalNs = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }
            if (i == start || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                return false;
            }
            var ustart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }
            var unit = s[ustart..i];
            double mul = unit switch
            {
                "ns" => 1,
                "us" or "µs" or "μs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                "m" => 60e9,
                "h" => 3600e9,
                _ => -1,
            };
            if (mul < 0)
            {
                return false;
            }
            totalNs += v * mul;
        }
        duration = TimeSpan.FromTicks((long)(totalNs / 100) * (neg ? -1 : 1));
        return true;
    }

    /// <summary>A duration as Go's <c>time.Duration.String</c> writes it: <c>500ms</c>, <c>1.5s</c>, <c>2m0s</c>, <c>1h0m0s</c>.</summary>
    public static string Format(TimeSpan d)
    {
        var ns = d.Ticks * 100;
        if (ns == 0)
        {
            return "0s";
        }
        var sign = ns < 0 ? "-" : "";
        ns = Math.Abs(ns);
        if (ns < 1_000_000_000)
        {
            var (unit, size) = ns < 1_000 ? ("ns", 1L) : ns < 1_000_000 ? ("µs", 1_000L) : ("ms", 1_000_000L);
            return sign + Fraction(ns, size) + unit;
        }
        var text = new StringBuilder(sign);
        var hours = ns / 3_600_000_000_000;
        var minutes = ns / 60_000_000_000 % 60;
        if (hours > 0)
        {
            text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }
        if (hours > 0 || minutes > 0)
        {
            text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }
        return text.Append(Fraction(ns % 60_000_000_000, 1_000_000_000)).Append('s').ToString();
    }

    private static string Fraction(long value, long unit)
    {
        var whole = (value / unit).ToString(CultureInfo.InvariantCulture);
        var rest = value % unit;
        if (rest == 0)
        {
            return whole;
        }
        var digits = unit.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }

}

using System.Globalization;

namespace Berth.Build.Dockerfile;

/// <summary>Go's <c>time.ParseDuration</c> to the nanosecond, with its error messages, for HEALTHCHECK's
/// <c>--interval</c> and friends (<c>50ns</c> must stay 50ns to be refused as under 1ms).</summary>
internal static class GoDurationNs
{
    public static long Parse(string s)
    {
        var orig = s;
        var neg = false;
        var i = 0;
        if (s.Length > 0 && s[0] is '-' or '+')
        {
            neg = s[0] == '-';
            i++;
        }
        if (s[i..] == "0")
        {
            return 0;
        }
        if (i == s.Length)
        {
            throw Invalid(orig);
        }
        decimal total = 0;
        while (i < s.Length)
        {
            if (!(s[i] == '.' || char.IsAsciiDigit(s[i])))
            {
                throw Invalid(orig);
            }
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }
            var intDigits = i - start;
            var fracDigits = 0;
            if (i < s.Length && s[i] == '.')
            {
                i++;
                var fracStart = i;
                while (i < s.Length && char.IsAsciiDigit(s[i]))
                {
                    i++;
                }
                fracDigits = i - fracStart;
            }
            if (intDigits == 0 && fracDigits == 0)
            {
                throw Invalid(orig);
            }
            var number = s[start..i];
            var unitStart = i;
            while (i < s.Length && s[i] != '.' && !char.IsAsciiDigit(s[i]))
            {
                i++;
            }
            var unit = s[unitStart..i];
            if (unit.Length == 0)
            {
                throw new InstructionError($"time: missing unit in duration {GoText.Quote(orig)}");
            }
            decimal scale = unit switch
            {
                "ns" => 1m,
                "us" or "\u00b5s" or "\u03bcs" => 1_000m,
                "ms" => 1_000_000m,
                "s" => 1_000_000_000m,
                "m" => 60_000_000_000m,
                "h" => 3_600_000_000_000m,
                _ => throw new InstructionError($"time: unknown unit {GoText.Quote(unit)} in duration {GoText.Quote(orig)}"),
            };
            if (number.Length > 25 || !decimal.TryParse(number == "." ? "0" : number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v))
            {
                throw Invalid(orig);
            }
            // Past long.MaxValue ns is Go's overflow; checked before multiplying, as 25 digits times hours is past
            // decimal's range too (an OverflowException, found by fuzzing).
            if (v > long.MaxValue / scale)
            {
                throw Invalid(orig);
            }
            total += decimal.Truncate(v * scale);
            if (total > long.MaxValue)
            {
                throw Invalid(orig);
            }
        }
        return neg ? -(long)total : (long)total;
    }

    private static InstructionError Invalid(string orig) => new($"time: invalid duration {GoText.Quote(orig)}");
}

namespace Berth.Build.Dockerfile;

/// <summary>Docker's "(did you mean X?)" hint for a misspelt instruction or flag (edit distance under 3).</summary>
internal static class Suggest
{
    public static string Wrap(string message, string value, IEnumerable<string> options, bool caseSensitive)
    {
        var match = Search(value, options, caseSensitive);
        return match is null ? message : $"{message} (did you mean {match}?)";
    }

    private static string? Search(string value, IEnumerable<string> options, bool caseSensitive)
    {
        var orig = value;
        if (!caseSensitive)
        {
            value = value.ToLowerInvariant();
        }
        string? match = null;
        var best = 3;
        foreach (var option in options)
        {
            var opt = caseSensitive ? option : option.ToLowerInvariant();
            if (opt == value)
            {
                return null;
            }
            var d = Distance(value, opt);
            if (d < best)
            {
                best = d;
                match = caseSensitive ? opt : MatchCase(opt, orig);
            }
        }
        return match;
    }

    private static string MatchCase(string value, string orig) =>
        orig == orig.ToLowerInvariant() ? value.ToLowerInvariant()
        : orig == orig.ToUpperInvariant() ? value.ToUpperInvariant()
        : value;

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}

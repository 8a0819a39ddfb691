namespace Berth.Cli.Formatting;

/// <summary>
/// fvbommel/sortorder's NaturalLess, which the docker CLI sorts networks and port mappings with: digit runs
/// compare as numbers ("net2" before "net10"), digits before other bytes, everything else bytewise.
/// </summary>
internal sealed class NaturalOrder : IComparer<string>
{
    public static readonly NaturalOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        x ??= "";
        y ??= "";
        return Less(x, y) ? -1 : Less(y, x) ? 1 : 0;
    }

    public static bool Less(string str1, string str2)
    {
        // Go compares the UTF-8 bytes.
        var s1 = System.Text.Encoding.UTF8.GetBytes(str1);
        var s2 = System.Text.Encoding.UTF8.GetBytes(str2);
        int idx1 = 0, idx2 = 0;
        while (idx1 < s1.Length && idx2 < s2.Length)
        {
            var c1 = s1[idx1];
            var c2 = s2[idx2];
            var dig1 = char.IsAsciiDigit((char)c1);
            var dig2 = char.IsAsciiDigit((char)c2);
            if (dig1 != dig2)
            {
                return dig1;
            }
            if (!dig1)
            {
                if (c1 != c2)
                {
                    return c1 < c2;
                }
                idx1++;
                idx2++;
                continue;
            }
            while (idx1 < s1.Length && s1[idx1] == '0')
            {
                idx1++;
            }
            while (idx2 < s2.Length && s2[idx2] == '0')
            {
                idx2++;
            }
            int nonZero1 = idx1, nonZero2 = idx2;
            while (idx1 < s1.Length && char.IsAsciiDigit((char)s1[idx1]))
            {
                idx1++;
            }
            while (idx2 < s2.Length && char.IsAsciiDigit((char)s2[idx2]))
            {
                idx2++;
            }
            int len1 = idx1 - nonZero1, len2 = idx2 - nonZero2;
            if (len1 != len2)
            {
                return len1 < len2;
            }
            var cmp = s1.AsSpan(nonZero1, len1).SequenceCompareTo(s2.AsSpan(nonZero2, len2));
            if (cmp != 0)
            {
                return cmp < 0;
            }
            if (nonZero1 != nonZero2)
            {
                return nonZero1 < nonZero2;
            }
        }
        return s1.Length < s2.Length;
    }
}

using System.Globalization;
using System.Text;

namespace Berth.Build.Dockerfile;

/// <summary>Go's text formatting where Docker's messages use it, so our errors read as Docker's.</summary>
internal static class GoText
{
    /// <summary><c>strconv.Quote</c> (and <c>%q</c>, <c>%#v</c> of a string).</summary>
    public static string Quote(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\a': b.Append("\\a"); break;
                case '\b': b.Append("\\b"); break;
                case '\f': b.Append("\\f"); break;
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case '\v': b.Append("\\v"); break;
                default:
                    if (Rune.IsControl(rune))
                    {
                        b.Append(rune.Value < 0x80 ? "\\x" : "\\u").Append(rune.Value.ToString(rune.Value < 0x80 ? "x2" : "x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        b.Append(rune.ToString());
                    }
                    break;
            }
        }
        return b.Append('"').ToString();
    }

    /// <summary>Go's <c>unicode.IsSpace</c>.</summary>
    public static bool IsSpace(int ch) => ch is '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or 0x85 or 0xA0
        || ch > 0xFF && ch <= 0xFFFF && char.IsWhiteSpace((char)ch);

    /// <summary>Go's <c>strings.TrimSpace</c>.</summary>
    public static string TrimSpace(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsSpace(s[start]))
        {
            start++;
        }
        while (end > start && IsSpace(s[end - 1]))
        {
            end--;
        }
        return s[start..end];
    }

    /// <summary>Go's <c>strings.TrimLeftFunc(s, unicode.IsSpace)</c>.</summary>
    public static string TrimLeftSpace(string s)
    {
        var start = 0;
        while (start < s.Length && IsSpace(s[start]))
        {
            start++;
        }
        return s[start..];
    }

    /// <summary>The parser's <c>[\t\v\f\r ]+</c>: the whitespace that separates a keyword and plain arguments.</summary>
    public static bool IsSeparator(char ch) => ch is '\t' or '\v' or '\f' or '\r' or ' ';

    /// <summary>Splits on runs of <see cref="IsSeparator"/> into at most <paramref name="max"/> parts (Go's
    /// <c>regexp.Split(s, n)</c>; max &lt;= 0 means no limit).</summary>
    public static List<string> SplitSeparators(string s, int max = 0)
    {
        var parts = new List<string>();
        var start = 0;
        var i = 0;
        while (i < s.Length)
        {
            if (!IsSeparator(s[i]))
            {
                i++;
                continue;
            }
            if (max > 0 && parts.Count == max - 1)
            {
                break;
            }
            parts.Add(s[start..i]);
            while (i < s.Length && IsSeparator(s[i]))
            {
                i++;
            }
            start = i;
        }
        parts.Add(s[start..]);
        return parts;
    }
}

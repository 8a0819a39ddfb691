namespace Berth.Common;

/// <summary>Shell-style matching with <c>*</c> and <c>?</c>, as Go's path.Match does for Docker's reference filters.</summary>
public static class Glob
{
    public static bool Match(string pattern, string text, char separator = '/')
    {
        int p = 0, t = 0, starP = -1, starT = -1;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] != '*' && (pattern[p] == '?' && text[t] != separator || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0 && text[starT] != separator)
            {
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }
        return p == pattern.Length;
    }
}

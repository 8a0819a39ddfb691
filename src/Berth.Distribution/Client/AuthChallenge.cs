namespace Berth.Distribution.Client;

/// <summary>One challenge of a <c>WWW-Authenticate</c> header (RFC 7235): a scheme and its parameters.</summary>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? this[string name] => Parameters.TryGetValue(name, out var v) ? v : null;

    /// <summary>Parses every challenge in a header value; malformed ones are skipped.</summary>
    public static IReadOnlyList<AuthChallenge> Parse(string header)
    {
        var result = new List<AuthChallenge>();
        var i = 0;
        while (i < header.Length)
        {
            var before = i;
            SkipSpaceAndCommas(header, ref i);
            var scheme = Token(header, ref i);
            if (scheme.Length == 0)
            {
                break;
            }
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            while (true)
            {
                SkipSpaceAndCommas(header, ref i);
                var start = i;
                var name = Token(header, ref i);
                SkipSpace(header, ref i);
                if (name.Length == 0 || i >= header.Length || header[i] != '=')
                {
                    // The next challenge's scheme (or the end).
                    i = start;
                    break;
                }
                i++;
                SkipSpace(header, ref i);
                parameters[name] = i < header.Length && header[i] == '"' ? Quoted(header, ref i) : Token(header, ref i);
            }
            result.Add(new AuthChallenge(scheme, parameters));
            if (i == before)
            {
                break;
            }
        }
        return result;
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t')
        {
            i++;
        }
    }

    private static void SkipSpaceAndCommas(string s, ref int i)
    {
        while (i < s.Length && s[i] is ' ' or '\t' or ',')
        {
            i++;
        }
    }

    private static string Token(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] is not (' ' or '\t' or ',' or '=' or '"'))
        {
            i++;
        }
        return s[start..i];
    }

    private static string Quoted(string s, ref int i)
    {
        var sb = new System.Text.StringBuilder();
        i++; // the opening quote
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }
            sb.Append(s[i++]);
        }
        i = Math.Min(i + 1, s.Length);
        return sb.ToString();
    }
}

using System.Text;

namespace Berth.Cli.Api;

/// <summary>
/// Query parameters encoded as Go's <c>url.Values.Encode</c> does: keys sorted, values in insertion order,
/// <c>url.QueryEscape</c> (space as '+', only <c>A-Za-z0-9-_.~</c> left as is). compat(docker): the daemon sees
/// byte-identical query strings to the docker CLI's.
/// </summary>
internal sealed class GoQuery
{
    private readonly List<KeyValuePair<string, string>> _pairs = [];

    public GoQuery Add(string key, string value)
    {
        _pairs.Add(new(key, value));
        return this;
    }

    public GoQuery Set(string key, string value)
    {
        _pairs.RemoveAll(p => p.Key == key);
        return Add(key, value);
    }

    public bool IsEmpty => _pairs.Count == 0;

    public string Encode()
    {
        var sorted = new List<KeyValuePair<string, string>>(_pairs);
        // List.Sort is not stable; order by key, then by original position.
        var indexed = sorted.Select((p, i) => (p, i)).ToList();
        indexed.Sort((a, b) =>
        {
            var c = string.CompareOrdinal(a.p.Key, b.p.Key);
            return c != 0 ? c : a.i.CompareTo(b.i);
        });
        var sb = new StringBuilder();
        foreach (var (p, _) in indexed)
        {
            if (sb.Length > 0)
            {
                sb.Append('&');
            }
            sb.Append(Escape(p.Key)).Append('=').Append(Escape(p.Value));
        }
        return sb.ToString();
    }

    public static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                sb.Append(c);
            }
            else if (c == ' ')
            {
                sb.Append('+');
            }
            else
            {
                sb.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 15]);
            }
        }
        return sb.ToString();
    }

    /// <summary>Escapes a path segment the way Go's URL.EscapedPath leaves docker's paths: <c>busybox:local</c> stays raw.</summary>
    public static string EscapePath(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' or '!' or '$' or '&' or '\'' or '(' or ')' or '*' or '+' or ',' or ';' or '=' or ':' or '@' or '/')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 15]);
            }
        }
        return sb.ToString();
    }
}

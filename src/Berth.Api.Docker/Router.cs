namespace Berth.Api.Docker;

public delegate Task ApiHandler(ApiContext context);

/// <summary>
/// Routes by method and path. <c>{name}</c> matches one segment; <c>{name*}</c> matches one or more, so image
/// references with slashes and colons (<c>/images/localhost:5000/x/y:v1/json</c>) reach their route whole.
/// </summary>
public sealed class Router
{
    private readonly List<(string Method, string[] Segments, ApiHandler Handler)> _routes = [];

    public Router Map(string method, string pattern, ApiHandler handler)
    {
        _routes.Add((method, pattern.Trim('/').Split('/'), handler));
        return this;
    }

    /// <summary>The handler for a request, or null (404); fills <paramref name="values"/>.</summary>
    public ApiHandler? Match(string method, string path, Dictionary<string, string> values, out bool pathKnown)
    {
        pathKnown = false;
        var parts = path.Trim('/').Split('/');
        foreach (var (m, segments, handler) in _routes)
        {
            values.Clear();
            if (!TryMatch(segments, parts, values))
            {
                continue;
            }
            pathKnown = true;
            if (m == method)
            {
                return handler;
            }
        }
        values.Clear();
        return null;
    }

    private static bool TryMatch(string[] pattern, string[] parts, Dictionary<string, string> values)
    {
        var greedy = Array.FindIndex(pattern, s => s.EndsWith("*}", StringComparison.Ordinal));
        if (greedy < 0)
        {
            if (pattern.Length != parts.Length)
            {
                return false;
            }
            for (var i = 0; i < pattern.Length; i++)
            {
                if (!Segment(pattern[i], parts[i], values))
                {
                    return false;
                }
            }
            return true;
        }
        var suffix = pattern.Length - greedy - 1;
        if (parts.Length < pattern.Length)
        {
            return false;
        }
        for (var i = 0; i < greedy; i++)
        {
            if (!Segment(pattern[i], parts[i], values))
            {
                return false;
            }
        }
        for (var i = 0; i < suffix; i++)
        {
            if (!Segment(pattern[^(i + 1)], parts[^(i + 1)], values))
            {
                return false;
            }
        }
        var middle = string.Join('/', parts[greedy..(parts.Length - suffix)]);
        if (middle.Length == 0)
        {
            return false;
        }
        values[pattern[greedy][1..^2]] = middle;
        return true;
    }

    private static bool Segment(string pattern, string part, Dictionary<string, string> values)
    {
        if (pattern.StartsWith('{') && pattern.EndsWith('}'))
        {
            if (part.Length == 0)
            {
                return false;
            }
            values[pattern[1..^1]] = part;
            return true;
        }
        return pattern == part;
    }
}

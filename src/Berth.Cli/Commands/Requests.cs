using System.Text;
using System.Text.Json;
using Berth.Cli.Api;
using Berth.Cli.Formatting;

namespace Berth.Cli.Commands;

/// <summary>Request pieces several commands share.</summary>
internal static class Requests
{
    /// <summary>Container paths take names, IDs and ID prefixes verbatim (<c>/containers/rec-web/json</c>).</summary>
    public static string ContainerPath(string nameOrId, string suffix = "") => "/containers/" + GoQuery.EscapePath(nameOrId) + suffix;

    public static string ImagePath(string reference, string suffix = "") => "/images/" + GoQuery.EscapePath(reference) + suffix;

    /// <summary>
    /// <c>/networks/{id}</c> with the reference trimmed as the docker client's trimID does; a blank one is an
    /// error before any request.
    /// </summary>
    public static string NetworkPath(string reference, string suffix = "")
    {
        var id = reference.Trim();
        if (id.Length == 0)
        {
            throw new DaemonException(0, "invalid network name or ID: value is empty");
        }
        return "/networks/" + GoQuery.EscapePath(id) + suffix;
    }

    /// <summary><c>GET /containers/{id}/json</c>, parsed.</summary>
    public static JsonDocument InspectContainer(DockerClient client, string nameOrId)
    {
        var (_, body, _) = client.Call("GET", ContainerPath(nameOrId, "/json"));
        return JsonDocument.Parse(body);
    }

    /// <summary>
    /// The <c>filters</c> parameter: <c>{"key":{"value":true}}</c> with keys and values sorted as Go marshals maps.
    /// compat(docker): <c>--filter</c> keys are lower-cased and both sides trimmed, like opts.FilterOpt.
    /// </summary>
    public static string? FiltersJson(IEnumerable<string> filters, IEnumerable<(string Key, string Value)>? extra = null)
    {
        var map = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        void Add(string k, string v)
        {
            if (!map.TryGetValue(k, out var set))
            {
                map[k] = set = new SortedSet<string>(StringComparer.Ordinal);
            }
            set.Add(v);
        }
        foreach (var f in filters)
        {
            var t = f.Trim();
            var eq = t.IndexOf('=', StringComparison.Ordinal);
            Add(t[..eq].Trim().ToLowerInvariant(), t[(eq + 1)..].Trim());
        }
        if (extra is not null)
        {
            foreach (var (k, v) in extra)
            {
                Add(k, v);
            }
        }
        if (map.Count == 0)
        {
            return null;
        }
        var sb = new StringBuilder("{");
        var firstKey = true;
        foreach (var (k, values) in map)
        {
            if (!firstKey)
            {
                sb.Append(',');
            }
            firstKey = false;
            GoJson.WriteString(sb, k, escapeHtml: true);
            sb.Append(":{");
            var firstValue = true;
            foreach (var v in values)
            {
                if (!firstValue)
                {
                    sb.Append(',');
                }
                firstValue = false;
                GoJson.WriteString(sb, v, escapeHtml: true);
                sb.Append(":true");
            }
            sb.Append('}');
        }
        return sb.Append('}').ToString();
    }

    public static string? CheckFilter(string v) =>
        v.Trim().Contains('=', StringComparison.Ordinal) ? null : "bad format of filter (expected name=value)";

    /// <summary>docker's opts.ValidateLabel: a <c>--label</c> needs a key without blanks.</summary>
    public static string? CheckLabel(string v)
    {
        var eq = v.IndexOf('=', StringComparison.Ordinal);
        var key = (eq < 0 ? v : v[..eq]).TrimStart(' ', '\t');
        if (key.Length == 0)
        {
            return $"invalid label '{v}': empty name";
        }
        return key.AsSpan().IndexOfAny(' ', '\t') >= 0 ? $"label '{key}' contains whitespaces" : null;
    }

    /// <summary>Runs <paramref name="action"/> for each name, in parallel on its own connection when there are several, like docker's parallelOperation.</summary>
    public static List<Exception?> Parallel(IReadOnlyList<string> names, Action<string> action)
    {
        var errors = new Exception?[names.Count];
        if (names.Count == 1)
        {
            try
            {
                action(names[0]);
            }
            catch (DaemonException e)
            {
                errors[0] = e;
            }
            return [.. errors];
        }
        var threads = new List<Thread>();
        for (var i = 0; i < names.Count; i++)
        {
            var index = i;
            var t = new Thread(() =>
            {
                try
                {
                    action(names[index]);
                }
                catch (Exception e)
                {
                    errors[index] = e;
                }
            })
            { IsBackground = true };
            threads.Add(t);
            t.Start();
        }
        foreach (var t in threads)
        {
            t.Join();
        }
        return [.. errors];
    }

    /// <summary>docker's errors.Join: one message a line.</summary>
    public static string JoinErrors(IEnumerable<Exception> errors) => string.Join('\n', errors.Select(e => e.Message));
}

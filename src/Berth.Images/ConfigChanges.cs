using System.Text.Json;
using Berth.Common;
using Berth.Oci;

namespace Berth.Images;

/// <summary>
/// Dockerfile instructions applied to an image config, for <c>docker import -c</c> and <c>docker commit -c</c>:
/// CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL, ONBUILD.
/// </summary>
public static class ConfigChanges
{
    public static void Apply(ImageRuntimeConfig config, IEnumerable<string> changes)
    {
        foreach (var change in changes)
        {
            var line = change.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var space = line.IndexOfAny([' ', '\t']);
            var word = space < 0 ? line : line[..space];
            var instruction = word.ToUpperInvariant();
            var rest = space < 0 ? "" : line[(space + 1)..].Trim();
            switch (instruction)
            {
                case "CMD":
                    config.Cmd = CommandForm(rest);
                    break;
                case "ENTRYPOINT":
                    config.Entrypoint = CommandForm(rest);
                    break;
                case "ENV":
                    foreach (var (k, v) in KeyValues(rest, "ENV"))
                    {
                        config.Env ??= [];
                        config.Env.RemoveAll(e => e.StartsWith(k + "=", StringComparison.Ordinal));
                        config.Env.Add(k + "=" + v);
                    }
                    break;
                case "LABEL":
                    foreach (var (k, v) in KeyValues(rest, "LABEL"))
                    {
                        config.Labels ??= [];
                        config.Labels[k] = v;
                    }
                    break;
                case "EXPOSE":
                    foreach (var port in rest.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        config.ExposedPorts ??= [];
                        config.ExposedPorts[port.Contains('/', StringComparison.Ordinal) ? port : port + "/tcp"] = new EmptyObject();
                    }
                    break;
                case "USER":
                    config.User = rest;
                    break;
                case "WORKDIR":
                    config.WorkingDir = rest.StartsWith('/') ? rest : JoinClean(config.WorkingDir, rest);
                    break;
                case "VOLUME":
                    foreach (var v in rest.StartsWith('[') ? CommandForm(rest) : [.. rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)])
                    {
                        config.Volumes ??= [];
                        config.Volumes[v] = new EmptyObject();
                    }
                    break;
                case "STOPSIGNAL":
                    config.StopSignal = rest;
                    break;
                case "ONBUILD":
                    config.OnBuild ??= [];
                    config.OnBuild.Add(rest);
                    break;
                default:
                    // compat(docker): the instruction as the user typed it.
                    throw BerthException.Invalid($"{word} is not a valid change command");
            }
        }
    }

    /// <summary>compat(docker): a relative WORKDIR is joined to the current one and cleaned, as Go's filepath.Join.</summary>
    private static string JoinClean(string? current, string relative)
    {
        var full = Path.GetFullPath(relative, current is { Length: > 0 } c && c.StartsWith('/') ? c : "/");
        return full.Length > 1 ? full.TrimEnd('/') : full;
    }

    /// <summary>JSON array (exec form) or a string run by <c>/bin/sh -c</c> (shell form).</summary>
    private static List<string> CommandForm(string rest)
    {
        if (rest.StartsWith('['))
        {
            try
            {
                using var doc = JsonDocument.Parse(rest);
                if (doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
                {
                    return doc.RootElement.EnumerateArray().Select(e => e.GetString()!).ToList();
                }
            }
            catch (JsonException)
            {
            }
        }
        return ["/bin/sh", "-c", rest];
    }

    private static IEnumerable<(string Key, string Value)> KeyValues(string rest, string instruction)
    {
        var words = SplitWords(rest);
        if (words.Count == 0)
        {
            throw BerthException.Invalid($"{instruction} requires at least one argument");
        }
        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            // Legacy form: ENV key value with spaces
            var key = words[0];
            var value = rest[(rest.IndexOf(key, StringComparison.Ordinal) + key.Length)..].Trim();
            yield return (key, Unquote(value));
            yield break;
        }
        foreach (var w in words)
        {
            var eq = w.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw BerthException.Invalid($"{instruction} names can not be blank");
            }
            yield return (Unquote(w[..eq]), Unquote(w[(eq + 1)..]));
        }
    }

    private static List<string> SplitWords(string s)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        char? quote = null;
        foreach (var c in s)
        {
            if (quote is null && char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }
                continue;
            }
            if (c is '"' or '\'')
            {
                quote = quote == c ? null : quote ?? c;
            }
            current.Append(c);
        }
        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }
        return words;
    }

    private static string Unquote(string v) =>
        v.Length >= 2 && (v[0] == '"' && v[^1] == '"' || v[0] == '\'' && v[^1] == '\'') ? v[1..^1] : v;
}

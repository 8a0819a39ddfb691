using System.Text.Json;
using Berth.Common;
using Berth.Oci;

namespace Berth.Images;

/// <summary>
/// Dockerfile instructions applied to an image config, for <c>docker import -c</c> and <c>docker commit -c</c>:
/// CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL, ONBUILD, HEALTHCHECK.
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
                case "HEALTHCHECK":
                    config.Healthcheck = Healthcheck(rest);
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

    /// <summary>compat(docker): <c>HEALTHCHECK NONE</c> or <c>HEALTHCHECK [--interval=D] [--timeout=D]
    /// [--start-period=D] [--start-interval=D] [--retries=N] CMD command</c>; the shell form becomes <c>CMD-SHELL</c>.</summary>
    private static HealthConfig Healthcheck(string rest)
    {
        var health = new HealthConfig();
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var end = rest.IndexOfAny([' ', '\t']);
            var flag = end < 0 ? rest : rest[..end];
            rest = end < 0 ? "" : rest[end..].TrimStart();
            var eq = flag.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = eq < 0 ? (flag[2..], "") : (flag[2..eq], flag[(eq + 1)..]);
            switch (name)
            {
                case "interval":
                    health.Interval = Interval(name, value);
                    break;
                case "timeout":
                    health.Timeout = Interval(name, value);
                    break;
                case "start-period":
                    health.StartPeriod = Interval(name, value);
                    break;
                case "start-interval":
                    health.StartInterval = Interval(name, value);
                    break;
                case "retries":
                    if (!int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var retries))
                    {
                        throw BerthException.Invalid($"strconv.ParseInt: parsing \"{value}\": invalid syntax");
                    }
                    health.Retries = retries >= 0 ? retries : throw BerthException.Invalid($"--retries cannot be negative ({retries})");
                    break;
                default:
                    throw BerthException.Invalid($"Unknown flag: {name}");
            }
        }
        var space = rest.IndexOfAny([' ', '\t']);
        var type = (space < 0 ? rest : rest[..space]).ToUpperInvariant();
        var command = space < 0 ? "" : rest[(space + 1)..].Trim();
        switch (type)
        {
            case "":
                throw BerthException.Invalid("HEALTHCHECK requires at least one argument");
            case "NONE":
                return command.Length == 0 ? new HealthConfig { Test = ["NONE"] } : throw BerthException.Invalid("HEALTHCHECK NONE takes no arguments");
            case "CMD":
                var form = CommandForm(command);
                if (command.Length == 0 || form.Count == 0)
                {
                    throw BerthException.Invalid("Missing command after HEALTHCHECK CMD");
                }
                health.Test = form is ["/bin/sh", "-c", var shell] && !command.StartsWith('[') ? ["CMD-SHELL", shell] : ["CMD", .. form];
                return health;
            default:
                throw BerthException.Invalid($"Unknown type \"{type}\" in HEALTHCHECK (try CMD)");
        }
    }

    /// <summary>compat(docker): an empty or zero duration is "not set"; anything else is at least 1ms.</summary>
    private static long Interval(string name, string value)
    {
        if (value.Length == 0)
        {
            return 0;
        }
        if (!GoDuration.TryParse(value, out var d))
        {
            throw BerthException.Invalid($"time: invalid duration \"{value}\"");
        }
        if (d != TimeSpan.Zero && d < TimeSpan.FromMilliseconds(1))
        {
            throw BerthException.Invalid($"Interval \"{name}\" cannot be less than 1ms");
        }
        return d.Ticks * 100;
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

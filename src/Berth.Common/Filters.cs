using System.Text.Json;

namespace Berth.Common;

/// <summary>
/// The <c>filters</c> query parameter of the Docker API: JSON <c>{"key":{"value":true}}</c>
/// (or the older <c>{"key":["value"]}</c>). Keys outside the endpoint's set are refused, as dockerd does.
/// </summary>
public sealed class Filters
{
    private readonly Dictionary<string, List<string>> _values;

    private Filters(Dictionary<string, List<string>> values) => _values = values;

    public static Filters Empty { get; } = new(new Dictionary<string, List<string>>());

    public bool IsEmpty => _values.Count == 0;

    public IReadOnlyList<string> Get(string key) =>
        _values.TryGetValue(key, out var v) ? v : [];

    public bool Contains(string key) => _values.ContainsKey(key);

    public static Filters Parse(string? json, params string[] allowedKeys)
    {
        if (string.IsNullOrEmpty(json))
        {
            return Empty;
        }
        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw BerthException.Invalid("invalid filter: expected a JSON object");
            }
            foreach (var key in doc.RootElement.EnumerateObject())
            {
                var list = new List<string>();
                switch (key.Value.ValueKind)
                {
                    case JsonValueKind.Object:
                        foreach (var v in key.Value.EnumerateObject())
                        {
                            if (v.Value.ValueKind == JsonValueKind.True)
                            {
                                list.Add(v.Name);
                            }
                        }
                        break;
                    case JsonValueKind.Array:
                        foreach (var v in key.Value.EnumerateArray())
                        {
                            list.Add(v.GetString() ?? "");
                        }
                        break;
                    default:
                        throw BerthException.Invalid($"invalid filter '{key.Name}'");
                }
                values[key.Name] = list;
            }
        }
        catch (JsonException e)
        {
            throw BerthException.Invalid("invalid filter: " + e.Message);
        }
        foreach (var key in values.Keys)
        {
            if (Array.IndexOf(allowedKeys, key) < 0)
            {
                throw BerthException.Invalid($"invalid filter '{key}'");
            }
        }
        return new Filters(values);
    }

    /// <summary>
    /// Docker's label filter: every <c>label=k</c> or <c>label=k=v</c> given must hold.
    /// </summary>
    public bool MatchLabels(string key, IReadOnlyDictionary<string, string>? labels)
    {
        foreach (var want in Get(key))
        {
            var eq = want.IndexOf('=', StringComparison.Ordinal);
            var k = eq < 0 ? want : want[..eq];
            if (labels is null || !labels.TryGetValue(k, out var have))
            {
                return false;
            }
            if (eq >= 0 && have != want[(eq + 1)..])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// moby's matchLabels for prune: every <c>label</c> holds, and not every <c>label!</c> does (an object is
    /// kept only when it carries all the labels <c>label!</c> names).
    /// </summary>
    public bool MatchPruneLabels(IReadOnlyDictionary<string, string>? labels) =>
        MatchLabels("label", labels) && (!Contains("label!") || !MatchLabels("label!", labels));

    /// <summary>True when <paramref name="key"/> is absent or any of its values equals <paramref name="value"/>.</summary>
    public bool MatchExact(string key, string value)
    {
        var wanted = Get(key);
        return wanted.Count == 0 || wanted.Contains(value);
    }

    /// <summary>True when <paramref name="key"/> is absent or <paramref name="predicate"/> holds for one of its values.</summary>
    public bool MatchAny(string key, Func<string, bool> predicate)
    {
        var wanted = Get(key);
        return wanted.Count == 0 || wanted.Any(predicate);
    }

    public bool GetBool(string key, bool fallback)
    {
        if (!_values.TryGetValue(key, out var v))
        {
            return fallback;
        }
        // compat(docker): GetBoolOrDefault refuses a key without values, and true and false given together.
        var isTrue = v.Contains("true") || v.Contains("1");
        var isFalse = v.Contains("false") || v.Contains("0");
        if (isTrue == isFalse)
        {
            throw BerthException.Invalid($"invalid filter '{key}={string.Join(',', v)}'");
        }
        return isTrue;
    }
}

using System.Globalization;
using System.Text;

namespace Berth.Cli.Formatting;

/// <summary>
/// Writes compact JSON in a fixed field order, the way Go's encoding/json writes docker's request structs
/// (HTML-escaped strings, <c>null</c> for nil slices and maps).
/// </summary>
internal sealed class GoJsonWriter
{
    private readonly StringBuilder _sb = new();
    // Per open object/array: whether the next member needs a comma.
    private readonly Stack<bool> _needComma = new();
    private bool _afterName;

    private void ValueStart()
    {
        if (_afterName)
        {
            _afterName = false;
            return;
        }
        if (_needComma.Count > 0)
        {
            if (_needComma.Peek())
            {
                _sb.Append(',');
            }
            _needComma.Pop();
            _needComma.Push(true);
        }
    }

    private void Name(string name)
    {
        ValueStart();
        GoJson.WriteString(_sb, name, escapeHtml: true);
        _sb.Append(':');
        _afterName = true;
    }

    public GoJsonWriter BeginObject(string? name = null)
    {
        if (name is not null)
        {
            Name(name);
        }
        ValueStart();
        _sb.Append('{');
        _needComma.Push(false);
        return this;
    }

    public GoJsonWriter EndObject()
    {
        _needComma.Pop();
        _sb.Append('}');
        return this;
    }

    public GoJsonWriter BeginArray(string? name = null)
    {
        if (name is not null)
        {
            Name(name);
        }
        ValueStart();
        _sb.Append('[');
        _needComma.Push(false);
        return this;
    }

    public GoJsonWriter EndArray()
    {
        _needComma.Pop();
        _sb.Append(']');
        return this;
    }

    public GoJsonWriter String(string name, string value)
    {
        Name(name);
        return String(value);
    }

    public GoJsonWriter String(string value)
    {
        ValueStart();
        GoJson.WriteString(_sb, value, escapeHtml: true);
        return this;
    }

    public GoJsonWriter Bool(string name, bool value)
    {
        Name(name);
        ValueStart();
        _sb.Append(value ? "true" : "false");
        return this;
    }

    public GoJsonWriter Number(string name, long value)
    {
        Name(name);
        return Number(value);
    }

    public GoJsonWriter Number(long value)
    {
        ValueStart();
        _sb.Append(value.ToString(CultureInfo.InvariantCulture));
        return this;
    }

    public GoJsonWriter Null(string name)
    {
        Name(name);
        ValueStart();
        _sb.Append("null");
        return this;
    }

    /// <summary>A string slice: <c>null</c> when nil (<paramref name="values"/> null), <c>[]</c> when empty.</summary>
    public GoJsonWriter Strings(string name, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return Null(name);
        }
        BeginArray(name);
        foreach (var v in values)
        {
            String(v);
        }
        return EndArray();
    }

    /// <summary>A map[string]string with keys sorted as Go marshals maps; <c>null</c> when nil.</summary>
    public GoJsonWriter StringMap(string name, IReadOnlyDictionary<string, string>? map)
    {
        if (map is null)
        {
            return Null(name);
        }
        BeginObject(name);
        var keys = map.Keys.ToList();
        keys.Sort(StringComparer.Ordinal);
        foreach (var k in keys)
        {
            String(k, map[k]);
        }
        return EndObject();
    }

    /// <summary>A set (map[string]struct{}) as <c>{"k":{}}</c>, keys sorted.</summary>
    public GoJsonWriter Set(string name, IEnumerable<string> keys)
    {
        BeginObject(name);
        var list = keys.ToList();
        list.Sort(StringComparer.Ordinal);
        foreach (var k in list)
        {
            BeginObject(k).EndObject();
        }
        return EndObject();
    }

    public override string ToString() => _sb.ToString();

    /// <summary>The body as docker's client sends it: the JSON and a trailing newline.</summary>
    public byte[] ToBody() => Encoding.UTF8.GetBytes(_sb.Append('\n').ToString());
}

using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Berth.Cli.Formatting;

/// <summary>JSON as Go's encoding/json writes it (HTML escaping off, as the docker CLI's <c>json</c> template function).</summary>
internal static class GoJson
{
    /// <param name="escapeHtml">json.Marshal's default (request bodies and filters): &lt;, &gt;, &amp; as \u003c...</param>
    public static void WriteString(StringBuilder sb, string s, bool escapeHtml = false)
    {
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"':
                    sb.Append("\\\"");
                    break;
                case '\\':
                    sb.Append("\\\\");
                    break;
                case '\n':
                    sb.Append("\\n");
                    break;
                case '\r':
                    sb.Append("\\r");
                    break;
                case '\t':
                    sb.Append("\\t");
                    break;
                case '\b':
                    sb.Append("\\b");
                    break;
                case '\f':
                    sb.Append("\\f");
                    break;
                case '<' or '>' or '&' when escapeHtml:
                    sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                case '\u2028':
                case '\u2029':
                    sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                    {
                        sb.Append(c).Append(s[++i]);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append("\\ufffd");
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>A formatter context's <c>{{json .}}</c> when every method returns a string: fields in the order given
    /// (Go sorts them: give them sorted), HTML characters escaped as json.Marshal does.</summary>
    public static void WriteStringObject(StringBuilder sb, params (string Name, string Value)[] fields)
    {
        sb.Append('{');
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            WriteString(sb, fields[i].Name, escapeHtml: true);
            sb.Append(':');
            WriteString(sb, fields[i].Value, escapeHtml: true);
        }
        sb.Append('}');
    }

    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        WriteString(sb, s);
        return sb.ToString();
    }

    /// <summary>Re-encodes an element compactly; strings are decoded and re-escaped the Go way, key order kept.</summary>
    public static void WriteElement(StringBuilder sb, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                {
                    sb.Append('{');
                    var first = true;
                    foreach (var p in e.EnumerateObject())
                    {
                        if (!first)
                        {
                            sb.Append(',');
                        }
                        first = false;
                        WriteString(sb, p.Name);
                        sb.Append(':');
                        WriteElement(sb, p.Value);
                    }
                    sb.Append('}');
                    break;
                }
            case JsonValueKind.Array:
                {
                    sb.Append('[');
                    var first = true;
                    foreach (var item in e.EnumerateArray())
                    {
                        if (!first)
                        {
                            sb.Append(',');
                        }
                        first = false;
                        WriteElement(sb, item);
                    }
                    sb.Append(']');
                    break;
                }
            case JsonValueKind.String:
                WriteString(sb, e.GetString()!);
                break;
            default:
                sb.Append(e.GetRawText());
                break;
        }
    }

    /// <summary>
    /// Go's <c>json.Indent</c>: re-indents raw JSON without re-encoding strings, <c>{}</c>/<c>[]</c> stay compact.
    /// compat(docker): <c>docker inspect</c> prints the daemon's bytes this way, so escapes like <c>\u003c</c> survive.
    /// </summary>
    public static void Indent(StringBuilder dst, ReadOnlySpan<byte> src, string indent)
    {
        var needIndent = false;
        var depth = 0;
        var i = 0;
        var text = Encoding.UTF8.GetString(src);
        while (i < text.Length)
        {
            var c = text[i];
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                i++;
                continue;
            }
            if (needIndent && c != '}' && c != ']')
            {
                needIndent = false;
                depth++;
                NewLine(dst, indent, depth);
            }
            switch (c)
            {
                case '"':
                    {
                        var start = i;
                        i++;
                        while (i < text.Length && text[i] != '"')
                        {
                            if (text[i] == '\\')
                            {
                                i++;
                            }
                            i++;
                        }
                        i++;
                        dst.Append(text, start, Math.Min(i, text.Length) - start);
                        continue;
                    }
                case '{':
                case '[':
                    needIndent = true;
                    dst.Append(c);
                    break;
                case ',':
                    dst.Append(c);
                    NewLine(dst, indent, depth);
                    break;
                case ':':
                    dst.Append(": ");
                    break;
                case '}':
                case ']':
                    if (needIndent)
                    {
                        needIndent = false;
                    }
                    else
                    {
                        depth--;
                        NewLine(dst, indent, depth);
                    }
                    dst.Append(c);
                    break;
                default:
                    dst.Append(c);
                    break;
            }
            i++;
        }
    }

    private static void NewLine(StringBuilder dst, string indent, int depth)
    {
        dst.Append('\n');
        for (var d = 0; d < depth; d++)
        {
            dst.Append(indent);
        }
    }
}

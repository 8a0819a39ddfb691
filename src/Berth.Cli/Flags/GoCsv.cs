using System.Globalization;
using System.Text;

namespace Berth.Cli.Flags;

/// <summary>
/// pflag's <c>StringSlice</c> values: each one is read as one record of Go's <c>encoding/csv</c>, so
/// <c>--alias a,b</c> is two aliases and <c>--alias '"a,b"'</c> one.
/// </summary>
internal static class GoCsv
{
    /// <summary>The fields of the first record of <paramref name="value"/>; <c>""</c> gives none, as in pflag.</summary>
    public static List<string> Read(string value) =>
        TryRead(value, out var fields, out var error) ? fields : throw new InvalidOperationException(error);

    /// <summary>A flag check: encoding/csv's complaint about <paramref name="value"/>, or null.</summary>
    public static string? Check(string value) => TryRead(value, out _, out var error) ? null : error;

    public static bool TryRead(string value, out List<string> fields, out string? error)
    {
        fields = [];
        error = null;
        if (value.Length == 0)
        {
            return true;
        }
        var s = value.Replace("\r\n", "\n", StringComparison.Ordinal);
        var pos = 0;
        var line = 1;
        // encoding/csv skips empty lines before a record.
        while (pos < s.Length && s[pos] == '\n')
        {
            pos++;
            line++;
        }
        if (pos == s.Length)
        {
            error = "EOF";
            return false;
        }
        var lineStart = pos;
        var field = new StringBuilder();
        while (true)
        {
            if (pos >= s.Length || s[pos] != '"')
            {
                var end = pos;
                while (end < s.Length && s[end] != ',' && s[end] != '\n')
                {
                    end++;
                }
                var quote = s.IndexOf('"', pos, end - pos);
                if (quote >= 0)
                {
                    error = ParseError(line, quote - lineStart + 1, "bare \" in non-quoted-field");
                    return false;
                }
                fields.Add(s[pos..end]);
                if (end < s.Length && s[end] == ',')
                {
                    pos = end + 1;
                    continue;
                }
                return true;
            }
            var startLine = line;
            pos++;
            field.Clear();
            while (true)
            {
                if (pos >= s.Length)
                {
                    error = ParseError(line, pos - lineStart + 1, "extraneous or missing \" in quoted-field", startLine);
                    return false;
                }
                var c = s[pos];
                if (c != '"')
                {
                    field.Append(c);
                    pos++;
                    if (c == '\n')
                    {
                        line++;
                        lineStart = pos;
                    }
                    continue;
                }
                pos++;
                if (pos < s.Length && s[pos] == '"')
                {
                    field.Append('"');
                    pos++;
                    continue;
                }
                if (pos < s.Length && s[pos] == ',')
                {
                    fields.Add(field.ToString());
                    pos++;
                    break;
                }
                if (pos >= s.Length || s[pos] == '\n')
                {
                    fields.Add(field.ToString());
                    return true;
                }
                error = ParseError(line, pos - lineStart, "extraneous or missing \" in quoted-field", startLine);
                return false;
            }
        }
    }

    private static string ParseError(int line, int column, string message, int? startLine = null) =>
        startLine is { } start && start != line
            ? string.Create(CultureInfo.InvariantCulture, $"record on line {start}; parse error on line {line}, column {column}: {message}")
            : string.Create(CultureInfo.InvariantCulture, $"parse error on line {line}, column {column}: {message}");
}

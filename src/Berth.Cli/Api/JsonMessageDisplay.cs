using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Berth.Cli.Api;

/// <summary>
/// Prints a JSON-lines progress stream (pull, import, load) as moby's <c>jsonmessage</c> does for a non-terminal:
/// <c>id: status</c> lines, <c>stream</c> text verbatim, progress bars left out. An <c>errorDetail</c> ends it with an error.
/// </summary>
internal static class JsonMessageDisplay
{
    /// <param name="onAux">Gets each <c>aux</c> message (build's image ID); they are never printed.</param>
    /// <param name="exitWithErrorCode">compat(docker): build exits with <c>errorDetail.code</c> (1 when none), the others with 1.</param>
    /// <param name="terminal">compat(docker): on a terminal each layer keeps one line, rewritten in place as its
    /// status and progress bar change (the cursor moved up to it and back).</param>
    public static void Display(Stream body, Stream output, Action<JsonElement>? onAux = null, bool exitWithErrorCode = false, bool terminal = false)
    {
        var lines = terminal ? new Dictionary<string, int>(StringComparer.Ordinal) : null;
        var reader = new StreamReader(body, Encoding.UTF8);
        var pending = new StringBuilder();
        var buf = new char[8192];
        int n;
        while ((n = reader.Read(buf, 0, buf.Length)) > 0)
        {
            pending.Append(buf, 0, n);
            DrainMessages(pending, output, onAux, exitWithErrorCode, lines);
        }
        DrainMessages(pending, output, onAux, exitWithErrorCode, lines, final: true);
    }

    /// <summary>Decodes whole JSON values from <paramref name="pending"/> (concatenated or line-separated).</summary>
    private static void DrainMessages(StringBuilder pending, Stream output, Action<JsonElement>? onAux, bool exitWithErrorCode, Dictionary<string, int>? lines, bool final = false)
    {
        var text = pending.ToString();
        var bytes = Encoding.UTF8.GetBytes(text);
        var consumed = 0;
        while (true)
        {
            var span = bytes.AsSpan(consumed);
            var skip = 0;
            while (skip < span.Length && span[skip] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
            {
                skip++;
            }
            if (skip == span.Length)
            {
                consumed = bytes.Length;
                break;
            }
            var reader = new Utf8JsonReader(span[skip..], isFinalBlock: final, state: default);
            try
            {
                if (!JsonDocument.TryParseValue(ref reader, out var doc))
                {
                    break;
                }
                using (doc)
                {
                    Show(doc.RootElement, output, onAux, exitWithErrorCode, lines);
                }
                consumed += skip + (int)reader.BytesConsumed;
            }
            catch (JsonException)
            {
                if (final)
                {
                    throw new StatusException("unexpected EOF", 1);
                }
                break;
            }
        }
        pending.Clear();
        pending.Append(Encoding.UTF8.GetString(bytes, consumed, bytes.Length - consumed));
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static void Show(JsonElement m, Stream output, Action<JsonElement>? onAux, bool exitWithErrorCode, Dictionary<string, int>? lines)
    {
        if (m.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (m.TryGetProperty("errorDetail", out var detail) && detail.ValueKind == JsonValueKind.Object)
        {
            var code = exitWithErrorCode && detail.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt32(out var n) && n != 0 ? n : 1;
            throw new StatusException(Str(detail, "message") ?? Str(m, "error") ?? "", code);
        }
        if (Str(m, "error") is { Length: > 0 } err)
        {
            throw new StatusException(err, 1);
        }
        if (m.TryGetProperty("aux", out var aux) && aux.ValueKind != JsonValueKind.Null)
        {
            onAux?.Invoke(aux);
            return;
        }
        if (lines is not null)
        {
            if (Str(m, "id") is { Length: > 0 } layer && m.TryGetProperty("progressDetail", out var detail0) && detail0.ValueKind == JsonValueKind.Object)
            {
                if (!lines.TryGetValue(layer, out var line))
                {
                    line = lines.Count;
                    lines[layer] = line;
                    output.Write("\n"u8);
                }
                var up = lines.Count - line;
                var text = $"\u001b[{up}A\r\u001b[2K{layer}: {Str(m, "status")}{(Str(m, "progress") is { Length: > 0 } bar ? " " + bar : "")}\r\u001b[{up}B";
                output.Write(Encoding.UTF8.GetBytes(text));
                output.Flush();
                return;
            }
            lines.Clear();
        }
        // Progress bars are for terminals only.
        if (m.TryGetProperty("progressDetail", out var pd) && pd.ValueKind == JsonValueKind.Object &&
            ((pd.TryGetProperty("current", out var cur) && cur.ValueKind == JsonValueKind.Number && cur.GetInt64() > 0) ||
             (pd.TryGetProperty("total", out var tot) && tot.ValueKind == JsonValueKind.Number && tot.GetInt64() > 0)))
        {
            return;
        }
        var sb = new StringBuilder();
        if (m.TryGetProperty("timeNano", out var tn) && tn.ValueKind == JsonValueKind.Number && tn.GetInt64() != 0)
        {
            sb.Append(FormatTime(tn.GetInt64())).Append(' ');
        }
        else if (m.TryGetProperty("time", out var t) && t.ValueKind == JsonValueKind.Number && t.GetInt64() != 0)
        {
            sb.Append(FormatTime(t.GetInt64() * 1_000_000_000)).Append(' ');
        }
        if (Str(m, "id") is { Length: > 0 } id)
        {
            sb.Append(id).Append(": ");
        }
        if (Str(m, "from") is { Length: > 0 } from)
        {
            sb.Append("(from ").Append(from).Append(") ");
        }
        var stream = Str(m, "stream");
        var progress = Str(m, "progress");
        if (!string.IsNullOrEmpty(progress))
        {
            sb.Append(Str(m, "status")).Append(' ').Append(progress);
        }
        else if (!string.IsNullOrEmpty(stream))
        {
            sb.Append(stream);
        }
        else
        {
            sb.Append(Str(m, "status")).Append('\n');
        }
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        output.Write(bytes);
        output.Flush();
    }

    private static string FormatTime(long unixNano)
    {
        var t = DateTimeOffset.FromUnixTimeMilliseconds(unixNano / 1_000_000).ToLocalTime();
        var frac = (unixNano % 1_000_000_000).ToString("000000000", CultureInfo.InvariantCulture);
        return t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." + frac + t.ToString("zzz", CultureInfo.InvariantCulture);
    }
}

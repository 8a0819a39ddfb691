using System.Collections;

namespace Berth.Http;

/// <summary>Header fields in arrival order, looked up without regard to case.</summary>
public sealed class HttpHeaders : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _fields = [];

    public string? this[string name]
    {
        get
        {
            foreach (var f in _fields)
            {
                if (string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    return f.Value;
                }
            }
            return null;
        }
        set
        {
            _fields.RemoveAll(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase));
            if (value is not null)
            {
                _fields.Add(new(name, value));
            }
        }
    }

    public void Add(string name, string value) => _fields.Add(new(name, value));

    public bool Has(string name, string token) =>
        this[name]?.Split(',').Any(t => string.Equals(t.Trim(), token, StringComparison.OrdinalIgnoreCase)) == true;

    public long? ContentLength =>
        long.TryParse(this["Content-Length"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;

    public bool IsChunked => Has("Transfer-Encoding", "chunked");

    internal static async ValueTask<HttpHeaders> ReadAsync(HttpReader reader, CancellationToken ct)
    {
        var headers = new HttpHeaders();
        var total = 0;
        while (true)
        {
            var line = await reader.ReadLineAsync(16 * 1024, ct).ConfigureAwait(false)
                ?? throw new HttpProtocolException("connection closed inside the header");
            if (line.Length == 0)
            {
                return headers;
            }
            total += line.Length;
            if (total > 64 * 1024 || headers._fields.Count > 200)
            {
                throw new HttpProtocolException("header too large");
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new HttpProtocolException("malformed header line");
            }
            headers.Add(line[..colon].Trim(), line[(colon + 1)..].Trim());
        }
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

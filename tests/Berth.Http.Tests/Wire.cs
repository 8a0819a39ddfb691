using System.Text;

namespace Berth.Http.Tests;

/// <summary>Readers over fixed bytes: what a peer sent, possibly split into many small reads.</summary>
internal static class Wire
{
    public static HttpReader Reader(string latin1, int bufferSize = 16 * 1024) =>
        new(new MemoryStream(Encoding.Latin1.GetBytes(latin1)), bufferSize);

    public static HttpReader Trickle(string latin1, int bufferSize = 16 * 1024) =>
        new(new TrickleStream(Encoding.Latin1.GetBytes(latin1)), bufferSize);

    public static async Task<string> ReadToEndAsync(Stream s, CancellationToken ct)
    {
        var ms = new MemoryStream();
        await s.CopyToAsync(ms, ct);
        return Encoding.Latin1.GetString(ms.ToArray());
    }

    public static async Task<string> RestAsync(HttpReader reader, CancellationToken ct)
    {
        var ms = new MemoryStream();
        var buf = new byte[100];
        int n;
        while ((n = await reader.ReadAsync(buf, ct)) > 0)
        {
            ms.Write(buf, 0, n);
        }
        return Encoding.Latin1.GetString(ms.ToArray());
    }
}

using System.Net.Sockets;
using System.Text;

namespace Berth.Api.Docker.Tests;

/// <summary>Byte-level reads from a socket, for asserting exactly what the server sent.</summary>
internal static class RawClient
{
    public static async Task SendAsync(Socket s, string text, CancellationToken ct) =>
        await s.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None, ct);

    /// <summary>Reads up to and including the blank line that ends a response head.</summary>
    public static async Task<string> ReadHeadAsync(Socket s, CancellationToken ct)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (!sb.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await s.ReceiveAsync(one, SocketFlags.None, ct) == 0)
            {
                throw new IOException("closed inside the head: " + sb);
            }
            sb.Append((char)one[0]);
        }
        return sb.ToString();
    }

    public static async Task<string> ReadExactlyAsync(Socket s, int count, CancellationToken ct)
    {
        var buf = new byte[count];
        var got = 0;
        while (got < count)
        {
            var n = await s.ReceiveAsync(buf.AsMemory(got), SocketFlags.None, ct);
            if (n == 0)
            {
                throw new IOException("closed after " + got + " bytes");
            }
            got += n;
        }
        return Encoding.ASCII.GetString(buf);
    }

    public static async Task<string> ReadToEndAsync(Socket s, CancellationToken ct)
    {
        var ms = new MemoryStream();
        var buf = new byte[4096];
        int n;
        while ((n = await s.ReceiveAsync(buf, SocketFlags.None, ct)) > 0)
        {
            ms.Write(buf, 0, n);
        }
        return Encoding.ASCII.GetString(ms.ToArray());
    }
}

using System.Net.Sockets;

namespace Berth.Network.Dns;

/// <summary>Whole-buffer reads and writes on a stream socket, for DNS over TCP's length-prefixed messages (RFC 1035 §4.2.2).</summary>
internal static class DnsStream
{
    /// <summary>Fills <paramref name="buffer"/>; false when the peer closed first.</summary>
    public static async ValueTask<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }

    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var n = await socket.SendAsync(buffer, SocketFlags.None, cancellationToken);
            buffer = buffer[n..];
        }
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Berth.Network.Dns;

namespace Berth.Network.Tests.Dns;

/// <summary>A minimal stub resolver over real loopback sockets, built on <see cref="DnsMessage"/>.</summary>
internal static class DnsTestClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<DnsMessage> UdpAsync(IPEndPoint server, DnsMessage query, TimeSpan? timeout = null)
    {
        var bytes = await UdpRawAsync(server, query.ToArray(), timeout);
        Assert.True(DnsMessage.TryParse(bytes, out var answer), "the answer parses");
        return answer;
    }

    public static async Task<byte[]> UdpRawAsync(IPEndPoint server, byte[] query, TimeSpan? timeout = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Connect(server);
        await socket.SendAsync(query, SocketFlags.None);
        var buffer = new byte[65535];
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return buffer[..n];
    }

    /// <summary>Sends and reports whether anything came back within <paramref name="wait"/>.</summary>
    public static async Task<bool> UdpGetsAnswerAsync(IPEndPoint server, byte[] query, TimeSpan wait)
    {
        try
        {
            await UdpRawAsync(server, query, wait);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static async Task<DnsMessage> TcpAsync(IPEndPoint server, DnsMessage query)
    {
        using var socket = await ConnectAsync(server);
        return await TcpExchangeAsync(socket, query);
    }

    public static async Task<Socket> ConnectAsync(IPEndPoint server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server);
        return socket;
    }

    public static async Task<DnsMessage> TcpExchangeAsync(Socket socket, DnsMessage query)
    {
        var bytes = query.ToArray();
        var framed = new byte[bytes.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)bytes.Length);
        bytes.CopyTo(framed, 2);
        await socket.SendAsync(framed, SocketFlags.None);
        var answer = await TcpReadAsync(socket);
        Assert.NotNull(answer);
        Assert.True(DnsMessage.TryParse(answer, out var message), "the answer parses");
        return message;
    }

    /// <summary>One length-prefixed message, or null when the server closed the connection.</summary>
    public static async Task<byte[]?> TcpReadAsync(Socket socket)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var prefix = new byte[2];
        if (!await ReadExactlyAsync(socket, prefix, cts.Token))
        {
            return null;
        }
        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(prefix)];
        return await ReadExactlyAsync(socket, body, cts.Token) ? body : null;
    }

    private static async Task<bool> ReadExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer[read..], SocketFlags.None, cancellationToken);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                return false;
            }
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Berth.Network.Dns;

namespace Berth.Network.Tests.Dns;

/// <summary>
/// A scripted upstream nameserver on 127.0.0.1 (UDP and TCP on the same port). The handler sees each query and whether
/// it came over TCP; it returns the answer, or null to stay silent.
/// </summary>
internal sealed class FakeUpstream : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly Func<DnsMessage, bool, DnsMessage?> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _udpLoop;
    private readonly Task _tcpLoop;
    private int _udpQueries;
    private int _tcpQueries;

    public FakeUpstream(Func<DnsMessage, bool, DnsMessage?> handler)
    {
        _handler = handler;
        _tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _tcp.Listen();
        var port = ((IPEndPoint)_tcp.LocalEndPoint!).Port;
        _udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
        EndPoint = new IPEndPoint(IPAddress.Loopback, port);
        _udpLoop = Task.Run(ServeUdpAsync);
        _tcpLoop = Task.Run(ServeTcpAsync);
    }

    public IPEndPoint EndPoint { get; }
    public int UdpQueries => Volatile.Read(ref _udpQueries);
    public int TcpQueries => Volatile.Read(ref _tcpQueries);

    /// <summary>An answer to <paramref name="query"/> with its id and question, as an upstream writes one.</summary>
    public static DnsMessage ReplyTo(DnsMessage query, params DnsRecord[] answers)
    {
        var reply = new DnsMessage
        {
            Id = query.Id,
            IsResponse = true,
            RecursionDesired = query.RecursionDesired,
            RecursionAvailable = true,
            Edns = query.Edns is null ? null : new DnsEdns { UdpPayloadSize = 4096 },
        };
        reply.Questions.AddRange(query.Questions);
        reply.Answers.AddRange(answers);
        return reply;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
        await Task.WhenAll(_udpLoop, _tcpLoop).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _stop.Dispose();
    }

    private async Task ServeUdpAsync()
    {
        var buffer = new byte[65535];
        try
        {
            while (true)
            {
                var r = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                Interlocked.Increment(ref _udpQueries);
                if (DnsMessage.TryParse(buffer.AsSpan(0, r.ReceivedBytes), out var query) && _handler(query, false) is { } answer)
                {
                    await _udp.SendToAsync(answer.ToArray(), SocketFlags.None, r.RemoteEndPoint);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeTcpAsync()
    {
        try
        {
            while (true)
            {
                var connection = await _tcp.AcceptAsync(_stop.Token);
                _ = Task.Run(async () =>
                {
                    using (connection)
                    {
                        while (await DnsTestClient.TcpReadAsync(connection) is { } bytes)
                        {
                            Interlocked.Increment(ref _tcpQueries);
                            if (!DnsMessage.TryParse(bytes, out var query) || _handler(query, true) is not { } answer)
                            {
                                continue;
                            }
                            var body = answer.ToArray();
                            var framed = new byte[body.Length + 2];
                            BinaryPrimitives.WriteUInt16BigEndian(framed, (ushort)body.Length);
                            body.CopyTo(framed, 2);
                            await connection.SendAsync(framed, SocketFlags.None);
                        }
                    }
                });
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}

using System.Net;
using System.Net.Sockets;
using Berth.Network.Dns;

namespace Berth.Network.Tests.Dns;

/// <summary>A <see cref="DnsServer"/> on two fresh loopback sockets (port 0), as the engine would hand them over.</summary>
internal sealed class ServerUnderTest : IAsyncDisposable
{
    private ServerUnderTest(DnsServer server, IPEndPoint udp, IPEndPoint tcp)
    {
        Server = server;
        Udp = udp;
        Tcp = tcp;
    }

    public DnsServer Server { get; }
    public IPEndPoint Udp { get; }
    public IPEndPoint Tcp { get; }

    public static ServerUnderTest Start(IDnsResolver resolver, IReadOnlyList<IPEndPoint>? upstreams = null, DnsServerOptions? options = null, string sandbox = "sb-client")
    {
        var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        tcp.Listen();
        var udpEnd = (IPEndPoint)udp.LocalEndPoint!;
        var tcpEnd = (IPEndPoint)tcp.LocalEndPoint!;
        var server = DnsServer.Start(udp, tcp, sandbox, resolver, upstreams ?? [], options);
        return new ServerUnderTest(server, udpEnd, tcpEnd);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

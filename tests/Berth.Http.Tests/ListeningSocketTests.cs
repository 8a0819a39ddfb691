using System.Net;
using System.Net.Sockets;

namespace Berth.Http.Tests;

public sealed class ListeningSocketTests
{
    [Fact]
    public void Port_zero_binds_a_free_port_that_takes_connections()
    {
        using var listener = ListeningSocket.Tcp(new IPEndPoint(IPAddress.Loopback, 0));
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        Assert.NotEqual(0, bound.Port);

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(bound);
        using var accepted = listener.Accept();
        Assert.True(accepted.Connected);
    }

    [Fact]
    public void The_ipv6_any_address_takes_ipv4_connections_too()
    {
        using var listener = ListeningSocket.Tcp(new IPEndPoint(IPAddress.IPv6Any, 0));
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(new IPEndPoint(IPAddress.Loopback, port));
        using var accepted = listener.Accept();
        Assert.True(accepted.Connected);
    }

    [Fact]
    public void A_port_in_use_is_an_error()
    {
        using var first = ListeningSocket.Tcp(new IPEndPoint(IPAddress.Loopback, 0));
        var e = Assert.Throws<SocketException>(() => ListeningSocket.Tcp((IPEndPoint)first.LocalEndPoint!));
        Assert.Equal(SocketError.AddressAlreadyInUse, e.SocketErrorCode);
    }
}

using System.Net;
using System.Net.Sockets;

namespace Berth.Http;

/// <summary>The listening sockets of Berth's servers (the Engine API, the registry).</summary>
public static class ListeningSocket
{
    private const int SolSocket = 1, SoReuseAddr = 2;

    /// <summary>Binds a TCP address (port 0: any free port; <c>[::]</c> takes IPv4 connections too, as Go's
    /// listeners do) and listens.</summary>
    public static Socket Tcp(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endpoint.AddressFamily == AddressFamily.InterNetworkV6 && endpoint.Address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            // SO_REUSEADDR alone, as Go's listeners: a restarted server binds again over TIME_WAIT connections.
            // (.NET's ReuseAddress also sets SO_REUSEPORT, which let a second server bind the same port and share it.)
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            socket.Bind(endpoint);
            socket.Listen(512);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Berth.Common;
using Berth.Http;

namespace Berth.Network;

/// <summary>
/// The userland proxy, as Docker's docker-proxy: for what the kernel's NAT cannot carry, a published port on the
/// host's IPv6 addresses (<c>[::]:8080</c>) to a container that has only IPv4. It listens in the daemon and copies
/// each TCP connection, or relays each UDP client's datagrams, to the container's address.
/// </summary>
internal sealed class PortProxy : IDisposable
{
    private static readonly TimeSpan UdpIdle = TimeSpan.FromSeconds(90);
    private const int MaxUdpClients = 1024;

    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<EndPoint, UdpClientFlow> _flows = new();

    private PortProxy(Socket listener, IPEndPoint target)
    {
        _listener = listener;
        _target = target;
    }

    /// <summary>Binds the host side at once (so a taken port fails the container's start, as Docker's proxy does)
    /// and serves in the background until disposed.</summary>
    public static PortProxy Start(string protocol, IPEndPoint listen, IPEndPoint target)
    {
        var udp = protocol == "udp";
        var socket = new Socket(listen.AddressFamily, udp ? SocketType.Dgram : SocketType.Stream, udp ? ProtocolType.Udp : ProtocolType.Tcp);
        try
        {
            if (listen.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false; // the kernel's NAT serves IPv4; this socket takes only IPv6
            }
            socket.Bind(listen);
            if (!udp)
            {
                socket.Listen(512);
            }
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var proxy = new PortProxy(socket, target);
        _ = udp ? proxy.RelayUdpAsync() : proxy.AcceptTcpAsync();
        return proxy;
    }

    private Task AcceptTcpAsync() => AcceptLoop.RunAsync(_listener, CopyTcpAsync, _stop.Token);

    private async Task CopyTcpAsync(Socket client)
    {
        using var inbound = client;
        using var outbound = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await outbound.ConnectAsync(_target, _stop.Token).ConfigureAwait(false);
            await using var a = new NetworkStream(inbound, ownsSocket: false);
            await using var b = new NetworkStream(outbound, ownsSocket: false);
            await Task.WhenAll(PumpAsync(a, b, outbound), PumpAsync(b, a, inbound)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The container or the client went away: the connection ends, as it would through NAT.
        }
    }

    /// <summary>Copies one direction, then half-closes the other side so each end sees the other's EOF.</summary>
    private async Task PumpAsync(Stream from, Stream to, Socket toSocket)
    {
        try
        {
            await from.CopyToAsync(to, 64 * 1024, _stop.Token).ConfigureAwait(false);
            toSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            toSocket.Close();
        }
    }

    /// <summary>One UDP client seen on the host side, with its own socket toward the container (so answers find it).</summary>
    private sealed class UdpClientFlow(Socket toContainer)
    {
        public Socket ToContainer { get; } = toContainer;
        public long LastSeen = Environment.TickCount64;
    }

    private async Task RelayUdpAsync()
    {
        var buffer = new byte[65535];
        EndPoint any = new IPEndPoint(_listener.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult got;
            try
            {
                got = await _listener.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // an ICMP error from an earlier answer; the socket still serves
            }
            ExpireUdpFlows();
            if (!_flows.TryGetValue(got.RemoteEndPoint, out var flow))
            {
                if (_flows.Count >= MaxUdpClients)
                {
                    continue;
                }
                var s = new Socket(_target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                s.Connect(_target);
                flow = new UdpClientFlow(s);
                _flows[got.RemoteEndPoint] = flow;
                _ = AnswerUdpAsync(got.RemoteEndPoint, flow);
            }
            flow.LastSeen = Environment.TickCount64;
            try
            {
                await flow.ToContainer.SendAsync(buffer.AsMemory(0, got.ReceivedBytes), SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            catch (SocketException)
            {
            }
        }
    }

    private async Task AnswerUdpAsync(EndPoint client, UdpClientFlow flow)
    {
        var buffer = new byte[65535];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                int n;
                try
                {
                    n = await flow.ToContainer.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    continue; // port unreachable until the container listens
                }
                flow.LastSeen = Environment.TickCount64;
                await _listener.SendToAsync(buffer.AsMemory(0, n), SocketFlags.None, client, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            _flows.TryRemove(client, out _);
            flow.ToContainer.Dispose();
        }
    }

    private void ExpireUdpFlows()
    {
        var now = Environment.TickCount64;
        foreach (var (client, flow) in _flows)
        {
            if (now - flow.LastSeen > UdpIdle.TotalMilliseconds)
            {
                _flows.TryRemove(client, out _);
                flow.ToContainer.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        foreach (var flow in _flows.Values)
        {
            flow.ToContainer.Dispose();
        }
        _flows.Clear();
    }

    /// <summary>Whether the host can take IPv6 listeners at all (a kernel booted without IPv6 cannot).</summary>
    public static bool HostHasIPv6 => Socket.OSSupportsIPv6 && File.Exists("/proc/net/if_inet6");
}

using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Berth.Common;

namespace Berth.Network.Dns;

/// <summary>
/// The embedded DNS server of one container on user-defined networks (dockerd's 127.0.0.11): answers the engine's names
/// from <see cref="IDnsResolver"/> and forwards the rest upstream. The engine binds the sockets inside the container's
/// network namespace and hands them over; the server owns them from then on and serves them until disposed.
/// </summary>
public sealed class DnsServer : IAsyncDisposable
{
    private readonly Socket _udp;
    private readonly Socket _tcp;
    private readonly DnsResponder _responder;
    private readonly DnsForwarder _forwarder;
    private readonly DnsServerOptions _options;
    private readonly string _sandboxId;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The server itself plus every running loop, connection and forward: Dispose waits for this to reach zero.
    private int _active = 1;
    private int _tcpConnections;
    private int _forwards;
    private int _disposed;

    private DnsServer(Socket udp, Socket tcp, string sandboxId, IDnsResolver resolver, IReadOnlyList<IPEndPoint> upstreams, DnsServerOptions options)
    {
        _udp = udp;
        _tcp = tcp;
        _sandboxId = sandboxId;
        _options = options;
        _responder = new DnsResponder(sandboxId, resolver, options);
        _forwarder = new DnsForwarder(upstreams, options.ForwardTimeout);
    }

    /// <summary>
    /// Starts serving <paramref name="udp"/> (a bound datagram socket) and <paramref name="tcpListener"/> (a bound,
    /// listening stream socket) for sandbox <paramref name="sandboxId"/>. Queries that are not the engine's go to
    /// <paramref name="upstreams"/> in order; with none, they get SERVFAIL (compat(docker)).
    /// </summary>
    public static DnsServer Start(
        Socket udp,
        Socket tcpListener,
        string sandboxId,
        IDnsResolver resolver,
        IReadOnlyList<IPEndPoint> upstreams,
        DnsServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(udp);
        ArgumentNullException.ThrowIfNull(tcpListener);
        ArgumentNullException.ThrowIfNull(resolver);
        ArgumentNullException.ThrowIfNull(upstreams);
        if (udp.SocketType != SocketType.Dgram || !udp.IsBound)
        {
            throw new ArgumentException("expected a bound UDP socket", nameof(udp));
        }
        if (tcpListener.SocketType != SocketType.Stream || !tcpListener.IsBound)
        {
            throw new ArgumentException("expected a bound, listening TCP socket", nameof(tcpListener));
        }
        options ??= new DnsServerOptions();
        if (options.MaxQuerySize is < DnsWire.ClassicUdpSize or > DnsMessage.MaxSize)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxQuerySize must be within 512..65535");
        }
        var server = new DnsServer(udp, tcpListener, sandboxId, resolver, upstreams, options);
        server.Launch(server.ServeUdpAsync);
        server.Launch(server.AcceptTcpAsync);
        return server;
    }

    /// <summary>The upstream nameservers, replaceable while serving (the host's resolv.conf changed).</summary>
    public IReadOnlyList<IPEndPoint> Upstreams
    {
        get => _forwarder.Upstreams;
        set => _forwarder.Upstreams = value;
    }

    /// <summary>Closes both sockets, cancels forwards and connections, and returns once every task of the server has ended.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            await _drained.Task.ConfigureAwait(false);
            return;
        }
        _stop.Cancel();
        _udp.Dispose();
        _tcp.Dispose();
        Exit();
        await _drained.Task.ConfigureAwait(false);
        _stop.Dispose();
    }

    private void Launch(Func<Task> loop)
    {
        if (TryEnter())
        {
            // Off the caller's stack: Start returns at once, and the loops begin on the thread pool.
            _ = Task.Run(loop);
        }
    }

    private bool TryEnter()
    {
        var n = Volatile.Read(ref _active);
        while (n > 0)
        {
            var seen = Interlocked.CompareExchange(ref _active, n + 1, n);
            if (seen == n)
            {
                return true;
            }
            n = seen;
        }
        return false;
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0)
        {
            _drained.TrySetResult();
        }
    }

    private async Task ServeUdpAsync()
    {
        try
        {
            var buffer = new byte[_options.MaxQuerySize];
            var client = new SocketAddress(_udp.AddressFamily);
            while (!_stop.IsCancellationRequested)
            {
                int n;
                try
                {
                    n = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, client, _stop.Token);
                }
                catch (SocketException e) when (!_stop.IsCancellationRequested)
                {
                    // An oversized datagram or a stray ICMP error leaves the socket good; anything else gets a pause so
                    // a broken socket cannot spin this loop.
                    Debug("dns: udp receive failed", e.SocketErrorCode.ToString());
                    if (e.SocketErrorCode is not (SocketError.MessageSize or SocketError.ConnectionReset or SocketError.ConnectionRefused))
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(20), _stop.Token);
                    }
                    continue;
                }
                try
                {
                    HandleUdp(buffer.AsSpan(0, n), client);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Log.Error("dns: query handling failed", ("sandbox", _sandboxId), ("error", e.ToString()));
                }
            }
        }
        catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        catch (Exception e)
        {
            Log.Error("dns: udp server stopped", ("sandbox", _sandboxId), ("error", e.ToString()));
        }
        finally
        {
            Exit();
        }
    }

    private void HandleUdp(ReadOnlySpan<byte> message, SocketAddress client)
    {
        var response = ArrayPool<byte>.Shared.Rent(DnsMessage.MaxSize);
        try
        {
            var disposition = _responder.Answer(message, response, tcp: false, out var query, out var length);
            if (disposition == DnsDisposition.Forward)
            {
                if (TryStartForward())
                {
                    // The receive buffer is reused at once: the forward takes its own copy, with room for a TCP prefix.
                    var copy = ArrayPool<byte>.Shared.Rent(message.Length + 2);
                    message.CopyTo(copy.AsSpan(2));
                    var from = new SocketAddress(client.Family, client.Size);
                    client.Buffer.Span[..client.Size].CopyTo(from.Buffer.Span);
                    _ = ForwardUdpAsync(copy, message.Length, query, from);
                    return;
                }
                length = _responder.WriteError(message, query, DnsResponseCode.Refused, response);
            }
            if (length > 0)
            {
                SendUdp(response.AsSpan(0, length), client);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(response);
        }
    }

    private void SendUdp(ReadOnlySpan<byte> response, SocketAddress client)
    {
        try
        {
            _udp.SendTo(response, SocketFlags.None, client);
        }
        catch (SocketException e)
        {
            Debug("dns: udp send failed", e.SocketErrorCode.ToString());
        }
    }

    private async Task ForwardUdpAsync(byte[] query, int length, DnsQuery parsed, SocketAddress client)
    {
        var response = ArrayPool<byte>.Shared.Rent(DnsMessage.MaxSize + 2);
        try
        {
            var n = await _forwarder.ExchangeAsync(query, length, parsed.QuestionEnd, tcp: false, response, _stop.Token);
            n = Relay(query.AsSpan(2, length), parsed, response.AsSpan(2), n, parsed.UdpLimit);
            if (n > 0)
            {
                SendUdp(response.AsSpan(2, n), client);
            }
        }
        catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        catch (Exception e)
        {
            Log.Error("dns: forwarding failed", ("sandbox", _sandboxId), ("error", e.ToString()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(response);
            EndForward();
        }
    }

    /// <summary>
    /// Turns what the forwarder got (<paramref name="length"/> bytes at the start of <paramref name="answer"/>, 0 for
    /// nothing) into what the client gets: the client's id back, cut to <paramref name="limit"/>; SERVFAIL when no
    /// upstream answered or the answer cannot be cut.
    /// </summary>
    private int Relay(ReadOnlySpan<byte> query, in DnsQuery parsed, Span<byte> answer, int length, int limit)
    {
        if (length > 0)
        {
            DnsWire.SetId(answer, parsed.Id);
            length = DnsTruncation.Truncate(answer[..length], limit);
        }
        return length > 0 ? length : _responder.WriteError(query, parsed, DnsResponseCode.ServFail, answer);
    }

    private bool TryStartForward()
    {
        if (Interlocked.Increment(ref _forwards) > _options.MaxConcurrentForwards || !TryEnter())
        {
            Interlocked.Decrement(ref _forwards);
            Debug("dns: too many concurrent forwards", _options.MaxConcurrentForwards.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return false;
        }
        return true;
    }

    private void EndForward()
    {
        Interlocked.Decrement(ref _forwards);
        Exit();
    }

    private async Task AcceptTcpAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                Socket connection;
                try
                {
                    connection = await _tcp.AcceptAsync(_stop.Token);
                }
                catch (SocketException e) when (!_stop.IsCancellationRequested)
                {
                    // Out of descriptors, or a connection reset before it was accepted: wait a little, go on.
                    Debug("dns: accept failed", e.SocketErrorCode.ToString());
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _stop.Token);
                    continue;
                }
                if (Interlocked.Increment(ref _tcpConnections) > _options.MaxTcpConnections || !TryEnter())
                {
                    Interlocked.Decrement(ref _tcpConnections);
                    connection.Dispose();
                    continue;
                }
                _ = ServeTcpAsync(connection);
            }
        }
        catch (Exception e) when (_stop.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        catch (Exception e)
        {
            Log.Error("dns: tcp server stopped", ("sandbox", _sandboxId), ("error", e.ToString()));
        }
        finally
        {
            Exit();
        }
    }

    private async Task ServeTcpAsync(Socket connection)
    {
        var query = ArrayPool<byte>.Shared.Rent(_options.MaxQuerySize + 2);
        var response = ArrayPool<byte>.Shared.Rent(DnsMessage.MaxSize + 2);
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        try
        {
            connection.NoDelay = true;
            while (true)
            {
                idle.CancelAfter(_options.TcpIdleTimeout);
                if (!await DnsStream.ReceiveExactlyAsync(connection, query.AsMemory(0, 2), idle.Token))
                {
                    break;
                }
                int length = BinaryPrimitives.ReadUInt16BigEndian(query);
                if (length > _options.MaxQuerySize
                    || !await DnsStream.ReceiveExactlyAsync(connection, query.AsMemory(2, length), idle.Token))
                {
                    break;
                }
                var disposition = _responder.Answer(query.AsSpan(2, length), response.AsSpan(2, DnsMessage.MaxSize), tcp: true, out var parsed, out var n);
                if (disposition == DnsDisposition.Drop)
                {
                    break;
                }
                if (disposition == DnsDisposition.Forward)
                {
                    if (TryStartForward())
                    {
                        try
                        {
                            n = await _forwarder.ExchangeAsync(query, length, parsed.QuestionEnd, tcp: true, response, _stop.Token);
                        }
                        finally
                        {
                            EndForward();
                        }
                        n = Relay(query.AsSpan(2, length), parsed, response.AsSpan(2), n, DnsMessage.MaxSize);
                    }
                    else
                    {
                        n = _responder.WriteError(query.AsSpan(2, length), parsed, DnsResponseCode.Refused, response.AsSpan(2));
                    }
                }
                if (n == 0)
                {
                    break;
                }
                BinaryPrimitives.WriteUInt16BigEndian(response, (ushort)n);
                idle.CancelAfter(_options.TcpIdleTimeout);
                await DnsStream.SendAllAsync(connection, response.AsMemory(0, n + 2), idle.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            // Idle, reset by the client, or the server stopping: the connection ends either way.
        }
        catch (Exception e)
        {
            Log.Error("dns: tcp connection failed", ("sandbox", _sandboxId), ("error", e.ToString()));
        }
        finally
        {
            connection.Dispose();
            ArrayPool<byte>.Shared.Return(query);
            ArrayPool<byte>.Shared.Return(response);
            Interlocked.Decrement(ref _tcpConnections);
            Exit();
        }
    }

    private void Debug(string message, string detail)
    {
        if (Log.Enabled(LogLevel.Debug))
        {
            Log.Debug(message, ("sandbox", _sandboxId), ("detail", detail));
        }
    }
}

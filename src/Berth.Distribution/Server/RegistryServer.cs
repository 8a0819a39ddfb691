using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Berth.Common;
using Berth.Http;
using HttpProtocolException = Berth.Http.HttpProtocolException;

namespace Berth.Distribution.Server;

/// <summary>
/// The registry's HTTP/1.1 server: keep-alive connections over TCP or unix sockets, one request at a time on
/// each, every connection passed through <see cref="RegistryServerOptions.ConnectionFilter"/> first (TLS).
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    /// <summary>A body left unread by a refused request is drained up to this much, so the client reads the
    /// answer rather than a reset; beyond it the connection is closed.</summary>
    private const long MaxDrain = 64L * 1024 * 1024;

    private readonly RegistryApi _api;
    private readonly RegistryServerOptions _options;
    private readonly List<(Socket Socket, string? Path)> _listeners = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _connections = [];
    private readonly Lock _gate = new();

    public RegistryServer(RegistryStore store, RegistryServerOptions options)
    {
        _options = options;
        _api = new RegistryApi(store, options);
    }

    /// <summary>Binds a TCP address (port 0: any free port) and returns the bound endpoint.</summary>
    public IPEndPoint ListenTcp(IPEndPoint endpoint)
    {
        var socket = ListeningSocket.Tcp(endpoint);
        _listeners.Add((socket, null));
        return (IPEndPoint)socket.LocalEndPoint!;
    }

    public void ListenUnix(string path)
    {
        File.Delete(path);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(512);
        _listeners.Add((socket, path));
    }

    public void Start()
    {
        foreach (var (socket, _) in _listeners)
        {
            _loops.Add(AcceptLoop.RunAsync(socket, Track, _stop.Token));
        }
    }

    private Task Track(Socket client)
    {
        if (client.ProtocolType == ProtocolType.Tcp)
        {
            client.NoDelay = true;
        }
        var task = ServeConnectionAsync(client);
        lock (_gate)
        {
            _connections.Add(task);
        }
        _ = task.ContinueWith(t => { lock (_gate) { _connections.Remove(t); } }, TaskScheduler.Default);
        return task;
    }

    private async Task ServeConnectionAsync(Socket socket)
    {
        await Task.Yield();
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            if (_options.ConnectionFilter is { } filter)
            {
                stream = await filter(stream, _stop.Token).ConfigureAwait(false);
            }
            var reader = new HttpReader(stream, 64 * 1024);
            while (!_stop.IsCancellationRequested)
            {
                HttpRequestHead? head;
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                // A connection that sends no request (or only part of a head) for this long is closed.
                idle.CancelAfter(_options.IdleTimeout);
                try
                {
                    head = await HttpRequestHead.ReadAsync(reader, idle.Token).ConfigureAwait(false);
                }
                catch (HttpProtocolException e)
                {
                    var bad = new RegistryExchange(new HttpRequestHead { Method = "GET", Target = "/", Version = "HTTP/1.1", Headers = new HttpHeaders() }, reader, stream) { CloseConnection = true };
                    await bad.WriteErrorAsync(400, new RegistryException(RegistryErrorCode.Unsupported, "malformed request", e.Message), _stop.Token).ConfigureAwait(false);
                    return;
                }
                if (head is null || !await ServeRequestAsync(head, reader, stream).ConfigureAwait(false))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or HttpProtocolException)
        {
        }
        finally
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Serves one request; false when the connection ends with it.</summary>
    private async Task<bool> ServeRequestAsync(HttpRequestHead head, HttpReader reader, Stream stream)
    {
        var started = Stopwatch.GetTimestamp();
        var x = new RegistryExchange(head, reader, stream) { CloseConnection = !head.KeepAlive };
        var ct = _stop.Token;
        try
        {
            await _api.HandleAsync(x, ct).ConfigureAwait(false);
        }
        catch (RegistryException e) when (!x.ResponseStarted)
        {
            await x.WriteErrorAsync(RegistryHttp.StatusOf(e.Code), e, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not HttpProtocolException && !x.ResponseStarted && !ct.IsCancellationRequested)
        {
            Log.Error("registry request failed", ("method", head.Method), ("path", head.Target), ("error", e.ToString()));
            x.CloseConnection = true;
            await x.WriteErrorAsync(500, new RegistryException(RegistryErrorCode.Unsupported, "internal error", e.Message), ct).ConfigureAwait(false);
        }
        if (Log.Enabled(LogLevel.Debug))
        {
            Log.Debug("registry request", ("method", head.Method), ("path", head.Target), ("status", x.Status),
                ("ms", Stopwatch.GetElapsedTime(started).TotalMilliseconds.ToString("F2", CultureInfo.InvariantCulture)));
        }
        if (x.CloseConnection || !head.KeepAlive)
        {
            return false;
        }
        return await DrainAsync(x.Body, ct).ConfigureAwait(false);
    }

    private static async Task<bool> DrainAsync(Stream body, CancellationToken ct)
    {
        var buf = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = await body.ReadAsync(buf, ct).ConfigureAwait(false)) > 0)
        {
            total += n;
            if (total > MaxDrain)
            {
                return false;
            }
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var (socket, path) in _listeners)
        {
            socket.Dispose();
            if (path is not null)
            {
                File.Delete(path);
            }
        }
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _loops, .. _connections];
        }
        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}

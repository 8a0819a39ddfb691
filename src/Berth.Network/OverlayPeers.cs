using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Common;
using Berth.Http;

namespace Berth.Network;

/// <summary>A container on an overlay network, as one host tells the others.</summary>
public sealed record RemoteEndpoint(string ContainerId, string Name, IReadOnlyList<string> Aliases, string IPv4);

/// <summary>
/// What Berth hosts of an overlay network tell each other: each daemon answers, on its <c>--cluster-advertise</c>
/// address (TCP 7946, as Docker's gossip port), which of its containers are on an overlay network, with their
/// names, aliases and addresses; the others ask when they resolve a name or choose an address. Plain HTTP/1.0 GET,
/// one request per connection, answers capped: peers are trusted hosts of the cluster, but not blindly.
/// </summary>
internal sealed partial class OverlayPeers : IDisposable
{
    public const int DefaultPort = NetworkOptions.DefaultPeerPort;
    private const int MaxAnswer = 1 << 20;
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);

    private readonly Socket _listener;
    private readonly Func<string, IReadOnlyList<RemoteEndpoint>> _local;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Network, IPAddress Peer), (long At, IReadOnlyList<RemoteEndpoint> Endpoints)> _cache = [];

    private OverlayPeers(Socket listener, Func<string, IReadOnlyList<RemoteEndpoint>> local)
    {
        _listener = listener;
        _local = local;
    }

    public static OverlayPeers Start(IPEndPoint listen, Func<string, IReadOnlyList<RemoteEndpoint>> local)
    {
        Socket socket;
        try
        {
            socket = ListeningSocket.Tcp(listen);
        }
        catch (SocketException e)
        {
            throw new BerthException(ErrorKind.FailedPrecondition, $"cannot listen for overlay peers on {listen}: {e.Message}", e);
        }
        var peers = new OverlayPeers(socket, local);
        _ = peers.ServeAsync();
        return peers;
    }

    private Task ServeAsync() => AcceptLoop.RunAsync(_listener, AnswerAsync, _stop.Token);

    private async Task AnswerAsync(Socket client)
    {
        using var _ = client;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            var head = new byte[4096];
            var length = 0;
            while (length < head.Length && !head.AsSpan(0, length).ContainsAny("\n"u8))
            {
                var n = await client.ReceiveAsync(head.AsMemory(length), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }
                length += n;
            }
            var line = Encoding.ASCII.GetString(head, 0, length).Split('\n')[0].TrimEnd('\r');
            var m = RequestLine().Match(line);
            byte[] body;
            string status;
            if (m.Success)
            {
                status = "200 OK";
                body = JsonSerializer.SerializeToUtf8Bytes([.. _local(Uri.UnescapeDataString(m.Groups[1].Value))], OverlayJson.Default.ListRemoteEndpoint);
            }
            else
            {
                status = "404 Not Found";
                body = "{\"message\":\"page not found\"}"u8.ToArray();
            }
            var response = Encoding.ASCII.GetBytes($"HTTP/1.0 {status}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await client.SendAsync(response.Concat(body).ToArray(), SocketFlags.None, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The containers the peers have on <paramref name="network"/> (answers younger than a second are
    /// reused); a peer that does not answer in time counts as having none.</summary>
    public IReadOnlyList<RemoteEndpoint> Query(IReadOnlyList<IPAddress> peers, string network, int port, TimeSpan timeout)
    {
        var now = Environment.TickCount64;
        var tasks = new List<Task<IReadOnlyList<RemoteEndpoint>>>();
        var result = new List<RemoteEndpoint>();
        foreach (var peer in peers)
        {
            lock (_lock)
            {
                if (_cache.TryGetValue((network, peer), out var hit) && now - hit.At < Fresh.TotalMilliseconds)
                {
                    result.AddRange(hit.Endpoints);
                    continue;
                }
            }
            tasks.Add(AskAsync(peer, network, port, timeout));
        }
        try
        {
            Task.WaitAll([.. tasks], timeout + TimeSpan.FromMilliseconds(100));
        }
        catch (AggregateException)
        {
        }
        foreach (var t in tasks.Where(t => t.IsCompletedSuccessfully))
        {
            result.AddRange(t.Result);
        }
        return result;
    }

    private async Task<IReadOnlyList<RemoteEndpoint>> AskAsync(IPAddress peer, string network, int port, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var socket = new Socket(peer.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(peer, port), cts.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /overlay/v1/networks/{Uri.EscapeDataString(network)}/endpoints HTTP/1.0\r\n\r\n"), SocketFlags.None, cts.Token).ConfigureAwait(false);
            var buffer = new byte[MaxAnswer];
            var length = 0;
            int n;
            while ((n = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cts.Token).ConfigureAwait(false)) > 0)
            {
                length += n;
                if (length == buffer.Length)
                {
                    return [];
                }
            }
            var split = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8);
            if (split < 0 || !buffer.AsSpan(0, length).StartsWith("HTTP/1.0 200"u8) && !buffer.AsSpan(0, length).StartsWith("HTTP/1.1 200"u8))
            {
                return [];
            }
            var endpoints = JsonSerializer.Deserialize(buffer.AsSpan(split + 4, length - split - 4), OverlayJson.Default.ListRemoteEndpoint) ?? [];
            lock (_lock)
            {
                _cache[(network, peer)] = (Environment.TickCount64, endpoints);
            }
            return endpoints;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or JsonException or IOException)
        {
            return [];
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^GET /overlay/v1/networks/([^/ ]+)/endpoints HTTP/1\.[01]$")]
    private static partial System.Text.RegularExpressions.Regex RequestLine();
}

[JsonSerializable(typeof(List<RemoteEndpoint>))]
internal sealed partial class OverlayJson : JsonSerializerContext;

using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Berth.Common;

namespace Berth.Network.Dns;

/// <summary>
/// Sends queries the engine cannot answer to the upstream nameservers, from the daemon's own network namespace.
/// Each upstream is tried in turn within one overall timeout; a truncated UDP answer is fetched again over TCP.
/// The query leaves with a fresh random id (and a fresh socket, so a fresh source port) to resist spoofed answers.
/// </summary>
internal sealed class DnsForwarder
{
    private readonly TimeSpan _timeout;
    private volatile IPEndPoint[] _upstreams;

    public DnsForwarder(IReadOnlyList<IPEndPoint> upstreams, TimeSpan timeout)
    {
        _upstreams = [.. upstreams];
        _timeout = timeout;
    }

    public IReadOnlyList<IPEndPoint> Upstreams
    {
        get => _upstreams;
        set => _upstreams = [.. value];
    }

    /// <summary>
    /// Forwards the query held at <c>query[2..2+length]</c> (the two bytes before it are room for a TCP length prefix;
    /// its id is overwritten). The answer lands at <c>response[2..]</c>, id not yet restored; returns its length, or 0
    /// when no upstream gave a usable answer.
    /// </summary>
    public async ValueTask<int> ExchangeAsync(byte[] query, int length, int questionEnd, bool tcp, byte[] response, CancellationToken cancellationToken)
    {
        var upstreams = _upstreams;
        if (upstreams.Length == 0)
        {
            return 0;
        }
        var id = NewId();
        DnsWire.SetId(query.AsSpan(2), id);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < upstreams.Length; i++)
        {
            var remaining = _timeout - Stopwatch.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }
            var upstream = upstreams[i];
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Share what is left among the upstreams not yet tried, so a dead first one cannot eat the whole budget.
            attempt.CancelAfter(remaining / (upstreams.Length - i));
            int n;
            try
            {
                n = tcp
                    ? await TcpExchangeAsync(upstream, query, length, questionEnd, id, response, attempt.Token)
                    : await UdpThenTcpAsync(upstream, query, length, questionEnd, id, response, attempt.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                Debug("dns: upstream timed out", upstream, tcp);
                continue;
            }
            catch (SocketException e)
            {
                Debug("dns: upstream failed", upstream, tcp, e.SocketErrorCode);
                continue;
            }
            if (n == 0)
            {
                continue;
            }
            var rcode = DnsWire.Rcode(response.AsSpan(2, n));
            if (rcode is DnsResponseCode.ServFail or DnsResponseCode.Refused)
            {
                // compat(docker): a failing or refusing upstream is passed over for the next one.
                Debug("dns: upstream answered " + rcode, upstream, tcp);
                continue;
            }
            return n;
        }
        return 0;
    }

    private static async ValueTask<int> UdpThenTcpAsync(IPEndPoint upstream, byte[] query, int length, int questionEnd, ushort id, byte[] response, CancellationToken cancellationToken)
    {
        var n = await UdpExchangeAsync(upstream, query, length, questionEnd, id, response, cancellationToken);
        if (n == 0 || (response[4] & (DnsWire.FlagTc >> 8)) == 0)
        {
            return n;
        }
        // Truncated: ask again over TCP, keeping the UDP answer to relay (TC and all) if TCP fails.
        var saved = ArrayPool<byte>.Shared.Rent(n);
        try
        {
            response.AsSpan(2, n).CopyTo(saved);
            try
            {
                var full = await TcpExchangeAsync(upstream, query, length, questionEnd, id, response, cancellationToken);
                if (full > 0)
                {
                    return full;
                }
            }
            catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                Debug("dns: upstream TCP failed after a truncated answer", upstream, true);
            }
            saved.AsSpan(0, n).CopyTo(response.AsSpan(2));
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(saved);
        }
    }

    private static async ValueTask<int> UdpExchangeAsync(IPEndPoint upstream, byte[] query, int length, int questionEnd, ushort id, byte[] response, CancellationToken cancellationToken)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        await socket.ConnectAsync(upstream, cancellationToken);
        await socket.SendAsync(query.AsMemory(2, length), SocketFlags.None, cancellationToken);
        while (true)
        {
            // A connected socket only hears from the upstream; anything that is not the answer is ignored.
            var n = await socket.ReceiveAsync(response.AsMemory(2, DnsMessage.MaxSize), SocketFlags.None, cancellationToken);
            if (IsAnswer(response.AsSpan(2, n), query.AsSpan(2, length), questionEnd, id))
            {
                return n;
            }
        }
    }

    private static async ValueTask<int> TcpExchangeAsync(IPEndPoint upstream, byte[] query, int length, int questionEnd, ushort id, byte[] response, CancellationToken cancellationToken)
    {
        using var socket = new Socket(upstream.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(upstream, cancellationToken);
        BinaryPrimitives.WriteUInt16BigEndian(query, (ushort)length);
        await DnsStream.SendAllAsync(socket, query.AsMemory(0, 2 + length), cancellationToken);
        if (!await DnsStream.ReceiveExactlyAsync(socket, response.AsMemory(0, 2), cancellationToken))
        {
            return 0;
        }
        int n = BinaryPrimitives.ReadUInt16BigEndian(response);
        if (!await DnsStream.ReceiveExactlyAsync(socket, response.AsMemory(2, n), cancellationToken))
        {
            return 0;
        }
        return IsAnswer(response.AsSpan(2, n), query.AsSpan(2, length), questionEnd, id) ? n : 0;
    }

    /// <summary>
    /// Whether <paramref name="answer"/> answers <paramref name="query"/>: a response with our id and opcode, echoing our
    /// question (case folded: RFC 4343). An error answer may come without a question (a FORMERR often does).
    /// </summary>
    internal static bool IsAnswer(ReadOnlySpan<byte> answer, ReadOnlySpan<byte> query, int questionEnd, ushort id)
    {
        if (answer.Length < DnsWire.HeaderLength || DnsWire.Id(answer) != id)
        {
            return false;
        }
        var flags = DnsWire.Flags(answer);
        if ((flags & DnsWire.FlagQr) == 0 || (flags & DnsWire.OpcodeMask) != (DnsWire.Flags(query) & DnsWire.OpcodeMask))
        {
            return false;
        }
        return DnsWire.Count(answer, 0) switch
        {
            0 => (flags & DnsWire.RcodeMask) != 0,
            1 => answer.Length >= questionEnd
                && DnsName.EqualsIgnoreCase(answer[DnsWire.HeaderLength..questionEnd], query[DnsWire.HeaderLength..questionEnd]),
            _ => false,
        };
    }

    private static ushort NewId()
    {
        Span<byte> bytes = stackalloc byte[2];
        RandomNumberGenerator.Fill(bytes);
        return BinaryPrimitives.ReadUInt16BigEndian(bytes);
    }

    private static void Debug(string message, IPEndPoint upstream, bool tcp, SocketError? error = null)
    {
        if (Log.Enabled(LogLevel.Debug))
        {
            Log.Debug(message, ("upstream", upstream.ToString()), ("proto", tcp ? "tcp" : "udp"), ("error", error?.ToString()));
        }
    }
}

using System.Net;
using System.Net.Sockets;
using Berth.Common;

namespace Berth.Network.Dns;

/// <summary>
/// The decision of the embedded server, without sockets: a query's bytes in, an answer's bytes out, or the verdict that
/// the query goes upstream. Local answers are written straight into the caller's buffer.
/// </summary>
internal sealed class DnsResponder
{
    /// <summary>compat(docker): every local record carries TTL 600.</summary>
    public const uint Ttl = 600;

    private readonly string _sandboxId;
    private readonly IDnsResolver _resolver;
    private readonly string[] _searchSuffixes;
    private readonly bool _keepUnqualified;
    private readonly ushort _advertisedUdpSize;

    public DnsResponder(string sandboxId, IDnsResolver resolver, DnsServerOptions options)
    {
        _sandboxId = sandboxId;
        _resolver = resolver;
        _searchSuffixes = [.. options.SearchDomains
            .Select(d => d.Trim('.').ToLowerInvariant())
            .Where(d => d.Length > 0)
            .Select(d => "." + d)];
        _keepUnqualified = options.KeepUnqualifiedNames;
        _advertisedUdpSize = (ushort)options.MaxQuerySize;
    }

    /// <summary>
    /// Decides about <paramref name="message"/>. When the answer is local it is written into <paramref name="response"/>
    /// (at most the client's size limit, truncated with TC beyond it) and its length returned in <paramref name="length"/>.
    /// </summary>
    public DnsDisposition Answer(ReadOnlySpan<byte> message, Span<byte> response, bool tcp, out DnsQuery query, out int length)
    {
        length = 0;
        Span<char> name = stackalloc char[DnsName.MaxPresentationLength];
        var verdict = DnsQuery.Parse(message, name, out query);
        var limit = Math.Min(response.Length, tcp ? DnsMessage.MaxSize : query.UdpLimit);
        switch (verdict)
        {
            case DnsQueryVerdict.Drop:
                return DnsDisposition.Drop;
            case DnsQueryVerdict.FormErr:
                length = WriteError(message, query, DnsResponseCode.FormErr, response);
                return DnsDisposition.Answered;
            case DnsQueryVerdict.NotImp:
                length = WriteError(message, query, DnsResponseCode.NotImp, response);
                return DnsDisposition.Answered;
            case DnsQueryVerdict.BadVers:
                length = WriteError(message, query, DnsResponseCode.BadVers, response);
                return DnsDisposition.Answered;
        }
        if (query.Class != DnsClass.IN || query.NameLength == 0)
        {
            return DnsDisposition.Forward;
        }
        name = name[..query.NameLength];
        DnsName.ToLowerAscii(name);
        try
        {
            switch (query.Type)
            {
                case DnsType.A:
                case DnsType.AAAA:
                    {
                        var family = query.Type == DnsType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                        var result = Lookup(name, family);
                        if (result.IsFound)
                        {
                            length = WriteAddresses(message, query, result.Addresses, response[..limit]);
                            return DnsDisposition.Answered;
                        }
                        if (_keepUnqualified && !name.Contains('.'))
                        {
                            length = WriteError(message, query, DnsResponseCode.NoError, response);
                            return DnsDisposition.Answered;
                        }
                        return DnsDisposition.Forward;
                    }
                case DnsType.MX:
                    // compat(docker): a container name has no MX, and NOERROR with no answer lets mail software fall
                    // back to the name's own address (RFC 5321 §5.1).
                    if (Lookup(name, AddressFamily.InterNetwork).IsFound)
                    {
                        length = WriteError(message, query, DnsResponseCode.NoError, response);
                        return DnsDisposition.Answered;
                    }
                    return DnsDisposition.Forward;
                case DnsType.PTR:
                    if (DnsReverseName.TryParse(name, out var address)
                        && _resolver.LookupAddress(_sandboxId, address!) is { } target)
                    {
                        length = WritePointer(message, query, target, response[..limit]);
                        return DnsDisposition.Answered;
                    }
                    return DnsDisposition.Forward;
                default:
                    return DnsDisposition.Forward;
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A fault in the engine's resolver must cost one answer, never the server.
            Log.Warn("dns: local lookup failed", ("sandbox", _sandboxId), ("name", name.ToString()), ("error", e.Message));
            length = WriteError(message, query, DnsResponseCode.ServFail, response);
            return DnsDisposition.Answered;
        }
    }

    /// <summary>
    /// An answer with no records: the header (QR, the query's opcode, RD and CD, RA), the question when there is one to
    /// echo, and an OPT record when the query had one (RFC 6891 §7), which also carries the upper bits of BADVERS.
    /// </summary>
    public int WriteError(ReadOnlySpan<byte> message, in DnsQuery query, DnsResponseCode code, Span<byte> response)
    {
        var w = new DnsWriter(response, compress: false);
        WriteHeader(ref w, message, query, code, answers: 0);
        if (query.HasEdns || code == DnsResponseCode.BadVers)
        {
            DnsWire.WriteOpt(ref w, _advertisedUdpSize, (byte)((ushort)code >> 4), 0, query.DnssecOk, []);
        }
        return w.Overflow ? 0 : w.Position;
    }

    private DnsNameResult Lookup(ReadOnlySpan<char> name, AddressFamily family)
    {
        var s = new string(name);
        var result = _resolver.LookupName(_sandboxId, s, family);
        if (result.IsFound)
        {
            return result;
        }
        foreach (var suffix in _searchSuffixes)
        {
            if (s.Length > suffix.Length && s.EndsWith(suffix, StringComparison.Ordinal))
            {
                result = _resolver.LookupName(_sandboxId, s[..^suffix.Length], family);
                if (result.IsFound)
                {
                    return result;
                }
            }
        }
        return DnsNameResult.NotFound;
    }

    private int WriteAddresses(ReadOnlySpan<byte> message, in DnsQuery query, IReadOnlyList<IPAddress> addresses, Span<byte> response)
    {
        var w = new DnsWriter(response, compress: false);
        WriteHeader(ref w, message, query, DnsResponseCode.NoError, answers: 0);
        var optRoom = query.HasEdns ? DnsWire.EmptyOptLength : 0;
        var family = query.Type == DnsType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        var count = addresses.Count;
        // compat(docker): several containers behind one name come back in random order, a poor man's load balancing.
        Span<int> order = count <= 256 ? stackalloc int[count] : new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }
        Random.Shared.Shuffle(order);
        Span<byte> bytes = stackalloc byte[16];
        ushort answers = 0;
        var truncated = false;
        foreach (var i in order)
        {
            var address = addresses[i];
            if (address.AddressFamily != family || !address.TryWriteBytes(bytes, out var n))
            {
                continue;
            }
            var mark = w.Position;
            WriteOwnerFields(ref w, query.Type);
            w.WriteUInt16((ushort)n);
            w.WriteBytes(bytes[..n]);
            if (w.Overflow || w.Position + optRoom > response.Length)
            {
                w.Rewind(mark);
                truncated = true;
                break;
            }
            answers++;
        }
        return Finish(ref w, query, answers, truncated);
    }

    private int WritePointer(ReadOnlySpan<byte> message, in DnsQuery query, string target, Span<byte> response)
    {
        Span<byte> wire = stackalloc byte[DnsName.MaxWireLength];
        if (!DnsName.TryEncode(target, wire, out var n))
        {
            Log.Warn("dns: resolver returned an invalid name", ("sandbox", _sandboxId), ("name", target));
            return WriteError(message, query, DnsResponseCode.ServFail, response);
        }
        var w = new DnsWriter(response, compress: false);
        WriteHeader(ref w, message, query, DnsResponseCode.NoError, answers: 0);
        WriteOwnerFields(ref w, DnsType.PTR);
        w.WriteUInt16((ushort)n);
        w.WriteBytes(wire[..n]);
        return Finish(ref w, query, 1, truncated: false);
    }

    /// <summary>Owner (a pointer to the question's name, so the client's spelling comes back), type, class and TTL.</summary>
    private static void WriteOwnerFields(ref DnsWriter w, DnsType type)
    {
        w.WriteUInt16(0xC000 | DnsWire.HeaderLength);
        w.WriteUInt16((ushort)type);
        w.WriteUInt16((ushort)DnsClass.IN);
        w.WriteUInt32(Ttl);
    }

    private int Finish(ref DnsWriter w, in DnsQuery query, ushort answers, bool truncated)
    {
        if (query.HasEdns)
        {
            DnsWire.WriteOpt(ref w, _advertisedUdpSize, 0, 0, query.DnssecOk, []);
        }
        if (w.Overflow)
        {
            return 0;
        }
        var written = w.Written;
        DnsWire.SetCount(written, 1, answers);
        if (truncated)
        {
            written[2] |= DnsWire.FlagTc >> 8;
        }
        return w.Position;
    }

    private static void WriteHeader(ref DnsWriter w, ReadOnlySpan<byte> message, in DnsQuery query, DnsResponseCode code, ushort answers)
    {
        // compat(docker): RA set, AA not (dockerd answers as a recursive resolver would); RD and CD echoed (RFC 1035, RFC 4035 §3.2.2).
        var flags = (ushort)(DnsWire.FlagQr | DnsWire.FlagRa | (query.Flags & (DnsWire.OpcodeMask | DnsWire.FlagRd | DnsWire.FlagCd)) | ((ushort)code & DnsWire.RcodeMask));
        w.WriteUInt16(query.Id);
        w.WriteUInt16(flags);
        w.WriteUInt16(query.QuestionEnd > 0 ? (ushort)1 : (ushort)0);
        w.WriteUInt16(answers);
        w.WriteUInt16(0);
        w.WriteUInt16(query.HasEdns || code == DnsResponseCode.BadVers ? (ushort)1 : (ushort)0);
        if (query.QuestionEnd > 0)
        {
            w.WriteBytes(message[DnsWire.HeaderLength..query.QuestionEnd]);
        }
    }
}

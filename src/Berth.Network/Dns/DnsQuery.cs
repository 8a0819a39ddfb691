using System.Buffers.Binary;

namespace Berth.Network.Dns;

/// <summary>
/// The parts of an incoming query the server needs, read straight from its bytes: the header, the one question
/// (its name decoded into a caller's buffer) and the EDNS OPT record. Nothing is allocated.
/// </summary>
internal struct DnsQuery
{
    public ushort Id;
    public ushort Flags;

    /// <summary>Offset just past the question; 0 when there is no readable question to echo.</summary>
    public int QuestionEnd;
    public int NameLength;
    public DnsType Type;
    public DnsClass Class;
    public bool HasEdns;
    public ushort EdnsUdpSize;
    public byte EdnsVersion;
    public bool DnssecOk;

    /// <summary>
    /// Size an answer over UDP may take: 512 without EDNS, else what the client advertised (never below 512,
    /// RFC 6891 §6.2.5).
    /// </summary>
    public readonly int UdpLimit => HasEdns ? Math.Max((int)EdnsUdpSize, DnsWire.ClassicUdpSize) : DnsWire.ClassicUdpSize;

    public static DnsQueryVerdict Parse(ReadOnlySpan<byte> message, Span<char> name, out DnsQuery query)
    {
        query = default;
        if (message.Length < DnsWire.HeaderLength)
        {
            return DnsQueryVerdict.Drop;
        }
        query.Id = DnsWire.Id(message);
        query.Flags = DnsWire.Flags(message);
        if ((query.Flags & DnsWire.FlagQr) != 0)
        {
            return DnsQueryVerdict.Drop;
        }
        var offset = DnsWire.HeaderLength;
        var questionOk = false;
        if (DnsWire.Count(message, 0) == 1
            && DnsName.TryRead(message, ref offset, name, out query.NameLength)
            && offset + 4 <= message.Length
            && IsUncompressed(message[DnsWire.HeaderLength..offset]))
        {
            query.Type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
            query.Class = (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 2)..]);
            offset += 4;
            query.QuestionEnd = offset;
            questionOk = true;
        }
        if ((query.Flags & DnsWire.OpcodeMask) != 0)
        {
            return DnsQueryVerdict.NotImp;
        }
        if (!questionOk)
        {
            return DnsQueryVerdict.FormErr;
        }
        var records = DnsWire.Count(message, 1) + DnsWire.Count(message, 2);
        for (var i = 0; i < records; i++)
        {
            if (!DnsWire.TrySkipRecord(message, ref offset, out _))
            {
                return DnsQueryVerdict.FormErr;
            }
        }
        var additional = DnsWire.Count(message, 3);
        for (var i = 0; i < additional; i++)
        {
            var at = offset;
            if (!DnsWire.TrySkipRecord(message, ref offset, out var type))
            {
                return DnsQueryVerdict.FormErr;
            }
            if (type != DnsType.OPT)
            {
                continue;
            }
            // RFC 6891 §6.1.1: more than one OPT, or one not owned by the root, is a format error.
            if (query.HasEdns || message[at] != 0)
            {
                return DnsQueryVerdict.FormErr;
            }
            query.HasEdns = true;
            query.EdnsUdpSize = BinaryPrimitives.ReadUInt16BigEndian(message[(at + 3)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(message[(at + 5)..]);
            query.EdnsVersion = (byte)(ttl >> 16);
            query.DnssecOk = (ttl & 0x8000) != 0;
        }
        return query.HasEdns && query.EdnsVersion != 0 ? DnsQueryVerdict.BadVers : DnsQueryVerdict.Ok;
    }

    /// <summary>
    /// The question is echoed byte for byte and answers point at it, so its name must stand alone: nothing precedes it
    /// but the header, and a pointer there could only be a trick.
    /// </summary>
    private static bool IsUncompressed(ReadOnlySpan<byte> name)
    {
        var pos = 0;
        while (pos < name.Length && name[pos] != 0)
        {
            if ((name[pos] & 0xC0) != 0)
            {
                return false;
            }
            pos += name[pos] + 1;
        }
        return pos == name.Length - 1;
    }
}

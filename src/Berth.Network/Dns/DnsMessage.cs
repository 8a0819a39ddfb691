using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Berth.Network.Dns;

/// <summary>
/// A DNS message (RFC 1035 §4.1) parsed into sections, or built to be written. The server's hot path does not use it
/// (it answers from the bytes); it serves clients, tests and anything that needs to look inside a message.
/// </summary>
public sealed class DnsMessage
{
    /// <summary>Largest message there is: TCP's two-byte length prefix (RFC 1035 §4.2.2).</summary>
    public const int MaxSize = 65535;

    public ushort Id { get; set; }
    public bool IsResponse { get; set; }
    public DnsOpcode Opcode { get; set; }
    public bool IsAuthoritative { get; set; }
    public bool IsTruncated { get; set; }
    public bool RecursionDesired { get; set; }
    public bool RecursionAvailable { get; set; }
    public bool AuthenticData { get; set; }
    public bool CheckingDisabled { get; set; }

    /// <summary>The full response code: the header's 4 bits, plus the OPT record's upper 8 when <see cref="Edns"/> is present.</summary>
    public DnsResponseCode ResponseCode { get; set; }

    public List<DnsQuestion> Questions { get; } = [];
    public List<DnsRecord> Answers { get; } = [];
    public List<DnsRecord> Authorities { get; } = [];
    public List<DnsRecord> Additionals { get; } = [];
    public DnsEdns? Edns { get; set; }

    /// <summary>A query with one question, recursion desired, as a stub resolver sends it.</summary>
    public static DnsMessage Query(ushort id, string name, DnsType type, DnsEdns? edns = null)
    {
        var m = new DnsMessage { Id = id, RecursionDesired = true, Edns = edns };
        m.Questions.Add(new DnsQuestion(name, type));
        return m;
    }

    /// <summary>Parses a whole message; false for anything malformed (never throws on bad input).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, [NotNullWhen(true)] out DnsMessage? message)
    {
        message = null;
        if (data.Length < DnsWire.HeaderLength)
        {
            return false;
        }
        var flags = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        var m = new DnsMessage
        {
            Id = BinaryPrimitives.ReadUInt16BigEndian(data),
            IsResponse = (flags & DnsWire.FlagQr) != 0,
            Opcode = (DnsOpcode)((flags >> 11) & 0xF),
            IsAuthoritative = (flags & DnsWire.FlagAa) != 0,
            IsTruncated = (flags & DnsWire.FlagTc) != 0,
            RecursionDesired = (flags & DnsWire.FlagRd) != 0,
            RecursionAvailable = (flags & DnsWire.FlagRa) != 0,
            AuthenticData = (flags & DnsWire.FlagAd) != 0,
            CheckingDisabled = (flags & DnsWire.FlagCd) != 0,
            ResponseCode = (DnsResponseCode)(flags & 0xF),
        };
        int qd = BinaryPrimitives.ReadUInt16BigEndian(data[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(data[6..]);
        int ns = BinaryPrimitives.ReadUInt16BigEndian(data[8..]);
        int ar = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);
        // Each question takes at least 5 bytes and each record 11: hostile counts fail here, before any work.
        if ((qd * 5) + ((an + ns + ar) * 11) > data.Length - DnsWire.HeaderLength)
        {
            return false;
        }
        var offset = DnsWire.HeaderLength;
        for (var i = 0; i < qd; i++)
        {
            var name = DnsName.ReadString(data, ref offset);
            if (name is null || offset + 4 > data.Length)
            {
                return false;
            }
            m.Questions.Add(new DnsQuestion(
                name,
                (DnsType)BinaryPrimitives.ReadUInt16BigEndian(data[offset..]),
                (DnsClass)BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..])));
            offset += 4;
        }
        if (!ReadSection(data, ref offset, an, m.Answers, m, allowOpt: false)
            || !ReadSection(data, ref offset, ns, m.Authorities, m, allowOpt: false)
            || !ReadSection(data, ref offset, ar, m.Additionals, m, allowOpt: true))
        {
            return false;
        }
        message = m;
        return true;
    }

    /// <summary>
    /// Writes the message; false when it does not fit in <paramref name="destination"/>.
    /// Names are compressed (RFC 1035 §4.1.4) unless <paramref name="compress"/> is false.
    /// A name that cannot be encoded (empty label, label over 63 bytes, name over 255) throws <see cref="ArgumentException"/>.
    /// </summary>
    public bool TryWrite(Span<byte> destination, out int bytesWritten, bool compress = true)
    {
        if ((ushort)ResponseCode > 0xF && Edns is null)
        {
            throw new InvalidOperationException($"response code {ResponseCode} needs EDNS");
        }
        var w = new DnsWriter(destination, compress);
        w.WriteUInt16(Id);
        var flags = (ushort)(((int)Opcode & 0xF) << 11 | ((ushort)ResponseCode & 0xF));
        flags |= IsResponse ? DnsWire.FlagQr : (ushort)0;
        flags |= IsAuthoritative ? DnsWire.FlagAa : (ushort)0;
        flags |= IsTruncated ? DnsWire.FlagTc : (ushort)0;
        flags |= RecursionDesired ? DnsWire.FlagRd : (ushort)0;
        flags |= RecursionAvailable ? DnsWire.FlagRa : (ushort)0;
        flags |= AuthenticData ? DnsWire.FlagAd : (ushort)0;
        flags |= CheckingDisabled ? DnsWire.FlagCd : (ushort)0;
        w.WriteUInt16(flags);
        w.WriteUInt16(checked((ushort)Questions.Count));
        w.WriteUInt16(checked((ushort)Answers.Count));
        w.WriteUInt16(checked((ushort)Authorities.Count));
        w.WriteUInt16(checked((ushort)(Additionals.Count + (Edns is null ? 0 : 1))));
        foreach (var q in Questions)
        {
            w.WriteName(q.Name, compress: true);
            w.WriteUInt16((ushort)q.Type);
            w.WriteUInt16((ushort)q.Class);
        }
        WriteSection(ref w, Answers);
        WriteSection(ref w, Authorities);
        WriteSection(ref w, Additionals);
        if (Edns is { } edns)
        {
            DnsWire.WriteOpt(ref w, edns.UdpPayloadSize, (byte)((ushort)ResponseCode >> 4), edns.Version, edns.DnssecOk, edns.Options.Span);
        }
        bytesWritten = w.Overflow ? 0 : w.Position;
        return !w.Overflow;
    }

    /// <summary>Writes the message into a new array.</summary>
    public byte[] ToArray(bool compress = true)
    {
        var buffer = new byte[MaxSize];
        if (!TryWrite(buffer, out var n, compress))
        {
            throw new InvalidOperationException("the message is larger than 65535 bytes");
        }
        return buffer.AsSpan(0, n).ToArray();
    }

    private static void WriteSection(ref DnsWriter w, List<DnsRecord> records)
    {
        foreach (var r in records)
        {
            w.WriteName(r.Name, compress: true);
            w.WriteUInt16((ushort)r.Type);
            w.WriteUInt16((ushort)r.Class);
            w.WriteUInt32(r.Ttl);
            var lengthAt = w.Position;
            w.WriteUInt16(0);
            r.Data.Write(ref w);
            if (!w.Overflow)
            {
                w.PatchUInt16(lengthAt, checked((ushort)(w.Position - lengthAt - 2)));
            }
        }
    }

    private static bool ReadSection(ReadOnlySpan<byte> data, ref int offset, int count, List<DnsRecord> records, DnsMessage m, bool allowOpt)
    {
        for (var i = 0; i < count; i++)
        {
            var ownerAt = offset;
            var name = DnsName.ReadString(data, ref offset);
            if (name is null || offset + 10 > data.Length)
            {
                return false;
            }
            var type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var @class = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 4)..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 8)..]);
            offset += 10;
            if (offset + length > data.Length)
            {
                return false;
            }
            if (type == DnsType.OPT)
            {
                // RFC 6891 §6.1.1: one OPT at most, in the additional section, owned by the root.
                if (!allowOpt || m.Edns is not null || data[ownerAt] != 0)
                {
                    return false;
                }
                m.Edns = new DnsEdns
                {
                    UdpPayloadSize = @class,
                    Version = (byte)(ttl >> 16),
                    DnssecOk = (ttl & 0x8000) != 0,
                    Options = data.Slice(offset, length).ToArray(),
                };
                m.ResponseCode = (DnsResponseCode)((ushort)m.ResponseCode | ((ttl >> 24) << 4));
                offset += length;
                continue;
            }
            var rdata = DnsRecordData.Read(data, offset, length, type);
            if (rdata is null)
            {
                return false;
            }
            offset += length;
            records.Add(new DnsRecord(name, type, (DnsClass)@class, ttl, rdata));
        }
        return true;
    }
}

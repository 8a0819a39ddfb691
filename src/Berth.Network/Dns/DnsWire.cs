using System.Buffers.Binary;

namespace Berth.Network.Dns;

/// <summary>Header layout and flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD/CD), and the OPT record (RFC 6891 §6.1.2).</summary>
internal static class DnsWire
{
    public const int HeaderLength = 12;

    /// <summary>The most a UDP answer may hold when the query did not say more through EDNS (RFC 1035 §4.2.1).</summary>
    public const int ClassicUdpSize = 512;

    /// <summary>An OPT record with no options: root name, type, class, TTL, RDLENGTH.</summary>
    public const int EmptyOptLength = 11;

    public const ushort FlagQr = 0x8000;
    public const ushort FlagAa = 0x0400;
    public const ushort FlagTc = 0x0200;
    public const ushort FlagRd = 0x0100;
    public const ushort FlagRa = 0x0080;
    public const ushort FlagAd = 0x0020;
    public const ushort FlagCd = 0x0010;
    public const ushort OpcodeMask = 0x7800;
    public const ushort RcodeMask = 0x000F;

    public static ushort Id(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message);

    public static void SetId(Span<byte> message, ushort id) => BinaryPrimitives.WriteUInt16BigEndian(message, id);

    public static ushort Flags(ReadOnlySpan<byte> message) => BinaryPrimitives.ReadUInt16BigEndian(message[2..]);

    public static ushort Count(ReadOnlySpan<byte> message, int section) => BinaryPrimitives.ReadUInt16BigEndian(message[(4 + (2 * section))..]);

    public static void SetCount(Span<byte> message, int section, ushort count) => BinaryPrimitives.WriteUInt16BigEndian(message[(4 + (2 * section))..], count);

    public static DnsResponseCode Rcode(ReadOnlySpan<byte> message) => (DnsResponseCode)(Flags(message) & RcodeMask);

    public static void WriteOpt(ref DnsWriter w, ushort udpSize, byte extendedRcode, byte version, bool dnssecOk, ReadOnlySpan<byte> options)
    {
        w.WriteByte(0);
        w.WriteUInt16((ushort)DnsType.OPT);
        w.WriteUInt16(udpSize);
        w.WriteUInt32(((uint)extendedRcode << 24) | ((uint)version << 16) | (dnssecOk ? 0x8000u : 0u));
        w.WriteUInt16(checked((ushort)options.Length));
        w.WriteBytes(options);
    }

    /// <summary>Moves past one resource record; false when it runs off the message.</summary>
    public static bool TrySkipRecord(ReadOnlySpan<byte> message, ref int offset, out DnsType type)
    {
        type = 0;
        if (!DnsName.TrySkip(message, ref offset) || offset + 10 > message.Length)
        {
            return false;
        }
        type = (DnsType)BinaryPrimitives.ReadUInt16BigEndian(message[offset..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(message[(offset + 8)..]);
        offset += 10 + length;
        return offset <= message.Length;
    }
}

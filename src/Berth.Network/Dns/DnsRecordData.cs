using System.Buffers.Binary;
using System.Net;

namespace Berth.Network.Dns;

/// <summary>
/// RDATA of a record. Types whose RDATA holds names that may be compressed on the wire (RFC 3597 §4: those of RFC 1035,
/// plus SRV which may be read compressed) are decoded, so a message can be written again; every other type stays raw bytes.
/// </summary>
public abstract record DnsRecordData
{
    internal abstract void Write(ref DnsWriter writer);

    /// <summary>Decodes <paramref name="length"/> bytes of RDATA at <paramref name="offset"/>; null when malformed.</summary>
    internal static DnsRecordData? Read(ReadOnlySpan<byte> message, int offset, int length, DnsType type)
    {
        var end = offset + length;
        var rdata = message.Slice(offset, length);
        switch (type)
        {
            case DnsType.A when length == 4:
            case DnsType.AAAA when length == 16:
                return new DnsAddressData(new IPAddress(rdata));
            case DnsType.A:
            case DnsType.AAAA:
                return null;
            case DnsType.CNAME:
            case DnsType.PTR:
            case DnsType.NS:
                {
                    var name = DnsName.ReadString(message, ref offset);
                    return name is not null && offset == end ? new DnsNameData(name) : null;
                }
            case DnsType.MX:
                {
                    if (length < 3)
                    {
                        return null;
                    }
                    var preference = BinaryPrimitives.ReadUInt16BigEndian(rdata);
                    offset += 2;
                    var exchange = DnsName.ReadString(message, ref offset);
                    return exchange is not null && offset == end ? new DnsMxData(preference, exchange) : null;
                }
            case DnsType.SRV:
                {
                    if (length < 7)
                    {
                        return null;
                    }
                    var priority = BinaryPrimitives.ReadUInt16BigEndian(rdata);
                    var weight = BinaryPrimitives.ReadUInt16BigEndian(rdata[2..]);
                    var port = BinaryPrimitives.ReadUInt16BigEndian(rdata[4..]);
                    offset += 6;
                    var target = DnsName.ReadString(message, ref offset);
                    return target is not null && offset == end ? new DnsSrvData(priority, weight, port, target) : null;
                }
            case DnsType.SOA:
                {
                    var mname = DnsName.ReadString(message, ref offset);
                    var rname = mname is null || offset > end ? null : DnsName.ReadString(message, ref offset);
                    if (rname is null || end - offset != 20)
                    {
                        return null;
                    }
                    var numbers = message.Slice(offset, 20);
                    return new DnsSoaData(
                        mname!,
                        rname,
                        BinaryPrimitives.ReadUInt32BigEndian(numbers),
                        BinaryPrimitives.ReadUInt32BigEndian(numbers[4..]),
                        BinaryPrimitives.ReadUInt32BigEndian(numbers[8..]),
                        BinaryPrimitives.ReadUInt32BigEndian(numbers[12..]),
                        BinaryPrimitives.ReadUInt32BigEndian(numbers[16..]));
                }
            default:
                return new DnsRawData(rdata.ToArray());
        }
    }
}

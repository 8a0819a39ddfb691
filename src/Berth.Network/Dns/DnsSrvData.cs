namespace Berth.Network.Dns;

/// <summary>RDATA of SRV (RFC 2782).</summary>
public sealed record DnsSrvData(ushort Priority, ushort Weight, ushort Port, string Target) : DnsRecordData
{
    internal override void Write(ref DnsWriter writer)
    {
        writer.WriteUInt16(Priority);
        writer.WriteUInt16(Weight);
        writer.WriteUInt16(Port);
        // RFC 2782: the target must not be compressed.
        writer.WriteName(Target, compress: false);
    }
}

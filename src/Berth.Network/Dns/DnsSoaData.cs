namespace Berth.Network.Dns;

/// <summary>RDATA of SOA (RFC 1035 §3.3.13).</summary>
public sealed record DnsSoaData(string MName, string RName, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum) : DnsRecordData
{
    internal override void Write(ref DnsWriter writer)
    {
        writer.WriteName(MName, compress: true);
        writer.WriteName(RName, compress: true);
        writer.WriteUInt32(Serial);
        writer.WriteUInt32(Refresh);
        writer.WriteUInt32(Retry);
        writer.WriteUInt32(Expire);
        writer.WriteUInt32(Minimum);
    }
}

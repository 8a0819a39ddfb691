namespace Berth.Network.Dns;

/// <summary>RDATA of MX (RFC 1035 §3.3.9).</summary>
public sealed record DnsMxData(ushort Preference, string Exchange) : DnsRecordData
{
    internal override void Write(ref DnsWriter writer)
    {
        writer.WriteUInt16(Preference);
        writer.WriteName(Exchange, compress: true);
    }
}

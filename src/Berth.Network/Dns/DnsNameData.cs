namespace Berth.Network.Dns;

/// <summary>RDATA that is one domain name: CNAME, PTR, NS (RFC 1035 §3.3).</summary>
public sealed record DnsNameData(string Name) : DnsRecordData
{
    internal override void Write(ref DnsWriter writer) => writer.WriteName(Name, compress: true);
}

namespace Berth.Network.Dns;

/// <summary>RDATA kept as bytes: TXT and every type this code does not decode (RFC 3597), passed through as received.</summary>
public sealed record DnsRawData(ReadOnlyMemory<byte> Bytes) : DnsRecordData
{
    internal override void Write(ref DnsWriter writer) => writer.WriteBytes(Bytes.Span);

    public bool Equals(DnsRawData? other) => other is not null && Bytes.Span.SequenceEqual(other.Bytes.Span);

    public override int GetHashCode() => Bytes.Length;
}

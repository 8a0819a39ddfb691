using System.Net;
using System.Net.Sockets;

namespace Berth.Network.Dns;

/// <summary>RDATA of A (RFC 1035 §3.4.1) and AAAA (RFC 3596 §2.2).</summary>
public sealed record DnsAddressData(IPAddress Address) : DnsRecordData
{
    internal override void Write(ref DnsWriter writer)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (!Address.TryWriteBytes(bytes, out var n))
        {
            throw new InvalidOperationException($"cannot encode address {Address}");
        }
        writer.WriteBytes(bytes[..(Address.AddressFamily == AddressFamily.InterNetwork ? 4 : n)]);
    }
}

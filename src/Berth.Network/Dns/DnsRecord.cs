namespace Berth.Network.Dns;

/// <summary>A resource record of the answer, authority or additional section (OPT excepted: see <see cref="DnsEdns"/>).</summary>
public sealed record DnsRecord(string Name, DnsType Type, DnsClass Class, uint Ttl, DnsRecordData Data)
{
    public static DnsRecord A(string name, System.Net.IPAddress address, uint ttl = 600) =>
        new(name, DnsType.A, DnsClass.IN, ttl, new DnsAddressData(address));

    public static DnsRecord Aaaa(string name, System.Net.IPAddress address, uint ttl = 600) =>
        new(name, DnsType.AAAA, DnsClass.IN, ttl, new DnsAddressData(address));

    public static DnsRecord Ptr(string name, string target, uint ttl = 600) =>
        new(name, DnsType.PTR, DnsClass.IN, ttl, new DnsNameData(target));

    public static DnsRecord Cname(string name, string target, uint ttl = 600) =>
        new(name, DnsType.CNAME, DnsClass.IN, ttl, new DnsNameData(target));
}

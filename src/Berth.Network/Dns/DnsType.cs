namespace Berth.Network.Dns;

/// <summary>RR TYPE values (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 6891). Any other value is carried through as a number.</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    ANY = 255,
}

namespace Berth.Network.Dns;

/// <summary>
/// RCODE (RFC 1035 §4.1.1); values above 15 need EDNS, which carries the upper 8 bits in the OPT record (RFC 6891 §6.1.3).
/// </summary>
public enum DnsResponseCode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NXDomain = 3,
    NotImp = 4,
    Refused = 5,
    BadVers = 16,
}

namespace Berth.Network.Dns;

/// <summary>RR CLASS values (RFC 1035 §3.2.4). Any other value is carried through as a number.</summary>
public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    HS = 4,
    ANY = 255,
}

namespace Berth.Network.Dns;

/// <summary>
/// The OPT pseudo-record (RFC 6891), lifted out of the additional section: it describes the message, not a name.
/// <see cref="Options"/> holds the raw option list ({code, length, data}*), passed through untouched.
/// </summary>
public sealed class DnsEdns
{
    public ushort UdpPayloadSize { get; init; } = 1232;
    public byte Version { get; init; }
    public bool DnssecOk { get; init; }
    public ReadOnlyMemory<byte> Options { get; init; }
}

namespace Berth.Linux;

/// <summary>A network interface as RTM_GETLINK reports it. <paramref name="Kind"/> is the rtnetlink link type
/// ("bridge", "veth", …), null for devices without one (lo, physical NICs); <paramref name="Up"/> is the
/// administrative state (IFF_UP), not the carrier.</summary>
public sealed record LinkInfo(int Index, string Name, string? Kind, int? MasterIndex, byte[] Mac, int Mtu, bool Up);

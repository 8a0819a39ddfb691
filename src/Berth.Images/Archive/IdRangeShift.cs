namespace Berth.Images.Archive;

/// <summary>How a remapped container's host ids become its own: <see cref="UidCount"/> uids from
/// <see cref="UidStart"/> and <see cref="GidCount"/> gids from <see cref="GidStart"/> are 0 onwards; any other id
/// is the kernel's overflow id, 65534, as the container sees it.</summary>
public sealed record IdRangeShift(uint UidStart, uint UidCount, uint GidStart, uint GidCount)
{
    private const uint Overflow = 65534;

    public uint UidOf(uint hostUid) => hostUid >= UidStart && hostUid - UidStart < UidCount ? hostUid - UidStart : Overflow;

    public uint GidOf(uint hostGid) => hostGid >= GidStart && hostGid - GidStart < GidCount ? hostGid - GidStart : Overflow;
}

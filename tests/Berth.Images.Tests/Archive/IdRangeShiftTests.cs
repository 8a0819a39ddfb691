using Berth.Images.Archive;

namespace Berth.Images.Tests.Archive;

/// <summary>A remapped container's host ids back to its own: the range from 0, the overflow id outside it.</summary>
public sealed class IdRangeShiftTests
{
    [Theory]
    [InlineData(300000u, 0u, 200000u, 0u)]
    [InlineData(301000u, 1000u, 201000u, 1000u)]
    [InlineData(365535u, 65535u, 265535u, 65535u)]
    [InlineData(365536u, 65534u, 265536u, 65534u)] // past the range
    [InlineData(0u, 65534u, 0u, 65534u)] // host root: unmapped
    [InlineData(299999u, 65534u, 199999u, 65534u)] // below the range
    public void HostIdsInTheRangeCountFromZero(uint hostUid, uint uid, uint hostGid, uint gid)
    {
        var shift = new IdRangeShift(300000, 65536, 200000, 65536);
        Assert.Equal((uid, gid), (shift.UidOf(hostUid), shift.GidOf(hostGid)));
    }
}

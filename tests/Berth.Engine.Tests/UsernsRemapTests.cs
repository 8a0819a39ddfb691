using Berth.Common;
using Berth.Engine.UserNamespaces;

namespace Berth.Engine.Tests;

/// <summary><c>--userns-remap</c>: /etc/subuid-style files, the flag's forms, and the id arithmetic.</summary>
public sealed class UsernsRemapTests
{
    private static readonly string[] Passwd =
    [
        "root:x:0:0:root:/root:/bin/bash",
        "alice:x:1000:1000::/home/alice:/bin/sh",
        "berthremap:x:998:997::/nonexistent:/bin/false",
    ];

    private static readonly string[] Group = ["root:x:0:", "alice:x:1000:", "staff:x:50:alice", "berthremap:x:997:"];

    private static readonly string[] SubUid =
    [
        "# comment",
        "",
        "alice:100000:65536",
        "alice:400000:1000",
        "1000:500000:10",
        "berthremap:165536:65536",
        "broken:line",
        "bob:notanumber:5",
        "zero:1:0",
    ];

    private static readonly string[] SubGid = ["alice:200000:65536", "50:300000:4096", "berthremap:165536:65536"];

    public static TheoryData<string, uint?, uint[]> RangeRows => new()
    {
        // name, id, expected starts in file order
        { "alice", null, [100000, 400000] },
        { "alice", 1000, [100000, 400000, 500000] },
        { "nobody", null, [] },
        { "zero", null, [] }, // a range of no ids is no range
        { "bob", null, [] },
    };

    [Theory]
    [MemberData(nameof(RangeRows))]
    public void RangesMatchANameOrItsId(string name, uint? id, uint[] starts) =>
        Assert.Equal(starts, SubIdFile.Ranges(SubUid, name, id).Select(r => r.Start));

    [Theory]
    [InlineData(new string[0], 65536u, 100000u)]
    [InlineData(new[] { "a:100000:65536" }, 65536u, 165536u)]
    [InlineData(new[] { "a:500000:10", "b:100000:65536" }, 65536u, 500010u)]
    [InlineData(new[] { "a:10:5" }, 65536u, 100000u)] // below the floor
    public void NextFreeStartsAfterEveryRange(string[] lines, uint count, uint expected) =>
        Assert.Equal(expected, SubIdFile.NextFree(lines, count));

    [Fact]
    public void NextFreeRefusesToRunPastTheLastId() =>
        Assert.Throws<InvalidOperationException>(() => SubIdFile.NextFree(["a:4294900000:60000"], 65536));

    [Theory]
    [InlineData("default", "berthremap", "berthremap")]
    [InlineData("alice", "alice", null)]
    [InlineData("alice:staff", "alice", "staff")]
    [InlineData("1000:50", "1000", "50")]
    public void TheFlagNamesAUserAndMaybeAGroup(string flag, string user, string? group) =>
        Assert.Equal((user, group), UsernsRemap.ParseFlag(flag));

    [Theory]
    [InlineData("")]
    [InlineData(":")]
    [InlineData("alice:")]
    [InlineData("a:b:c")]
    public void AMalformedFlagIsRefused(string flag) =>
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => UsernsRemap.ParseFlag(flag)).Kind);

    public static TheoryData<string, string, string, uint, uint> ResolveRows => new()
    {
        // flag, user, group, root uid, root gid
        { "alice", "alice", "alice", 100000, 200000 },
        { "1000", "alice", "alice", 100000, 200000 },
        { "alice:staff", "alice", "staff", 100000, 300000 },
        { "alice:50", "alice", "staff", 100000, 300000 },
        { "default", "berthremap", "berthremap", 165536, 165536 },
    };

    [Theory]
    [MemberData(nameof(ResolveRows))]
    public void ResolveTakesTheFirstRangeOfTheUserAndGroup(string flag, string user, string group, uint rootUid, uint rootGid)
    {
        var remap = UsernsRemap.Resolve(flag, Passwd, Group, SubUid, SubGid);
        Assert.Equal((user, group, rootUid, rootGid), (remap.User, remap.Group, remap.RootUid, remap.RootGid));
    }

    [Theory]
    [InlineData("carol", "no such user: carol")]
    [InlineData("4242", "no such user: 4242")]
    [InlineData("alice:nogroup", "no such group: nogroup")]
    [InlineData("root", "no subuid ranges found for user \"root\"")]
    [InlineData("berthremap:root", "no subgid ranges found for group \"root\"")]
    public void ResolveSaysWhatIsMissing(string flag, string message) =>
        Assert.Contains(message, Assert.Throws<BerthException>(() => UsernsRemap.Resolve(flag, Passwd, Group, SubUid, SubGid)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(0u, 100000u)]
    [InlineData(1000u, 101000u)]
    [InlineData(65535u, 165535u)]
    [InlineData(65536u, null)]
    public void HostIdsAreTheRangeFromZero(uint containerId, uint? hostId)
    {
        var remap = new UsernsRemap("u", "g", new SubIdRange(100000, 65536), new SubIdRange(200000, 65536));
        Assert.Equal(hostId, remap.HostUid(containerId));
        Assert.Equal(hostId is null ? null : hostId + 100000, remap.HostGid(containerId));
        var uid = Assert.Single(remap.UidMappings());
        Assert.Equal((0u, 100000u, 65536u), (uid.ContainerId, uid.HostId, uid.Size));
        var gid = Assert.Single(remap.GidMappings());
        Assert.Equal((0u, 200000u, 65536u), (gid.ContainerId, gid.HostId, gid.Size));
    }
}

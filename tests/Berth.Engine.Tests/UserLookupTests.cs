using Berth.Common;

namespace Berth.Engine.Tests;

/// <summary><c>--user</c> and <c>--group-add</c> resolved against the image's own /etc/passwd and /etc/group
/// (runc's user.GetExecUser and moby's getUser).</summary>
public sealed class UserLookupTests : IDisposable
{
    private readonly TempDir _dir = new();

    public UserLookupTests()
    {
        _dir.Write("rootfs/etc/passwd", """
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
            # a comment
            not a passwd line
            alice:x:1000:1000:Alice:/home/alice:/bin/sh
            bob:x:1001:100::/home/bob:/bin/sh

            """);
        _dir.Write("rootfs/etc/group", """
            root:x:0:
            daemon:x:1:
            wheel:x:10:alice,bob
            users:x:100:bob
            alice:x:1000:
            docker:x:999:alice

            """);
        // What an escape from the rootfs would read instead.
        _dir.Write("host/etc/passwd", "intruder:x:4242:4242::/:/bin/sh\n");
    }

    public void Dispose() => _dir.Dispose();

    private string Rootfs => _dir.Join("rootfs");

    public static TheoryData<string, string, string[], uint, uint, uint[], string> Users => new()
    {
        // row, --user, --group-add, uid, gid, supplementary groups, home
        { "default is root", "", [], 0, 0, [0], "/root" },
        { "root by name", "root", [], 0, 0, [0], "/root" },
        { "name", "alice", [], 1000, 1000, [1000, 10, 999], "/home/alice" },
        { "uid of a known user", "1000", [], 1000, 1000, [1000, 10, 999], "/home/alice" },
        { "primary group also listed as member", "bob", [], 1001, 100, [100, 10], "/home/bob" },
        { "name and group name", "alice:wheel", [], 1000, 10, [10], "/home/alice" },
        { "name and numeric group", "alice:50", [], 1000, 50, [50], "/home/alice" },
        { "uid and gid", "1000:1000", [], 1000, 1000, [1000], "/home/alice" },
        { "unknown uid", "1234", [], 1234, 0, [0], "/" },
        { "unknown uid and gid", "1234:5678", [], 1234, 5678, [5678], "/" },
        { "group only", ":10", [], 0, 10, [10], "/root" },
        { "group-add by name and number", "alice", ["users", "42"], 1000, 1000, [1000, 10, 999, 100, 42], "/home/alice" },
        { "group-add of a group already held", "alice", ["wheel"], 1000, 1000, [1000, 10, 999], "/home/alice" },
    };

    [Theory]
    [MemberData(nameof(Users))]
    public void Resolves_as_runc_and_moby(string row, string user, string[] groupAdd, uint uid, uint gid, uint[] groups, string home)
    {
        var u = UserLookup.Resolve(Rootfs, user, groupAdd);
        Assert.True((uid, gid) == (u.Uid, u.Gid), $"{row}: {u.Uid}:{u.Gid}");
        Assert.True(groups.SequenceEqual(u.AdditionalGids), $"{row}: [{string.Join(',', u.AdditionalGids)}]");
        Assert.Equal(home, u.Home);
    }

    public static TheoryData<string, string, string[], string> Failures => new()
    {
        // row, --user, --group-add, the message
        { "unknown user", "x", [], "unable to find user x: no matching entries in passwd file" },
        { "unknown group", "alice:nogroup", [], "unable to find group nogroup: no matching entries in group file" },
        { "unknown added group", "alice", ["nogroup"], "unable to find group nogroup: no matching entries in group file" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Unknown_names_are_refused_with_runcs_message(string row, string user, string[] groupAdd, string message)
    {
        var e = Assert.Throws<BerthException>(() => UserLookup.Resolve(Rootfs, user, groupAdd));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.True(message == e.Message, $"{row}: {e.Message}");
    }

    [Fact]
    public void Without_passwd_and_group_files_only_numeric_ids_resolve()
    {
        var empty = Directory.CreateDirectory(_dir.Join("empty")).FullName;
        var u = UserLookup.Resolve(empty, "1000:1000");
        Assert.Equal((1000u, 1000u, "/"), (u.Uid, u.Gid, u.Home));
        Assert.Equal(0u, UserLookup.Resolve(empty, "").Uid);
        var e = Assert.Throws<BerthException>(() => UserLookup.Resolve(empty, "root"));
        Assert.Equal("unable to find user root: no matching entries in passwd file", e.Message);
    }

    [Theory]
    [InlineData("absolute link to the host's file")]
    [InlineData("relative link climbing out")]
    public void An_etc_passwd_link_cannot_leave_the_rootfs(string row)
    {
        var root = _dir.Join("hostile");
        Directory.CreateDirectory(Path.Join(root, "etc"));
        var link = Path.Join(root, "etc", "passwd");
        if (row.StartsWith("absolute", StringComparison.Ordinal))
        {
            File.CreateSymbolicLink(link, _dir.Join("host", "etc", "passwd"));
        }
        else
        {
            File.CreateSymbolicLink(link, "../../../../../../../../" + _dir.Join("host", "etc", "passwd").TrimStart('/'));
        }
        var e = Assert.Throws<BerthException>(() => UserLookup.Resolve(root, "intruder"));
        Assert.Contains("unable to find user intruder", e.Message, StringComparison.Ordinal);
    }
}

namespace Berth.Host.Tests;

public sealed class SocketGroupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-host-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string GroupFile()
    {
        var path = Path.Join(_dir, "group");
        File.WriteAllText(path, "root:x:0:\nbad line\nberth:x:998:alice,bob\ndocker:x:997:\n");
        return path;
    }

    public static TheoryData<string, string, uint?> Lookups => new()
    {
        // row, -G, gid
        { "a name", "berth", 998 },
        { "another name", "docker", 997 },
        { "a number", "1234", 1234 },
        { "a name that is not there", "nobody-here", null },
        { "no prefix matches", "ber", null },
    };

    [Theory]
    [MemberData(nameof(Lookups))]
    public void Lookup_reads_the_group_database_then_numbers(string row, string name, uint? gid) =>
        Assert.True(gid == SocketGroup.Lookup(name, GroupFile()), row);

    [Fact]
    public void A_missing_default_group_leaves_the_socket_to_root()
    {
        var file = Path.Join(_dir, "empty-group");
        File.WriteAllText(file, "root:x:0:\n");
        Assert.Equal(0u, SocketGroup.Resolve("berth", ["/run/berth/berth.sock"], file));
    }

    [Fact]
    public void A_missing_group_given_with_G_is_an_error()
    {
        var e = Assert.Throws<ArgumentException>(() => SocketGroup.Resolve("nobody-here", ["/run/berth/berth.sock"], GroupFile()));
        Assert.Equal("group nobody-here not found", e.Message);
    }
}

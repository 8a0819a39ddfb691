using Berth.Linux;

namespace Berth.Engine.Tests;

public sealed class EtcFilesTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>EtcFiles.ResolvConf with <paramref name="host"/> bound over the host's /etc/resolv.conf.</summary>
    private string ResolvConfWith(string host)
    {
        var file = _dir.Write("host-resolv.conf", host);
        return MountNamespace.Run(() =>
        {
            Mounts.Mount(file, "/etc/resolv.conf", null, LibC.MS_BIND);
            return EtcFiles.ResolvConf();
        });
    }

    public static TheoryData<string, string, string> ResolvConfs => new()
    {
        // row, the host's resolv.conf, the container's
        {
            "loopback nameservers are dropped, the rest kept in order",
            "# managed\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch example.com\nnameserver ::1\noptions ndots:2 edns0\nnameserver 1.1.1.1\n",
            "# managed\nnameserver 10.0.0.2\nsearch example.com\noptions ndots:2 edns0\nnameserver 1.1.1.1\n"
        },
        {
            "any 127/8 address and tabs",
            "nameserver\t127.1.2.3\nnameserver 192.168.1.1\n",
            "nameserver 192.168.1.1\n"
        },
        {
            "only loopback: Docker's public fallback",
            "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n",
            "options edns0 trust-ad\nsearch lan\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n"
        },
        {
            "empty file: the fallback alone",
            "",
            "nameserver 8.8.8.8\nnameserver 8.8.4.4\n"
        },
    };

    [Theory]
    [MemberData(nameof(ResolvConfs))]
    public void ResolvConf_drops_what_the_container_cannot_reach(string row, string host, string expected)
    {
        var actual = ResolvConfWith(host);
        Assert.True(expected == actual, $"{row}:\n{actual}");
    }

    [Fact]
    public void The_private_namespace_left_the_hosts_file_alone()
    {
        var before = File.ReadAllText("/etc/resolv.conf");
        ResolvConfWith("nameserver 10.9.9.9\n");
        Assert.Equal(before, File.ReadAllText("/etc/resolv.conf"));
    }

    [Fact]
    public void Write_creates_hostname_hosts_and_resolv_conf_and_nothing_else()
    {
        EtcFiles.Write(_dir.Path, "web", "", ["db:10.0.0.5", "cache:fe80::1", "malformed"]);
        Assert.Equal("web\n", File.ReadAllText(_dir.Join("hostname")));
        var hosts = File.ReadAllText(_dir.Join("hosts"));
        Assert.StartsWith("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n", hosts, StringComparison.Ordinal);
        Assert.EndsWith("10.0.0.5\tdb\nfe80::1\tcache\n", hosts, StringComparison.Ordinal);
        Assert.Equal(EtcFiles.ResolvConf(), File.ReadAllText(_dir.Join("resolv.conf")));
        Assert.Equal(["hostname", "hosts", "resolv.conf"], Directory.GetFileSystemEntries(_dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }
}

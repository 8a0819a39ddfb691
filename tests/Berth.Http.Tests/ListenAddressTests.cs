namespace Berth.Http.Tests;

public sealed class ListenAddressTests
{
    private const string DefaultSocket = "/run/berth/berth.sock";

    public static TheoryData<string, string, bool, string> Addresses => new()
    {
        // row, -H, TLS on, the address read
        { "unix path", "unix:///tmp/b.sock", false, "unix:///tmp/b.sock" },
        { "unix without a path is the default socket", "unix://", false, "unix://" + DefaultSocket },
        { "empty is the default socket", "", false, "unix://" + DefaultSocket },
        { "tcp address and port", "tcp://127.0.0.1:2376", true, "tcp://127.0.0.1:2376" },
        { "tcp without a port, plain: 2375", "tcp://127.0.0.1", false, "tcp://127.0.0.1:2375" },
        { "tcp without a port, TLS: 2376", "tcp://127.0.0.1", true, "tcp://127.0.0.1:2376" },
        { "tcp without a host is localhost", "tcp://:4000", true, "tcp://127.0.0.1:4000" },
        { "localhost", "tcp://localhost:4000", true, "tcp://127.0.0.1:4000" },
        { "all addresses", "tcp://0.0.0.0:2376", true, "tcp://0.0.0.0:2376" },
        { "IPv6 in brackets", "tcp://[::1]:2376", true, "tcp://[::1]:2376" },
        { "no scheme is tcp", "127.0.0.1:2376", true, "tcp://127.0.0.1:2376" },
    };

    [Theory]
    [MemberData(nameof(Addresses))]
    public void Parse_reads_dockerds_host_forms(string row, string host, bool tls, string expected) =>
        Assert.True(expected == ListenAddress.Parse(host, DefaultSocket, tls).ToString(), row);

    public static TheoryData<string, string, string> Refused => new()
    {
        // row, -H, words of the error
        { "systemd socket activation", "fd://", "fd:// (systemd socket activation) is not supported by berthd" },
        { "another protocol", "npipe:////./pipe/docker_engine", "invalid protocol \"npipe\"" },
        { "ssh", "ssh://me@host", "invalid protocol \"ssh\"" },
        { "a host name", "tcp://example.com:2376", "give an IP address (or localhost), not a name" },
        { "a port out of range", "tcp://127.0.0.1:70000", "invalid port \"70000\"" },
        { "a port that is no number", "tcp://127.0.0.1:http", "invalid port \"http\"" },
        { "a path after a tcp address", "tcp://127.0.0.1:2376/v1.41", "a tcp address has no path" },
        { "IPv6 without brackets", "tcp://::1:2376", "in brackets" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Parse_refuses_what_berthd_does_not_serve(string row, string host, string words)
    {
        var e = Assert.Throws<ArgumentException>(() => ListenAddress.Parse(host, DefaultSocket, tls: true));
        Assert.True(e.Message.Contains(words, StringComparison.Ordinal), $"{row}: {e.Message}");
    }
}

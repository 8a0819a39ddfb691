using System.Net.Sockets;
using Berth.Common;
using Berth.Http.Plugins;
using Berth.Linux;

namespace Berth.Http.Tests;

/// <summary>Docker's discovery of legacy plugins in two directories of the test's own (sockets dir, specs dir).</summary>
public sealed class PluginDiscoveryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("berth-discovery-").FullName;
    private readonly List<Socket> _sockets = [];

    private string Sockets => Path.Join(_root, "run");
    private string Specs => Path.Join(_root, "etc");

    public PluginDiscoveryTests()
    {
        Directory.CreateDirectory(Sockets);
        Directory.CreateDirectory(Specs);
    }

    /// <summary>Each row lays out files ("path" or "path=content"; a .sock path is a real socket) and names the
    /// socket found for plugin "weave", or the error.</summary>
    public static TheoryData<string, string[], string> Rows => new()
    {
        { "a socket", ["run/weave.sock"], "run/weave.sock" },
        { "a socket in a directory of its own", ["run/weave/weave.sock"], "run/weave/weave.sock" },
        { "a socket before a spec file", ["etc/weave.spec=unix:///elsewhere.sock", "run/weave.sock"], "run/weave.sock" },
        { "a spec file with a unix address", ["etc/weave.spec=unix://ROOT/other/w.sock\n"], "other/w.sock" },
        { "a JSON spec file", ["etc/weave/weave.json={\"Name\":\"weave\",\"Addr\":\"unix://ROOT/w.sock\"}"], "w.sock" },
        { "a socket of another plugin", ["run/flannel.sock"], "error: plugin \"weave\" not found" },
        { "a file that is not a socket", ["run/weave.sock=not a socket"], "error: plugin \"weave\" not found" },
        { "a TCP plugin", ["etc/weave.spec=tcp://10.0.0.1:8080"], "error: plugin \"weave\" is at tcp://10.0.0.1:8080" },
        { "an address without a scheme", ["etc/weave.spec=/run/weave.sock"], "error: plugin \"weave\": invalid spec file ROOT/etc/weave.spec: Unknown protocol" },
        { "a broken JSON spec file", ["etc/weave.json={"], "error: plugin \"weave\": invalid spec file ROOT/etc/weave.json" },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Finds_plugins_as_Docker_does(string row, string[] files, string expected)
    {
        foreach (var file in files)
        {
            var (path, content) = file.Split('=', 2) is [var p, var c] ? (p, c.Replace("ROOT", _root, StringComparison.Ordinal)) : (file, null);
            var full = Path.Join(_root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            if (content is null)
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                s.Bind(new UnixDomainSocketEndPoint(full));
                _sockets.Add(s);
            }
            else
            {
                File.WriteAllText(full, content);
            }
        }

        string actual;
        try
        {
            actual = Path.GetRelativePath(_root, PluginDiscovery.Find("weave", [Sockets, Specs], Fs.IsSocket));
        }
        catch (BerthException e)
        {
            actual = "error: " + e.Message.Replace(_root, "ROOT", StringComparison.Ordinal);
        }

        Assert.True(actual.StartsWith(expected, StringComparison.Ordinal), $"{row}: {actual}");
    }

    [Theory]
    [InlineData("../run/weave")]
    [InlineData("..")]
    [InlineData("")]
    public void A_name_that_is_not_a_file_name_is_no_plugin(string name)
    {
        var e = Assert.Throws<BerthException>(() => PluginDiscovery.Find(name, [Sockets, Specs], Fs.IsSocket));
        Assert.Equal(ErrorKind.NotFound, e.Kind);
    }

    public void Dispose()
    {
        foreach (var s in _sockets)
        {
            s.Dispose();
        }
        Directory.Delete(_root, recursive: true);
    }
}

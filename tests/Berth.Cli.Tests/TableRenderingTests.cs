using System.Text.Json;
using Berth.Cli.Commands;
using Berth.Cli.Formatting;
using Berth.Cli.Templates;

namespace Berth.Cli.Tests;

/// <summary>Rows and expected output from the recorded traffic (docker-api-traffic/ps-a.txt, images.txt, images-filter.txt).</summary>
public sealed class TableRenderingTests
{
    private const string PsA = """
        [{"Id":"991f01449356f7157495472784e4356517e765c3eae59ebcdcf1e1c64bc1937d","Names":["/rec-exited"],"Image":"busybox:local","ImageID":"sha256:b2f80f6502324ed0c608d64ebfc48f607ad51c4cb0abd954bb2dc77edea14da1","Command":"sh -c 'exit 3'","Created":1795607575,"Ports":[],"Labels":{"rec":"1"},"State":"exited","Status":"Exited (3) 3 seconds ago"},
         {"Id":"d3bf2ff98baea6fe2fc13e863088cf9245db96eb1b40264ce271746f1fbeab9a","Names":["/rec-logger"],"Image":"busybox:local","ImageID":"sha256:b2f80f6502324ed0c608d64ebfc48f607ad51c4cb0abd954bb2dc77edea14da1","Command":"sh -c 'i=0; while true; do echo \"line $i\"; echo \"err $i\" >&2; i=$((i+1)); sleep 1; done'","Created":1795607574,"Ports":[],"Labels":{"rec":"1"},"State":"running","Status":"Up 4 seconds"},
         {"Id":"d10605c95c522c0efa2f9ca3db545ba15e9b5233ff333e49a8cb6067d12c906f","Names":["/rec-web"],"Image":"busybox:local","ImageID":"sha256:b2f80f6502324ed0c608d64ebfc48f607ad51c4cb0abd954bb2dc77edea14da1","Command":"httpd -f -v -p 80 -h /www","Created":1795607569,"Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"}],"Labels":{"rec":"1"},"State":"running","Status":"Up 9 seconds","SizeRw":0,"SizeRootFs":1982361}]
        """;

    private const string Images = """
        [{"Containers":-1,"Created":1795608319,"Id":"sha256:ee5e8338f1a9f05f43b07c2184c783dbe093bf5b1999a6a5645ec77fba337f09","Labels":{"rec":"1"},"ParentId":"sha256:b2f8","RepoDigests":null,"RepoTags":["rec-committed:v1"],"SharedSize":-1,"Size":1982361,"VirtualSize":1982361},
         {"Containers":-1,"Created":1795607351,"Id":"sha256:f6188eeb44443ffe25f60e5a38cded9e0f2923e9f3f92854bba9b44a06d4beb7","Labels":null,"ParentId":"","RepoDigests":null,"RepoTags":["t1:latest"],"SharedSize":-1,"Size":1982367,"VirtualSize":1982367},
         {"Containers":-1,"Created":1795607350,"Id":"sha256:8e517d0dd57a231624c836442f69b9b9bc6f7484955769fe3744d0dbc28ba433","Labels":null,"ParentId":"","RepoDigests":["<none>@<none>"],"RepoTags":["<none>:<none>"],"SharedSize":-1,"Size":1982367,"VirtualSize":1982367},
         {"Containers":-1,"Created":1795607277,"Id":"sha256:b2f80f6502324ed0c608d64ebfc48f607ad51c4cb0abd954bb2dc77edea14da1","Labels":null,"ParentId":"","RepoDigests":null,"RepoTags":["busybox:local"],"SharedSize":-1,"Size":1982361,"VirtualSize":1982361}]
        """;

    private static string Ps(string format, bool quiet = false, bool size = false, bool trunc = true)
    {
        using var doc = JsonDocument.Parse(PsA);
        var now = DateTimeOffset.FromUnixTimeSeconds(1795607579);
        var rows = doc.RootElement.EnumerateArray().Select(e => (IFieldSource)new ContainerRow(e, trunc, now)).ToList();
        return TableFormatter.Render(PsCommand.Format(format, quiet, size), rows, new HeaderRow(HeaderRow.Containers));
    }

    private static string ImagesTable(string format, bool quiet = false, bool digests = false)
    {
        using var doc = JsonDocument.Parse(Images);
        var now = DateTimeOffset.FromUnixTimeSeconds(1795608320);
        var f = ImagesCommand.Format(format, quiet, digests);
        var rows = doc.RootElement.EnumerateArray().SelectMany(e => ImageRow.Expand(e, true, digests, digests, now)).Cast<IFieldSource>().ToList();
        return TableFormatter.Render(f, rows, new HeaderRow(HeaderRow.Images));
    }

    [Fact]
    public void PsTableMatchesDocker()
    {
        const string expected = """
            CONTAINER ID   IMAGE           COMMAND                  CREATED          STATUS                     PORTS                                     NAMES
            991f01449356   busybox:local   "sh -c 'exit 3'"         4 seconds ago    Exited (3) 3 seconds ago                                             rec-exited
            d3bf2ff98bae   busybox:local   "sh -c 'i=0; while t…"   5 seconds ago    Up 4 seconds                                                         rec-logger
            d10605c95c52   busybox:local   "httpd -f -v -p 80 -…"   10 seconds ago   Up 9 seconds               0.0.0.0:8080->80/tcp, [::]:8080->80/tcp   rec-web

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), Ps(""));
    }

    [Fact]
    public void PsQuietPrintsIds() =>
        Assert.Equal("991f01449356\nd3bf2ff98bae\nd10605c95c52\n", Ps("", quiet: true));

    [Fact]
    public void PsSizeColumn() =>
        Assert.EndsWith("rec-web      0B (virtual 1.98MB)\n", Ps("", size: true));

    [Fact]
    public void PsCustomTableWithLabel() =>
        Assert.Equal("NAMES        rec\nrec-exited   1\nrec-logger   1\nrec-web      1\n", Ps("table {{.Names}}\\t{{.Label \"rec\"}}"));

    [Fact]
    public void PsJsonUsesFormatterFields()
    {
        var line = Ps("json").Split('\n')[0];
        Assert.StartsWith("{\"Command\":\"\\\"sh -c 'exit 3'\\\"\",\"CreatedAt\":", line);
        Assert.Contains("\"ID\":\"991f01449356\",\"Image\":\"busybox:local\",\"Labels\":\"rec=1\",\"LocalVolumes\":\"0\"", line);
        Assert.EndsWith("\"State\":\"exited\",\"Status\":\"Exited (3) 3 seconds ago\"}", line);
    }

    [Fact]
    public void ImagesTableMatchesDocker()
    {
        const string expected = """
            REPOSITORY      TAG       IMAGE ID       CREATED          SIZE
            rec-committed   v1        ee5e8338f1a9   1 second ago     1.98MB
            t1              latest    f6188eeb4444   16 minutes ago   1.98MB
            <none>          <none>    8e517d0dd57a   16 minutes ago   1.98MB
            busybox         local     b2f80f650232   17 minutes ago   1.98MB

            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), ImagesTable("table"));
    }

    [Fact]
    public void ImagesWithDigests()
    {
        var first = ImagesTable("table", digests: true).Split('\n')[..2];
        Assert.Equal("REPOSITORY      TAG       DIGEST    IMAGE ID       CREATED          SIZE", first[0]);
        Assert.Equal("rec-committed   v1        <none>    ee5e8338f1a9   1 second ago     1.98MB", first[1]);
    }

    [Fact]
    public void ImagesQuiet() =>
        Assert.Equal("ee5e8338f1a9\nf6188eeb4444\n8e517d0dd57a\nb2f80f650232\n", ImagesTable("table", quiet: true));

    [Theory]
    [InlineData("a\tb\tc\nlonger\tx\ty\n", "a        b   c\nlonger   x   y\n", 0, 3)]
    [InlineData("a\tb\nc\n", "a         b\nc\n", 10, 3)]
    [InlineData(" Version:\t1\n API version:\t2\n", " Version:           1\n API version:       2\n", 20, 1)]
    public void TabWriterAlignsLikeGo(string input, string expected, int min, int pad) =>
        Assert.Equal(expected, TabWriter.Format(input, min, pad));

    [Theory]
    [InlineData("[{\"IP\":\"0.0.0.0\",\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"},{\"IP\":\"::\",\"PrivatePort\":80,\"PublicPort\":8080,\"Type\":\"tcp\"}]", "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp")]
    [InlineData("[{\"PrivatePort\":9000,\"Type\":\"udp\"},{\"PrivatePort\":9001,\"Type\":\"udp\"},{\"PrivatePort\":7000,\"Type\":\"tcp\"}]", "7000/tcp, 9000-9001/udp")]
    [InlineData("[]", "")]
    public void PortsDisplay(string json, string expected)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(expected, ContainerRow.DisplayablePorts(doc.RootElement));
    }
}

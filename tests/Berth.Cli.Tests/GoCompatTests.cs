using Berth.Cli.Flags;
using Berth.Cli.Formatting;

namespace Berth.Cli.Tests;

/// <summary>Go library behaviour the network commands lean on: encoding/csv for StringSlice flags, natural sort, net.ParseCIDR, time.Time.String.</summary>
public sealed class GoCompatTests
{
    [Theory]
    [InlineData("a", "a")]
    [InlineData("a,b", "a|b")]
    [InlineData("\"a,b\",c", "a,b|c")]
    [InlineData("\"say \"\"hi\"\"\"", "say \"hi\"")]
    [InlineData("a,,b,", "a||b|")]
    [InlineData("a\nb", "a")]
    [InlineData("\n\na", "a")]
    public void CsvFlagValues(string value, string fields)
    {
        Assert.True(GoCsv.TryRead(value, out var read, out _));
        Assert.Equal(fields, string.Join('|', read));
    }

    [Theory]
    [InlineData("a\"b", "parse error on line 1, column 2: bare \" in non-quoted-field")]
    [InlineData("\"a", "parse error on line 1, column 3: extraneous or missing \" in quoted-field")]
    [InlineData("\"a\"b", "parse error on line 1, column 3: extraneous or missing \" in quoted-field")]
    [InlineData("\"10.0.0.0/8\n11.0.0.0/8", "record on line 1; parse error on line 2, column 11: extraneous or missing \" in quoted-field")]
    [InlineData("\n", "EOF")]
    public void CsvErrors(string value, string error) => Assert.Equal(error, GoCsv.Check(value));

    [Fact]
    public void EmptyCsvValueHasNoFields()
    {
        Assert.True(GoCsv.TryRead("", out var read, out _));
        Assert.Empty(read);
    }

    [Theory]
    [InlineData("net2", "net10")]
    [InlineData("a", "b")]
    [InlineData("1", "a")]
    [InlineData("x01", "x001")]
    [InlineData("x1", "x01")]
    [InlineData("abc", "abcd")]
    [InlineData("80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080")]
    [InlineData("9000/udp", "10000/tcp")]
    public void NaturalOrderLess(string less, string more)
    {
        Assert.True(NaturalOrder.Less(less, more));
        Assert.False(NaturalOrder.Less(more, less));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("10.0.0.1/8", "10.255.255.255", true)]
    [InlineData("172.16.0.0/12", "172.31.0.1", true)]
    [InlineData("172.16.0.0/12", "172.32.0.1", false)]
    [InlineData("fd00::/64", "fd00::1", true)]
    [InlineData("fd00::/64", "fd00:0:0:1::1", false)]
    [InlineData("fd00::/64", "10.0.0.1", false)]
    [InlineData("::ffff:10.0.0.0/104", "10.0.0.1", true)]
    [InlineData("10.0.0.0/8", "::ffff:10.0.0.1", true)]
    [InlineData("0.0.0.0/0", "1.2.3.4", true)]
    [InlineData("10.0.0.0/8", "010.0.0.1", false)]
    [InlineData("10.0.0.0/8", "10.0.0", false)]
    [InlineData("10.0.0.0/8", "fe80::1%eth0", false)]
    public void CidrContains(string cidr, string ip, bool contains)
    {
        Assert.True(GoNet.TryParseCidr(cidr, out _, out var network, out _));
        Assert.Equal(contains, network.Contains(GoNet.ParseIP(ip)));
    }

    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("bogus/8")]
    [InlineData("fd00::/129")]
    public void CidrErrors(string cidr)
    {
        Assert.False(GoNet.TryParseCidr(cidr, out _, out _, out var error));
        Assert.Equal("invalid CIDR address: " + cidr, error);
    }

    [Theory]
    [InlineData("2026-11-25T11:52:46.496372918Z", "2026-11-25 11:52:46.496372918 +0000 UTC")]
    [InlineData("2026-11-25T11:52:46.5000Z", "2026-11-25 11:52:46.5 +0000 UTC")]
    [InlineData("2026-11-25T11:52:46Z", "2026-11-25 11:52:46 +0000 UTC")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01 00:00:00 +0000 UTC")]
    [InlineData("", "0001-01-01 00:00:00 +0000 UTC")]
    public void TimeStringOfJsonTimes(string json, string printed) => Assert.Equal(printed, GoTime.TimeString(json));

    [Fact]
    public void HelpShowsPflagTypesAndDefaults()
    {
        var f = new FlagSet();
        f.Map("opt", 'o', "Set driver specific options");
        f.Strings("subnet", '\0', "Subnet in CIDR format");
        f.Bool("ipv4", '\0', "Enable IPv4", dflt: true);
        var help = f.Describe();
        Assert.Contains("  -o, --opt map          Set driver specific options (default map[])\n", help, StringComparison.Ordinal);
        Assert.Contains("      --subnet strings   Subnet in CIDR format\n", help, StringComparison.Ordinal);
        Assert.Contains("      --ipv4             Enable IPv4 (default true)\n", help, StringComparison.Ordinal);
        Assert.True(f.GetBool("ipv4"));
        f.Parse(["--ipv4=false", "-o", "a=1", "-o", "b", "-o", "a=2", "--subnet", "x,y", "--subnet", "z"]);
        Assert.False(f.GetBool("ipv4"));
        Assert.Equal(new Dictionary<string, string> { ["a"] = "2", ["b"] = "" }, f.GetMap("opt"));
        Assert.Equal(["x", "y", "z"], f.GetStrings("subnet"));
    }
}

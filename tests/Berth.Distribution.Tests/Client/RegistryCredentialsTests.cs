using System.Text;
using Berth.Common;
using Berth.Distribution.Client;

namespace Berth.Distribution.Tests.Client;

public sealed class RegistryCredentialsTests
{
    private static string Header(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).Replace('+', '-').Replace('/', '_').TrimEnd('=');

    [Fact]
    public void TheCliHeaderIsBase64UrlJsonWithOrWithoutPadding()
    {
        var c = RegistryCredentials.FromHeader(Header("""{"username":"u~?>","password":"p>>?","serveraddress":"localhost:5000"}"""));

        Assert.Equal(("u~?>", "p>>?"), (c!.Username, c.Password));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("e30=")]
    [InlineData("e30")]
    public void AnEmptyHeaderIsAnonymous(string? header) => Assert.Null(RegistryCredentials.FromHeader(header));

    [Fact]
    public void TheAuthFieldOfConfigJsonIsUserColonPassword()
    {
        var c = RegistryCredentials.FromJson(Encoding.UTF8.GetBytes("""{"auth":"dXNlcjpwYTpzcw=="}"""), out _);

        Assert.Equal(("user", "pa:ss"), (c.Username, c.Password));
    }

    [Theory]
    [InlineData("!!!")]
    [InlineData("bm90IGpzb24=")]
    public void AMalformedHeaderIsAClearError(string header) =>
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<BerthException>(() => RegistryCredentials.FromHeader(header)).Kind);

    [Fact]
    public void ThePasswordNeverReachesALogLine() =>
        Assert.DoesNotContain("hunter2", new RegistryCredentials("me", "hunter2").ToString());
}

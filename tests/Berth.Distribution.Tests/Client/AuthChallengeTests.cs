using Berth.Distribution.Client;

namespace Berth.Distribution.Tests.Client;

public sealed class AuthChallengeTests
{
    [Fact]
    public void ABearerChallengeKeepsCommasInsideQuotedScopes()
    {
        var c = Assert.Single(AuthChallenge.Parse("Bearer realm=\"https://auth.example/token\",service=\"registry.example\",scope=\"repository:a/b:pull,push\""));

        Assert.Equal("Bearer", c.Scheme);
        Assert.Equal("https://auth.example/token", c["realm"]);
        Assert.Equal("registry.example", c["service"]);
        Assert.Equal("repository:a/b:pull,push", c["scope"]);
    }

    [Fact]
    public void SeveralChallengesAndUnquotedValuesAreRead()
    {
        var all = AuthChallenge.Parse("Basic realm=\"Registry Realm\", Bearer realm=x,error=\"insufficient_scope\"");

        Assert.Equal(["Basic", "Bearer"], all.Select(c => c.Scheme));
        Assert.Equal("Registry Realm", all[0]["realm"]);
        Assert.Equal("x", all[1]["realm"]);
        Assert.Equal("insufficient_scope", all[1]["error"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ,,  ")]
    [InlineData("Bearer")]
    [InlineData("Bearer realm=\"unterminated")]
    public void MalformedHeadersDoNotThrow(string header)
    {
        var all = AuthChallenge.Parse(header);

        Assert.True(all.Count <= 1);
    }
}

namespace Berth.Http.Tests;

public sealed class QueryStringTests
{
    public static TheoryData<string, string, string, string[]> Values => new()
    {
        // row, query, name, every value of the name
        { "one value", "all=1", "all", ["1"] },
        { "repeated key", "changes=CMD%20a&changes=ENV%20b%3Dc", "changes", ["CMD a", "ENV b=c"] },
        { "plus is a space", "m=hello+world", "m", ["hello world"] },
        { "encoded plus", "m=a%2Bb", "m", ["a+b"] },
        { "percent decoding", "fromImage=localhost%3A5000%2Fa%2Fb", "fromImage", ["localhost:5000/a/b"] },
        { "UTF-8", "label=caf%C3%A9", "label", ["café"] },
        { "encoded name", "a%20b=1", "a b", ["1"] },
        { "no equals sign", "force", "force", [""] },
        { "empty value", "force=", "force", [""] },
        { "equals in the value", "filters={\"a=b\"}", "filters", ["{\"a=b\"}"] },
        { "empty pairs", "&&a=1&", "a", ["1"] },
        { "absent", "a=1", "b", [] },
        { "names are case-sensitive", "All=1", "all", [] },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Parse_decodes_and_keeps_repeats(string row, string query, string name, string[] values)
    {
        var q = QueryString.Parse(query);
        Assert.True(values.SequenceEqual(q.All(name)), row);
        Assert.Equal(values.Length > 0, q.Has(name));
        Assert.Equal(values.Length > 0 ? values[0] : null, q[name]);
    }

    [Fact]
    public void The_indexer_gives_the_first_value_as_Go_FormValue_does() =>
        Assert.Equal("1", QueryString.Parse("all=1&all=0")["all"]);

    public static TheoryData<string, string, bool> Bools => new()
    {
        // row, query, Bool("v") — dockerd's httputils.BoolValue
        { "1", "v=1", true },
        { "true", "v=true", true },
        { "True", "v=True", true },
        { "TRUE", "v=TRUE", true },
        { "yes", "v=yes", true },
        { "any other word", "v=on", true },
        { "2", "v=2", true },
        { "0", "v=0", false },
        { "false", "v=false", false },
        { "False", "v=False", false },
        { "no", "v=no", false },
        { "none", "v=none", false },
        { "empty", "v=", false },
        { "no equals sign", "v", false },
        { "spaces around 0", "v=+0+", false },
    };

    [Theory]
    [MemberData(nameof(Bools))]
    public void Bool_follows_dockerd(string row, string query, bool expected) =>
        Assert.True(expected == QueryString.Parse(query).Bool("v"), row);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Bool_keeps_the_fallback_when_absent(bool fallback) =>
        Assert.Equal(fallback, QueryString.Parse("other=1").Bool("v", fallback));

    [Fact]
    public void Encode_round_trips_through_Parse()
    {
        var pairs = new Dictionary<string, string> { ["fromImage"] = "localhost:5000/a b", ["tag"] = "v1+x", ["filters"] = "{\"label\":{\"a=b\":true}}" };
        var q = QueryString.Parse(QueryString.Encode(pairs));
        foreach (var (k, v) in pairs)
        {
            Assert.Equal(v, q[k]);
        }
    }
}

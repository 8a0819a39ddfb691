namespace Berth.Common.Tests;

public sealed class FiltersTests
{
    public static TheoryData<string, string, string[]> Forms => new()
    {
        // row, JSON, the values of "label"
        { "current form", """{"label":{"a=1":true,"b":true}}""", ["a=1", "b"] },
        { "old form", """{"label":["a=1","b"]}""", ["a=1", "b"] },
        { "current form, one value", """{"label":{"a":true}}""", ["a"] },
        { "other key only", """{"dangling":{"true":true}}""", [] },
        { "empty object", "{}", [] },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Parse_reads_both_forms(string row, string json, string[] labels)
    {
        var f = Filters.Parse(json, "label", "dangling");
        Assert.True(labels.SequenceEqual(f.Get("label")), row);
        Assert.Equal(labels.Length > 0, f.Contains("label"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_filters_is_empty(string? json)
    {
        var f = Filters.Parse(json, "label");
        Assert.True(f.IsEmpty);
        Assert.Empty(f.Get("label"));
    }

    public static TheoryData<string, string, string> Refusals => new()
    {
        // row, JSON, the message dockerd gives
        { "unknown key, current form", """{"colour":{"red":true}}""", "invalid filter 'colour'" },
        { "unknown key, old form", """{"colour":["red"]}""", "invalid filter 'colour'" },
        { "a string where values belong", """{"label":"a"}""", "invalid filter 'label'" },
        { "not an object", "[1]", "invalid filter: expected a JSON object" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Parse_refuses_with_Dockers_message(string row, string json, string message)
    {
        var e = Assert.Throws<BerthException>(() => Filters.Parse(json, "label", "dangling"));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.True(message == e.Message, $"{row}: {e.Message}");
    }

    [Fact]
    public void Malformed_JSON_is_an_invalid_argument()
    {
        var e = Assert.Throws<BerthException>(() => Filters.Parse("{\"label\":", "label"));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.StartsWith("invalid filter", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string[], bool> Labels => new()
    {
        // row, label filters, whether {a=1, b=2, empty=""} matches
        { "no filter", [], true },
        { "key present", ["a"], true },
        { "key absent", ["c"], false },
        { "key and value", ["a=1"], true },
        { "key with another value", ["a=2"], false },
        { "every filter must hold", ["a", "b=2"], true },
        { "one of two fails", ["a", "b=3"], false },
        { "empty value", ["empty="], true },
        { "value with an equals sign", ["a=1=1"], false },
    };

    [Theory]
    [MemberData(nameof(Labels))]
    public void MatchLabels_takes_k_and_k_eq_v(string row, string[] wanted, bool matches)
    {
        var json = "{\"label\":{" + string.Join(',', wanted.Select(w => "\"" + w + "\":true")) + "}}";
        var f = Filters.Parse(json, "label");
        var labels = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["empty"] = "" };
        Assert.True(matches == f.MatchLabels("label", labels), row);
    }

    [Fact]
    public void MatchLabels_without_labels_matches_only_without_filters()
    {
        Assert.True(Filters.Empty.MatchLabels("label", null));
        Assert.False(Filters.Parse("""{"label":["a"]}""", "label").MatchLabels("label", null));
    }

    [Fact]
    public void MatchExact_and_MatchAny_hold_when_the_key_is_absent()
    {
        var f = Filters.Parse("""{"status":["running","paused"]}""", "status", "name");
        Assert.True(f.MatchExact("status", "paused"));
        Assert.False(f.MatchExact("status", "exited"));
        Assert.True(f.MatchExact("name", "anything"));
        Assert.True(f.MatchAny("status", s => s.StartsWith('r')));
        Assert.False(f.MatchAny("status", s => s.StartsWith('x')));
        Assert.True(f.MatchAny("name", _ => false));
    }

    public static TheoryData<string, string, bool> Bools => new()
    {
        // row, JSON, GetBool("dangling", fallback: false)
        { "absent", "{}", false },
        { "true", """{"dangling":{"true":true}}""", true },
        { "1", """{"dangling":["1"]}""", true },
        { "false", """{"dangling":{"false":true}}""", false },
        { "0", """{"dangling":["0"]}""", false },
    };

    [Theory]
    [MemberData(nameof(Bools))]
    public void GetBool_reads_true_1_false_0(string row, string json, bool expected) =>
        Assert.True(expected == Filters.Parse(json, "dangling").GetBool("dangling", fallback: false), row);

    [Fact]
    public void GetBool_keeps_the_fallback_when_absent() =>
        Assert.True(Filters.Empty.GetBool("dangling", fallback: true));

    public static TheoryData<string, string> BadBools => new()
    {
        { "not a boolean", """{"dangling":["maybe"]}""" },
        { "true and false at once", """{"dangling":{"true":true,"false":true}}""" },
        { "key without values", """{"dangling":[]}""" },
    };

    [Theory]
    [MemberData(nameof(BadBools))]
    public void GetBool_refuses_what_dockerd_refuses(string row, string json)
    {
        var f = Filters.Parse(json, "dangling");
        var e = Assert.Throws<BerthException>(() => f.GetBool("dangling", fallback: false));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.True(e.Message.StartsWith("invalid filter 'dangling", StringComparison.Ordinal), $"{row}: {e.Message}");
    }
}

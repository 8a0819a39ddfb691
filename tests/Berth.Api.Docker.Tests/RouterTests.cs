namespace Berth.Api.Docker.Tests;

public sealed class RouterTests
{
    private static Router Routes(List<string> hits)
    {
        ApiHandler H(string name) => _ =>
        {
            hits.Add(name);
            return Task.CompletedTask;
        };
        return new Router()
            .Map("GET", "/_ping", H("ping"))
            .Map("HEAD", "/_ping", H("ping-head"))
            .Map("GET", "/images/json", H("images-list"))
            .Map("GET", "/images/{name*}/json", H("image-inspect"))
            .Map("GET", "/images/{name*}/history", H("image-history"))
            .Map("POST", "/images/{name*}/tag", H("image-tag"))
            .Map("DELETE", "/images/{name*}", H("image-delete"))
            .Map("GET", "/containers/{id}/json", H("container-inspect"))
            .Map("POST", "/containers/{id}/start", H("container-start"))
            .Map("GET", "/containers/{id}/logs", H("container-logs"));
    }

    public static TheoryData<string, string, string, string?, string> Matches => new()
    {
        // row, method, path, handler (null: 404), route values
        { "ping", "GET", "/_ping", "ping", "" },
        { "same path, other method", "HEAD", "/_ping", "ping-head", "" },
        { "a fixed route wins where the greedy one cannot match", "GET", "/images/json", "images-list", "" },
        { "image by short name", "GET", "/images/busybox/json", "image-inspect", "name=busybox" },
        { "image with registry, port, path and tag", "GET", "/images/localhost:5000/x/y:v1/json", "image-inspect", "name=localhost:5000/x/y:v1" },
        { "image by digest", "GET", "/images/busybox@sha256:abc/json", "image-inspect", "name=busybox@sha256:abc" },
        { "image named json", "GET", "/images/json/json", "image-inspect", "name=json" },
        { "greedy route with another suffix", "GET", "/images/a/b/history", "image-history", "name=a/b" },
        { "greedy route ending the path", "DELETE", "/images/localhost:5000/x/y:v1", "image-delete", "name=localhost:5000/x/y:v1" },
        { "greedy delete of an ID", "DELETE", "/images/sha256:0123", "image-delete", "name=sha256:0123" },
        { "tag", "POST", "/images/example.com/team/app:v2/tag", "image-tag", "name=example.com/team/app:v2" },
        { "one segment", "GET", "/containers/abc123/json", "container-inspect", "id=abc123" },
        { "leading and trailing slashes", "GET", "/containers/abc/json/", "container-inspect", "id=abc" },
        { "unknown path", "GET", "/nothing/here", null, "" },
        { "empty segment", "GET", "/containers//json", null, "" },
        { "empty greedy part", "GET", "/images//json", null, "" },
        { "extra segment", "GET", "/containers/a/b/json", null, "" },
        { "prefix only", "GET", "/containers/abc", null, "" },
    };

    [Theory]
    [MemberData(nameof(Matches))]
    public async Task Match_finds_the_route_and_its_values(string row, string method, string path, string? handler, string values)
    {
        var hits = new List<string>();
        var router = Routes(hits);
        var found = new Dictionary<string, string> { ["stale"] = "value" };
        var h = router.Match(method, path, found, out var known);
        if (handler is null)
        {
            Assert.True(h is null, row);
        }
        else
        {
            Assert.True(h is not null, row);
            Assert.True(known);
            await h(null!);
            Assert.Equal([handler], hits);
        }
        Assert.Equal(values, string.Join(',', found.Select(kv => kv.Key + "=" + kv.Value)));
    }

    [Fact]
    public void An_unknown_path_is_not_known()
    {
        Assert.Null(Routes([]).Match("GET", "/nothing/here", [], out var known));
        Assert.False(known);
    }

    public static TheoryData<string, string, string> WrongMethods => new()
    {
        { "POST to a GET route", "POST", "/containers/abc/json" },
        { "GET to a POST route", "GET", "/containers/abc/start" },
        { "PUT to a greedy route", "PUT", "/images/localhost:5000/x:v1/json" },
    };

    [Theory]
    [MemberData(nameof(WrongMethods))]
    public void A_known_path_with_another_method_is_null_but_known(string row, string method, string path)
    {
        var values = new Dictionary<string, string>();
        Assert.True(Routes([]).Match(method, path, values, out var known) is null, row);
        Assert.True(known, row);
        Assert.Empty(values);
    }
}

namespace Berth.Http.Tests;

public sealed class RequestHeadTests
{
    [Fact]
    public async Task A_request_head_is_parsed_whole()
    {
        using var cts = Timeouts.Source();
        var reader = Wire.Trickle("GET /v1.41/images/localhost%3A5000%2Fa/json?all=1&filters=%7B%7D HTTP/1.1\r\nHost: api.moby.localhost\r\nUser-Agent: Docker-Client/28.0.0 (linux)\r\nX-Multi: a\r\nx-multi: b\r\n\r\n");
        var head = await HttpRequestHead.ReadAsync(reader, cts.Token);
        Assert.NotNull(head);
        Assert.Equal("GET", head.Method);
        Assert.Equal("HTTP/1.1", head.Version);
        Assert.Equal("/v1.41/images/localhost%3A5000%2Fa/json?all=1&filters=%7B%7D", head.Target);
        Assert.Equal("/v1.41/images/localhost%3A5000%2Fa/json", head.RawPath);
        Assert.Equal("/v1.41/images/localhost:5000/a/json", head.Path);
        Assert.Equal("all=1&filters=%7B%7D", head.QueryString);
        Assert.Equal("api.moby.localhost", head.Headers["host"]);
        Assert.Equal("Docker-Client/28.0.0 (linux)", head.Headers["USER-AGENT"]);
        Assert.Equal("a", head.Headers["X-Multi"]);
        Assert.Equal(2, head.Headers.Count(h => h.Key.Equals("x-multi", StringComparison.OrdinalIgnoreCase)));
        Assert.Null(head.Headers["Content-Length"]);
        Assert.False(head.WantsUpgrade);
    }

    [Fact]
    public async Task Bare_LF_lines_and_empty_lines_before_the_request_are_accepted()
    {
        using var cts = Timeouts.Source();
        var head = await HttpRequestHead.ReadAsync(Wire.Reader("\r\n\nPOST /x HTTP/1.1\nContent-Length:  3 \n\nabc"), cts.Token);
        Assert.NotNull(head);
        Assert.Equal("POST", head.Method);
        Assert.Equal(3, head.Headers.ContentLength);
    }

    [Fact]
    public async Task End_of_stream_before_a_request_is_null()
    {
        using var cts = Timeouts.Source();
        Assert.Null(await HttpRequestHead.ReadAsync(Wire.Reader(""), cts.Token));
        Assert.Null(await HttpRequestHead.ReadAsync(Wire.Reader("\r\n"), cts.Token));
    }

    public static TheoryData<string, string> Malformed => new()
    {
        // row, what the peer sent
        { "two words", "GET /\r\n\r\n" },
        { "four words", "GET / x HTTP/1.1\r\n\r\n" },
        { "not HTTP", "GET / SPDY/3\r\n\r\n" },
        { "HTTP/2", "GET / HTTP/2.0\r\n\r\n" },
        { "empty target", "GET  HTTP/1.1\r\n\r\n" },
        { "header without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n" },
        { "header with empty name", "GET / HTTP/1.1\r\n: x\r\n\r\n" },
        { "closed inside the header", "GET / HTTP/1.1\r\nHost: x\r\n" },
        { "closed inside a line", "GET / HTTP/1.1\r\nHost: x" },
        { "request line too long", "GET /" + new string('a', 17 * 1024) + " HTTP/1.1\r\n\r\n" },
        { "header line too long", "GET / HTTP/1.1\r\nX-Big: " + new string('a', 17 * 1024) + "\r\n\r\n" },
        { "header too large in total", "GET / HTTP/1.1\r\n" + string.Concat(Enumerable.Range(0, 80).Select(i => $"X-H{i}: {new string('a', 1000)}\r\n")) + "\r\n" },
        { "too many header fields", "GET / HTTP/1.1\r\n" + string.Concat(Enumerable.Range(0, 250).Select(i => $"X-H{i}: 1\r\n")) + "\r\n" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_or_oversized_head_is_a_protocol_error(string row, string wire)
    {
        _ = row;
        using var cts = Timeouts.Source();
        await Assert.ThrowsAsync<HttpProtocolException>(async () => await HttpRequestHead.ReadAsync(Wire.Reader(wire), cts.Token));
    }

    public static TheoryData<string, string, string?, bool> KeepAlives => new()
    {
        // row, version, Connection header, keep-alive
        { "HTTP/1.1 by default", "HTTP/1.1", null, true },
        { "HTTP/1.1 with close", "HTTP/1.1", "close", false },
        { "HTTP/1.1 with Close in a list", "HTTP/1.1", "TE, Close", false },
        { "HTTP/1.0 by default", "HTTP/1.0", null, false },
        { "HTTP/1.0 with keep-alive", "HTTP/1.0", "Keep-Alive", true },
    };

    [Theory]
    [MemberData(nameof(KeepAlives))]
    public async Task KeepAlive_follows_the_version_and_Connection(string row, string version, string? connection, bool keepAlive)
    {
        using var cts = Timeouts.Source();
        var wire = $"GET / {version}\r\n" + (connection is null ? "" : $"Connection: {connection}\r\n") + "\r\n";
        var head = await HttpRequestHead.ReadAsync(Wire.Reader(wire), cts.Token);
        Assert.True(keepAlive == head!.KeepAlive, row);
    }

    [Theory]
    [InlineData("Connection: Upgrade\r\nUpgrade: tcp\r\n", true)]
    [InlineData("Connection: keep-alive, Upgrade\r\nUpgrade: tcp\r\n", true)]
    [InlineData("Upgrade: tcp\r\n", false)]
    [InlineData("Connection: Upgrade\r\n", false)]
    public async Task WantsUpgrade_needs_Connection_upgrade_and_Upgrade(string headers, bool wants)
    {
        using var cts = Timeouts.Source();
        var head = await HttpRequestHead.ReadAsync(Wire.Reader("POST /containers/x/attach HTTP/1.1\r\n" + headers + "\r\n"), cts.Token);
        Assert.Equal(wants, head!.WantsUpgrade);
    }

    [Fact]
    public async Task Serialize_then_parse_gives_the_same_head()
    {
        using var cts = Timeouts.Source();
        var headers = new HttpHeaders { { "Host", "h" }, { "Content-Type", "application/json" } };
        headers["Content-Length"] = "2";
        var sent = new HttpRequestHead { Method = "POST", Target = "/v1.41/containers/create?name=web", Version = "HTTP/1.1", Headers = headers };
        var bytes = sent.Serialize();
        Assert.Equal("POST /v1.41/containers/create?name=web HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n", System.Text.Encoding.Latin1.GetString(bytes));
        var back = await HttpRequestHead.ReadAsync(new HttpReader(new MemoryStream(bytes)), cts.Token);
        Assert.Equal(sent.Target, back!.Target);
        Assert.Equal(headers.Select(h => h.Key + ":" + h.Value), back.Headers.Select(h => h.Key + ":" + h.Value));
    }

    [Fact]
    public void Setting_a_header_replaces_every_field_of_that_name()
    {
        var h = new HttpHeaders { { "X-A", "1" }, { "x-a", "2" } };
        h["X-A"] = "3";
        Assert.Equal(["X-A: 3"], h.Select(f => f.Key + ": " + f.Value));
        h["x-a"] = null;
        Assert.Empty(h);
    }

    public static TheoryData<string, string?, long?> Lengths => new()
    {
        { "digits", "42", 42 },
        { "zero", "0", 0 },
        { "absent", null, null },
        { "negative", "-1", null },
        { "signed", "+1", null },
        { "not a number", "ten", null },
    };

    [Theory]
    [MemberData(nameof(Lengths))]
    public void ContentLength_takes_only_digits(string row, string? value, long? expected)
    {
        var h = new HttpHeaders();
        h["Content-Length"] = value;
        Assert.True(expected == h.ContentLength, row);
    }
}

using System.Text;

namespace Berth.Http.Tests;

public sealed class ResponseHeadTests
{
    public static TheoryData<string, string, int, string> StatusLines => new()
    {
        // row, status line, status, reason
        { "200 OK", "HTTP/1.1 200 OK", 200, "OK" },
        { "Docker's upgrade", "HTTP/1.1 101 UPGRADED", 101, "UPGRADED" },
        { "HTTP/1.0", "HTTP/1.0 404 Not Found", 404, "Not Found" },
        { "reason with spaces", "HTTP/1.1 500 Internal Server Error", 500, "Internal Server Error" },
        { "no reason", "HTTP/1.1 204", 204, "" },
        { "empty reason", "HTTP/1.1 304 ", 304, "" },
    };

    [Theory]
    [MemberData(nameof(StatusLines))]
    public async Task Status_lines_are_parsed(string row, string line, int status, string reason)
    {
        using var cts = Timeouts.Source();
        var head = await HttpResponseHead.ReadAsync(Wire.Trickle(line + "\r\nContent-Type: text/plain\r\n\r\n"), cts.Token);
        Assert.True(status == head.Status, row);
        Assert.Equal(reason, head.Reason);
        Assert.Equal("text/plain", head.Headers["content-type"]);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { "nothing", "" },
        { "not HTTP", "SPDY/3 200 OK\r\n\r\n" },
        { "status not a number", "HTTP/1.1 OK\r\n\r\n" },
        { "signed status", "HTTP/1.1 +200 OK\r\n\r\n" },
        { "version only", "HTTP/1.1\r\n\r\n" },
        { "closed inside the header", "HTTP/1.1 200 OK\r\nA: b\r\n" },
        { "header too large", "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Range(0, 70).Select(i => $"X-{i}: {new string('b', 1000)}\r\n")) + "\r\n" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_response_is_a_protocol_error(string row, string wire)
    {
        _ = row;
        using var cts = Timeouts.Source();
        await Assert.ThrowsAsync<HttpProtocolException>(async () => await HttpResponseHead.ReadAsync(Wire.Reader(wire), cts.Token));
    }

    [Fact]
    public async Task Serialize_writes_the_reason_phrase_and_round_trips()
    {
        using var cts = Timeouts.Source();
        var headers = new HttpHeaders { { "Api-Version", "1.41" }, { "Content-Length", "0" } };
        var bytes = new HttpResponseHead { Status = 404, Headers = headers }.Serialize();
        Assert.Equal("HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nContent-Length: 0\r\n\r\n", Encoding.Latin1.GetString(bytes));
        var back = await HttpResponseHead.ReadAsync(new HttpReader(new MemoryStream(bytes)), cts.Token);
        Assert.Equal(404, back.Status);
        Assert.Equal("Not Found", back.Reason);
        Assert.Equal("1.41", back.Headers["api-version"]);
    }

    [Fact]
    public void A_given_reason_wins_over_the_standard_phrase() =>
        Assert.StartsWith("HTTP/1.1 101 UPGRADED\r\n", Encoding.Latin1.GetString(new HttpResponseHead { Status = 101, Reason = "UPGRADED", Headers = [] }.Serialize()), StringComparison.Ordinal);
}

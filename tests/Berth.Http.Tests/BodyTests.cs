using System.Text;

namespace Berth.Http.Tests;

public sealed class BodyTests
{
    private static HttpHeaders Headers(params (string Name, string Value)[] fields)
    {
        var h = new HttpHeaders();
        foreach (var (n, v) in fields)
        {
            h.Add(n, v);
        }
        return h;
    }

    public static TheoryData<string, string, string> ChunkedBodies => new()
    {
        // row, chunked wire form, decoded body
        { "two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world" },
        { "upper-case hex size", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789" },
        { "chunk extensions", "5;name=value\r\nhello\r\n1 ; a=\"b;c\"\r\n!\r\n0;last\r\n\r\n", "hello!" },
        { "trailers", "3\r\nabc\r\n0\r\nExpires: never\r\nX-Trailer: 1\r\n\r\n", "abc" },
        { "empty body", "0\r\n\r\n", "" },
        { "leading zeros", "0003\r\nabc\r\n0\r\n\r\n", "abc" },
        { "bare LF", "3\nabc\n0\n\n", "abc" },
        { "CRLF inside the data", "4\r\n\r\n\r\n\r\n0\r\n\r\n", "\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(ChunkedBodies))]
    public async Task Chunked_bodies_decode_and_leave_what_follows(string row, string wire, string body)
    {
        _ = row;
        using var cts = Timeouts.Source();
        foreach (var reader in new[] { Wire.Reader(wire + "NEXT"), Wire.Trickle(wire + "NEXT") })
        {
            var stream = HttpBody.Open(reader, Headers(("Transfer-Encoding", "chunked")), untilClose: false);
            Assert.Equal(body, await Wire.ReadToEndAsync(stream, cts.Token));
            Assert.Equal(0, await stream.ReadAsync(new byte[10], cts.Token));
            Assert.Equal("NEXT", await Wire.RestAsync(reader, cts.Token));
        }
    }

    public static TheoryData<string, string> BadChunks => new()
    {
        { "size not hex", "xyz\r\nabc\r\n0\r\n\r\n" },
        { "negative size", "-1\r\nabc\r\n0\r\n\r\n" },
        { "empty size", "\r\nabc\r\n0\r\n\r\n" },
        { "closed before a size", "" },
        { "closed inside a chunk", "10\r\nabc" },
        { "size line too long", new string('0', 2000) + "1\r\na\r\n0\r\n\r\n" },
    };

    [Theory]
    [MemberData(nameof(BadChunks))]
    public async Task Malformed_chunked_bodies_are_protocol_errors(string row, string wire)
    {
        _ = row;
        using var cts = Timeouts.Source();
        var stream = HttpBody.Open(Wire.Reader(wire), Headers(("Transfer-Encoding", "chunked")), untilClose: false);
        await Assert.ThrowsAsync<HttpProtocolException>(() => Wire.ReadToEndAsync(stream, cts.Token));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(32 * 1024 - 1)]
    [InlineData(32 * 1024)]
    [InlineData(200_000)]
    public async Task Chunked_encoding_round_trips_over_a_unix_socket(int size)
    {
        using var cts = Timeouts.Source();
        await using var pair = await UnixPair.CreateAsync(cts.Token);
        var data = new byte[size];
        new Random(size).NextBytes(data);
        var writer = Task.Run(async () =>
        {
            var chunked = new ChunkedWriteStream(pair.Client);
            // Uneven writes, some flushed alone: chunk boundaries fall anywhere.
            var offset = 0;
            var step = 1;
            while (offset < size)
            {
                var n = Math.Min(step, size - offset);
                await chunked.WriteAsync(data.AsMemory(offset, n), cts.Token);
                if (step % 3 == 0)
                {
                    await chunked.FlushAsync(cts.Token);
                }
                offset += n;
                step = step * 7 % 40_000 + 1;
            }
            await chunked.CompleteAsync(cts.Token);
            await chunked.CompleteAsync(cts.Token); // a second completion sends nothing more
            await pair.Client.WriteAsync("AFTER"u8.ToArray(), cts.Token);
            pair.ClientSocket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        }, cts.Token);
        var reader = new HttpReader(pair.Server);
        var body = HttpBody.Open(reader, Headers(("Transfer-Encoding", "chunked")), untilClose: false);
        var received = new MemoryStream();
        await body.CopyToAsync(received, cts.Token);
        await writer.WaitAsync(cts.Token);
        Assert.Equal(data, received.ToArray());
        Assert.Equal("AFTER", await Wire.RestAsync(reader, cts.Token));
    }

    [Fact]
    public async Task Each_flush_is_one_chunk_and_completion_ends_the_body()
    {
        using var cts = Timeouts.Source();
        var wire = new MemoryStream();
        var chunked = new ChunkedWriteStream(wire);
        await chunked.WriteAsync("hello"u8.ToArray(), cts.Token);
        await chunked.FlushAsync(cts.Token);
        await chunked.FlushAsync(cts.Token); // nothing pending: no empty chunk, which would end the body
        chunked.Write(" world!!!!!!!!!"u8);
        await chunked.CompleteAsync(cts.Token);
        Assert.Equal("5\r\nhello\r\nf\r\n world!!!!!!!!!\r\n0\r\n\r\n", Encoding.ASCII.GetString(wire.ToArray()));
    }

    [Fact]
    public async Task A_length_body_ends_at_its_length()
    {
        using var cts = Timeouts.Source();
        var reader = Wire.Trickle("hello worldGET / HTTP/1.1\r\n\r\n");
        var body = HttpBody.Open(reader, Headers(("Content-Length", "11")), untilClose: false);
        Assert.Equal("hello world", await Wire.ReadToEndAsync(body, cts.Token));
        var next = await HttpRequestHead.ReadAsync(reader, cts.Token);
        Assert.Equal("/", next!.Target);
    }

    [Fact]
    public async Task A_length_body_cut_short_is_a_protocol_error()
    {
        using var cts = Timeouts.Source();
        var body = HttpBody.Open(Wire.Reader("hel"), Headers(("Content-Length", "5")), untilClose: false);
        await Assert.ThrowsAsync<HttpProtocolException>(() => Wire.ReadToEndAsync(body, cts.Token));
    }

    [Fact]
    public async Task Chunked_wins_over_Content_Length()
    {
        using var cts = Timeouts.Source();
        var body = HttpBody.Open(Wire.Reader("2\r\nab\r\n0\r\n\r\n"), Headers(("Content-Length", "100"), ("Transfer-Encoding", "chunked")), untilClose: false);
        Assert.Equal("ab", await Wire.ReadToEndAsync(body, cts.Token));
    }

    [Fact]
    public async Task Without_length_a_request_has_no_body_and_a_response_runs_to_the_close()
    {
        using var cts = Timeouts.Source();
        Assert.Equal("", await Wire.ReadToEndAsync(HttpBody.Open(Wire.Reader("stray"), Headers(), untilClose: false), cts.Token));
        Assert.Equal("all of it", await Wire.ReadToEndAsync(HttpBody.Open(Wire.Reader("all of it"), Headers(), untilClose: true), cts.Token));
    }

    [Fact]
    public void Body_streams_read_only()
    {
        var body = HttpBody.Open(Wire.Reader("abc"), Headers(("Content-Length", "3")), untilClose: false);
        Assert.True(body.CanRead);
        Assert.False(body.CanWrite);
        Assert.False(body.CanSeek);
        Assert.Throws<NotSupportedException>(() => body.Write(new byte[1], 0, 1));
        var buf = new byte[3];
        Assert.Equal(3, body.Read(buf, 0, 3)); // the synchronous path
        Assert.Equal("abc"u8.ToArray(), buf);
    }
}

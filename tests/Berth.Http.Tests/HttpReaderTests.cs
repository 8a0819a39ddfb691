using System.Net.Sockets;
using System.Text;

namespace Berth.Http.Tests;

public sealed class HttpReaderTests
{
    [Fact]
    public async Task Bytes_that_arrive_with_the_head_stay_for_the_body()
    {
        using var cts = Timeouts.Source();
        await using var pair = await UnixPair.CreateAsync(cts.Token);
        // One write: head, body and the start of the next request; the reader's first fill takes all of it.
        await pair.Client.WriteAsync(Encoding.ASCII.GetBytes("POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nbodyGET /b HTTP/1.1\r\n\r\n"), cts.Token);
        var reader = new HttpReader(pair.Server);
        var first = await HttpRequestHead.ReadAsync(reader, cts.Token);
        Assert.True(reader.Buffered > 0);
        Assert.Equal("body", await Wire.ReadToEndAsync(HttpBody.Open(reader, first!.Headers, untilClose: false), cts.Token));
        var second = await HttpRequestHead.ReadAsync(reader, cts.Token);
        Assert.Equal("/b", second!.Target);
        Assert.Equal(0, reader.Buffered);
    }

    [Fact]
    public async Task After_an_upgrade_the_raw_stream_starts_where_the_head_ended()
    {
        using var cts = Timeouts.Source();
        await using var pair = await UnixPair.CreateAsync(cts.Token);
        await pair.Server.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n\u0001\0\0\0\0\0\0\u0002hi"), cts.Token);
        var reader = new HttpReader(pair.Client);
        var head = await HttpResponseHead.ReadAsync(reader, cts.Token);
        Assert.Equal(101, head.Status);
        var buf = new byte[10];
        var n = await reader.ReadAsync(buf, cts.Token);
        Assert.Equal(new byte[] { 1, 0, 0, 0, 0, 0, 0, 2, (byte)'h', (byte)'i' }, buf[..n]);
        // Later bytes come straight from the socket.
        await pair.Server.WriteAsync("more"u8.ToArray(), cts.Token);
        pair.ServerSocket.Shutdown(SocketShutdown.Send);
        Assert.Equal("more", await Wire.RestAsync(reader, cts.Token));
    }

    [Fact]
    public async Task A_large_read_takes_the_buffered_bytes_first_then_reads_directly()
    {
        using var cts = Timeouts.Source();
        var data = Encoding.Latin1.GetBytes("HEAD\r\n" + new string('x', 100_000));
        var reader = new HttpReader(new MemoryStream(data), bufferSize: 1024);
        Assert.Equal("HEAD", await reader.ReadLineAsync(100, cts.Token));
        var big = new byte[64 * 1024];
        var first = await reader.ReadAsync(big, cts.Token);
        Assert.Equal(1024 - 6, first);
        Assert.Equal(0, reader.Buffered);
        var second = await reader.ReadAsync(big, cts.Token);
        Assert.Equal(big.Length, second); // straight from the stream, not through the 1 KiB buffer
    }

    [Fact]
    public async Task Synchronous_reads_see_the_buffered_bytes_too()
    {
        using var cts = Timeouts.Source();
        var reader = new HttpReader(new MemoryStream("line\nrest"u8.ToArray()));
        Assert.Equal("line", await reader.ReadLineAsync(100, cts.Token));
        var buf = new byte[10];
        Assert.Equal(4, reader.Read(buf));
        Assert.Equal("rest"u8.ToArray(), buf[..4]);
        Assert.Equal(0, reader.Read(buf));
    }

    [Fact]
    public async Task A_line_may_span_many_reads()
    {
        using var cts = Timeouts.Source();
        var reader = new HttpReader(new TrickleStream(Encoding.ASCII.GetBytes("a fairly long line\r\nx")), bufferSize: 4);
        Assert.Equal("a fairly long line", await reader.ReadLineAsync(100, cts.Token));
        Assert.Equal("x", await Wire.RestAsync(reader, cts.Token));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(16 * 1024)]
    public async Task A_line_longer_than_its_limit_is_refused_whatever_the_buffer(int bufferSize)
    {
        using var cts = Timeouts.Source();
        var reader = new HttpReader(new MemoryStream(Encoding.ASCII.GetBytes(new string('a', 40) + "\r\n")), bufferSize);
        await Assert.ThrowsAsync<HttpProtocolException>(async () => await reader.ReadLineAsync(32, cts.Token));
    }

    [Fact]
    public async Task A_line_at_its_limit_is_accepted()
    {
        using var cts = Timeouts.Source();
        var reader = new HttpReader(new MemoryStream(Encoding.ASCII.GetBytes(new string('a', 32) + "\r\n")), 8);
        Assert.Equal(new string('a', 32), await reader.ReadLineAsync(32, cts.Token));
    }
}

using System.Net.Sockets;
using System.Text;

namespace Berth.Http.Tests;

/// <summary>The client side against a hand-driven server on a real unix socket.</summary>
public sealed class ClientConnectionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-http-").FullName;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);

    public ClientConnectionTests()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
        _listener.Listen(4);
    }

    private string SocketPath => Path.Join(_dir, "api.sock");

    public void Dispose()
    {
        _listener.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_body_of_unknown_length_goes_chunked_and_the_answer_is_read()
    {
        using var cts = Timeouts.Source();
        var server = Task.Run(async () =>
        {
            using var s = await _listener.AcceptAsync(cts.Token);
            await using var ns = new NetworkStream(s);
            var reader = new HttpReader(ns);
            var head = await HttpRequestHead.ReadAsync(reader, cts.Token);
            var body = await Wire.ReadToEndAsync(HttpBody.Open(reader, head!.Headers, untilClose: false), cts.Token);
            var answer = $"{head.Method} {head.Target} {head.Headers["Host"]} {head.Headers["Transfer-Encoding"]} {body}";
            await ns.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {answer.Length}\r\n\r\n{answer}"), cts.Token);
        }, cts.Token);
        await using var client = HttpClientConnection.ConnectUnix(SocketPath);
        var response = await client.SendAsync("POST", "/build?t=x", new HttpHeaders(), new MemoryStream("context bytes"u8.ToArray()), ct: cts.Token);
        Assert.Equal(200, response.Status);
        Assert.Equal("POST /build?t=x api.moby.localhost chunked context bytes", await Wire.ReadToEndAsync(client.OpenBody(response), cts.Token));
        await server.WaitAsync(cts.Token);
    }

    [Fact]
    public async Task A_POST_without_body_sends_Content_Length_zero_and_two_requests_share_the_connection()
    {
        using var cts = Timeouts.Source();
        var server = Task.Run(async () =>
        {
            using var s = await _listener.AcceptAsync(cts.Token);
            await using var ns = new NetworkStream(s);
            var reader = new HttpReader(ns);
            for (var i = 0; i < 2; i++)
            {
                var head = await HttpRequestHead.ReadAsync(reader, cts.Token);
                var text = head!.Method + " " + head.Headers["Content-Length"];
                await ns.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{text.Length:x}\r\n{text}\r\n0\r\n\r\n"), cts.Token);
            }
        }, cts.Token);
        await using var client = HttpClientConnection.ConnectUnix(SocketPath);
        var first = await client.SendAsync("POST", "/containers/x/start", new HttpHeaders(), ct: cts.Token);
        Assert.Equal("POST 0", await Wire.ReadToEndAsync(client.OpenBody(first), cts.Token));
        var second = await client.SendAsync("GET", "/_ping", new HttpHeaders(), ct: cts.Token);
        Assert.Equal("GET ", await Wire.ReadToEndAsync(client.OpenBody(second), cts.Token));
        await server.WaitAsync(cts.Token);
    }

    [Fact]
    public async Task After_101_the_connection_is_raw_and_a_half_close_still_lets_the_client_read()
    {
        using var cts = Timeouts.Source();
        var server = Task.Run(async () =>
        {
            using var s = await _listener.AcceptAsync(cts.Token);
            await using var ns = new NetworkStream(s);
            var reader = new HttpReader(ns);
            var head = await HttpRequestHead.ReadAsync(reader, cts.Token);
            Assert.True(head!.WantsUpgrade);
            Assert.Equal("{}", await Wire.ReadToEndAsync(HttpBody.Open(reader, head.Headers, untilClose: false), cts.Token));
            await ns.WriteAsync("HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"u8.ToArray(), cts.Token);
            var input = await Wire.RestAsync(reader, cts.Token); // until the client's half-close
            await ns.WriteAsync(Encoding.ASCII.GetBytes("got " + input), cts.Token);
            s.Shutdown(SocketShutdown.Send);
        }, cts.Token);
        await using var client = HttpClientConnection.ConnectUnix(SocketPath);
        var headers = new HttpHeaders { { "Connection", "Upgrade" }, { "Upgrade", "tcp" } };
        var response = await client.SendAsync("POST", "/exec/x/start", headers, new MemoryStream("{}"u8.ToArray()), 2, cts.Token);
        Assert.Equal(101, response.Status);
        Assert.Equal(0, await client.OpenBody(response).ReadAsync(new byte[1], cts.Token));
        await client.Stream.WriteAsync("stdin"u8.ToArray(), cts.Token);
        client.ShutdownWrite();
        Assert.Equal("got stdin", await Wire.RestAsync(client.Reader, cts.Token));
        await server.WaitAsync(cts.Token);
    }
}

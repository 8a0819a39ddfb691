using System.Net.Sockets;
using System.Text;
using Berth.Common;
using Berth.Http;

namespace Berth.Api.Docker.Tests;

/// <summary>The Engine API's HTTP/1.1 server on a real unix socket, with a tiny router.</summary>
public sealed class ApiServerTests : IDisposable
{
    private readonly TestServer _server = new();
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromSeconds(20));

    public void Dispose()
    {
        _cts.Dispose();
        _server.Dispose();
    }

    private CancellationToken Ct => _cts.Token;

    private async Task<(HttpResponseHead Head, string Body)> RequestAsync(HttpClientConnection c, string method, string target, string? body = null, bool chunked = false)
    {
        var bytes = body is null ? null : new MemoryStream(Encoding.UTF8.GetBytes(body));
        var head = await c.SendAsync(method, target, new HttpHeaders(), bytes, body is null || chunked ? null : bytes!.Length, Ct);
        var ms = new MemoryStream();
        await c.OpenBody(head).CopyToAsync(ms, Ct);
        return (head, Encoding.UTF8.GetString(ms.ToArray()));
    }

    [Fact]
    public async Task Two_requests_share_one_connection_and_carry_Dockers_headers()
    {
        await using var c = HttpClientConnection.ConnectUnix(_server.SocketPath);
        var (ping, pong) = await RequestAsync(c, "GET", "/_ping");
        Assert.Equal(200, ping.Status);
        Assert.Equal("OK", pong);
        Assert.Equal("1.44", ping.Headers["Api-Version"]);
        Assert.Equal("linux", ping.Headers["Ostype"]);
        Assert.Equal("false", ping.Headers["Docker-Experimental"]);
        Assert.StartsWith("Berth/", ping.Headers["Server"], StringComparison.Ordinal);
        Assert.NotNull(ping.Headers["Date"]);
        var (echo, echoed) = await RequestAsync(c, "POST", "/echo", "{\"a\":1}");
        Assert.Equal(200, echo.Status);
        Assert.Equal("7:{\"a\":1}", echoed);
        Assert.Equal(1, _server.ActiveConnections);
    }

    [Fact]
    public async Task A_chunked_request_body_is_decoded_and_the_connection_stays_usable()
    {
        await using var c = HttpClientConnection.ConnectUnix(_server.SocketPath);
        var big = new string('z', 100_000);
        var (head, body) = await RequestAsync(c, "POST", "/echo", big, chunked: true);
        Assert.Equal(200, head.Status);
        Assert.Equal("100000:" + big, body);
        Assert.Equal("OK", (await RequestAsync(c, "GET", "/_ping")).Body);
    }

    [Fact]
    public async Task A_body_the_handler_did_not_read_is_skipped_before_the_next_request()
    {
        await using var c = HttpClientConnection.ConnectUnix(_server.SocketPath);
        Assert.Equal(204, (await RequestAsync(c, "POST", "/ignore", new string('q', 70_000))).Head.Status);
        Assert.Equal(204, (await RequestAsync(c, "POST", "/ignore", "chunked, unread", chunked: true)).Head.Status);
        Assert.Equal("OK", (await RequestAsync(c, "GET", "/_ping")).Body);
    }

    public static TheoryData<string, string, string> Versions => new()
    {
        // row, target, what /version saw (version, path)
        { "no prefix is the newest", "/version", "1.44 /version" },
        { "the previous newest", "/v1.42/version", "1.42 /version" },
        { "current", "/v1.41/version", "1.41 /version" },
        { "oldest", "/v1.24/version", "1.24 /version" },
        { "in between", "/v1.30/version", "1.30 /version" },
        { "prefix before a greedy route", "/v1.41/images/localhost:5000/x/y:v1/json?a=b", "localhost:5000/x/y:v1?b" },
        { "percent-encoded reference", "/v1.41/images/localhost%3A5000%2Fx%2Fy%3Av1/json", "localhost:5000/x/y:v1?" },
    };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Version_prefixes_are_taken_off_and_remembered(string row, string target, string expected)
    {
        await using var c = HttpClientConnection.ConnectUnix(_server.SocketPath);
        var (head, body) = await RequestAsync(c, "GET", target);
        Assert.Equal(200, head.Status);
        Assert.True(expected == body, $"{row}: {body}");
    }

    [Fact]
    public async Task A_version_too_new_is_a_400_with_Dockers_JSON_message()
    {
        await using var c = HttpClientConnection.ConnectUnix(_server.SocketPath);
        var (head, body) = await RequestAsync(c, "GET", "/v1.99/version");
        Assert.Equal(400, head.Status);
        Assert.Equal("application/json", head.Headers["Content-Type"]);
        Assert.Equal("{\"message\":\"client version 1.99 is too new. Maximum supported API version is 1.44\"}\n", body);
        Assert.Equal("OK", (await RequestAsync(c, "GET", "/_ping")).Body); // the connection lives on
    }

    [Fact]
    public async Task A_version_too_old_is_a_400_in_plain_text()
    {
        await using var c = HttpClientConnection.ConnectUnix(_server.SocketPath);
        var (head, body) = await RequestAsync(c, "GET", "/v1.12/version");
        Assert.Equal(400, head.Status);
        Assert.StartsWith("text/plain", head.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version\n", body);
    }

    public static TheoryData<string, string, string, int, string> Errors => new()
    {
        // row, method, target, status, body
        { "unknown route", "GET", "/v1.41/nothing", 404, "{\"message\":\"page not found\"}\n" },
        { "known path, other method", "DELETE", "/_ping", 404, "{\"message\":\"page not found\"}\n" },
        { "not found from a handler", "GET", "/missing", 404, "{\"message\":\"No such container: x\"}\n" },
        { "conflict from a handler", "GET", "/conflict", 409, "{\"message\":\"in use\"}\n" },
    };

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task Errors_are_Dockers_status_and_message(string row, string method, string target, int status, string body)
    {
        await using var c = HttpClientConnection.ConnectUnix(_server.SocketPath);
        var (head, actual) = await RequestAsync(c, method, target);
        Assert.True(status == head.Status, $"{row}: {head.Status}");
        Assert.Equal("application/json", head.Headers["Content-Type"]);
        Assert.Equal(body, actual);
    }

    [Fact]
    public async Task A_streamed_response_is_chunked()
    {
        await using var c = HttpClientConnection.ConnectUnix(_server.SocketPath);
        var (head, body) = await RequestAsync(c, "GET", "/stream");
        Assert.Equal("chunked", head.Headers["Transfer-Encoding"]);
        Assert.Equal("{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n", body);
        Assert.Equal("OK", (await RequestAsync(c, "GET", "/_ping")).Body);
    }

    [Fact]
    public async Task Hijack_answers_101_UPGRADED_exactly_then_carries_raw_bytes_both_ways_past_a_half_close()
    {
        using var s = _server.Connect();
        await RawClient.SendAsync(s, "POST /v1.41/hijack HTTP/1.1\r\nHost: api.moby.localhost\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", Ct);
        var head = await RawClient.ReadHeadAsync(s, Ct);
        Assert.Equal("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n", head);
        await RawClient.SendAsync(s, "hello", Ct);
        Assert.Equal("HELLO", await RawClient.ReadExactlyAsync(s, 5, Ct));
        await RawClient.SendAsync(s, " world", Ct);
        Assert.Equal(" WORLD", await RawClient.ReadExactlyAsync(s, 6, Ct));
        s.Shutdown(SocketShutdown.Send);
        Assert.Equal("body={} bye", await RawClient.ReadToEndAsync(s, Ct));
    }

    [Fact]
    public async Task Hijack_without_upgrade_headers_answers_200_raw_stream()
    {
        using var s = _server.Connect();
        await RawClient.SendAsync(s, "POST /hijack HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", Ct);
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n", await RawClient.ReadHeadAsync(s, Ct));
        await RawClient.SendAsync(s, "x", Ct);
        Assert.Equal("X", await RawClient.ReadExactlyAsync(s, 1, Ct));
        s.Shutdown(SocketShutdown.Send);
        Assert.Equal("body= bye", await RawClient.ReadToEndAsync(s, Ct));
    }

    [Fact]
    public async Task Bytes_sent_with_the_upgrade_request_reach_the_hijacked_stream()
    {
        using var s = _server.Connect();
        // The client does not wait for the 101: its first stdin bytes arrive in the same packet as the request.
        await RawClient.SendAsync(s, "POST /hijack HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 4\r\n\r\n\"x\"\nearly", Ct);
        await RawClient.ReadHeadAsync(s, Ct);
        Assert.Equal("EARLY", await RawClient.ReadExactlyAsync(s, 5, Ct));
        s.Shutdown(SocketShutdown.Send);
        Assert.Equal("body=\"x\"\n bye", await RawClient.ReadToEndAsync(s, Ct));
    }

    [Fact]
    public async Task Connection_close_and_HTTP_1_0_end_the_connection_after_the_response()
    {
        foreach (var request in new[] { "GET /_ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET /_ping HTTP/1.0\r\n\r\n" })
        {
            using var s = _server.Connect();
            await RawClient.SendAsync(s, request, Ct);
            var all = await RawClient.ReadToEndAsync(s, Ct); // ends: the server closed
            Assert.StartsWith("HTTP/1.1 200 OK\r\n", all, StringComparison.Ordinal);
            Assert.EndsWith("\r\n\r\nOK", all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_malformed_request_gets_a_400_and_the_connection_closes()
    {
        using var s = _server.Connect();
        await RawClient.SendAsync(s, "THIS IS NOT HTTP\r\n\r\n", Ct);
        var all = await RawClient.ReadToEndAsync(s, Ct);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", all, StringComparison.Ordinal);
        Assert.Contains("Connection: close\r\n", all, StringComparison.Ordinal);
        Assert.EndsWith("{\"message\":\"malformed request line\"}\n", all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closed_connections_are_counted_out()
    {
        using (var s = _server.Connect())
        {
            await RawClient.SendAsync(s, "GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n", Ct);
            await RawClient.ReadHeadAsync(s, Ct);
        }
        while (_server.ActiveConnections != 0)
        {
            await Task.Delay(10, Ct);
        }
    }

    [Fact]
    public void The_socket_is_0660_and_a_live_one_is_not_taken_over()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite, File.GetUnixFileMode(_server.SocketPath));
        var second = new ApiServer(new Router());
        var e = Assert.Throws<BerthException>(() => second.ListenUnix(_server.SocketPath));
        Assert.Equal(ErrorKind.AlreadyExists, e.Kind);
    }

    public static TheoryData<string, string[], bool> SocketUsers => new()
    {
        // row, setpriv's identity, may connect
        { "nobody, in the socket's group", ["--reuid", "65534", "--regid", "65534", "--groups", "4242"], true },
        { "nobody, in no group of the socket's", ["--reuid", "65534", "--regid", "65534", "--clear-groups"], false },
        { "nobody, with the group as its primary group", ["--reuid", "65534", "--regid", "4242", "--clear-groups"], true },
    };

    /// <summary>dockerd's docker group: root:GID 0660, so the group's members connect and other users do not (a real
    /// unprivileged curl, through setpriv).</summary>
    [Theory]
    [MemberData(nameof(SocketUsers))]
    public async Task The_socket_belongs_to_root_and_the_group_given_and_only_they_connect(string row, string[] identity, bool connects)
    {
        var dir = Path.Join(_server.Dir, "shared");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(_server.Dir, File.GetUnixFileMode(_server.Dir) | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.OtherExecute);
        var path = Path.Join(dir, "group.sock");
        var server = new ApiServer(new Router().Map("GET", "/_ping", c => c.WriteBytesAsync(200, "OK"u8.ToArray(), "text/plain")));
        server.ListenUnix(path, gid: 4242);
        server.Start();
        try
        {
            var stat = Berth.Linux.Fs.Lstat(path);
            Assert.Equal((0u, 4242u), (stat.st_uid, stat.st_gid));
            var curl = new System.Diagnostics.ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in identity.Concat(["--", "curl", "-sS", "--max-time", "5", "--unix-socket", path, "http://berth/_ping"]))
            {
                curl.ArgumentList.Add(arg);
            }
            using var process = System.Diagnostics.Process.Start(curl)!;
            var output = await process.StandardOutput.ReadToEndAsync(Ct) + await process.StandardError.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct);
            Assert.True(connects == (process.ExitCode == 0 && output == "OK"), $"{row}: exit {process.ExitCode}: {output}");
            if (!connects)
            {
                // curl's "Couldn't connect to server" (connect: EACCES), not a request the server refused.
                Assert.True(process.ExitCode == 7, $"{row}: exit {process.ExitCode}: {output}");
            }
        }
        finally
        {
            await server.DisposeAsync().AsTask().WaitAsync(Ct);
        }
    }

    [Fact]
    public async Task A_stale_socket_file_is_replaced()
    {
        var path = Path.Join(_server.Dir, "stale.sock");
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(path)); // bound, never listening: what a crashed daemon leaves
        }
        var server = new ApiServer(new Router().Map("GET", "/_ping", c => c.WriteBytesAsync(200, "OK"u8.ToArray(), "text/plain")));
        server.ListenUnix(path);
        server.Start();
        try
        {
            await using var c = HttpClientConnection.ConnectUnix(path);
            Assert.Equal("OK", (await RequestAsync(c, "GET", "/_ping")).Body);
        }
        finally
        {
            await server.DisposeAsync().AsTask().WaitAsync(Ct);
        }
        Assert.False(File.Exists(path));
    }
}

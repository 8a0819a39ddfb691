using System.Net.Sockets;
using System.Text;
using Berth.Common;

namespace Berth.Api.Docker.Tests;

/// <summary>An ApiServer on a unix socket in a throwaway directory, with a tiny router of test handlers.</summary>
public sealed class TestServer : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("berth-api-").FullName;
    private readonly ApiServer _server;

    public TestServer()
    {
        var router = new Router()
            .Map("GET", "/_ping", c => c.WriteBytesAsync(200, "OK"u8.ToArray(), "text/plain; charset=utf-8"))
            .Map("GET", "/version", c => c.WriteBytesAsync(200, Encoding.ASCII.GetBytes(c.Version + " " + c.Path), "text/plain"))
            .Map("POST", "/echo", async c =>
            {
                var ms = new MemoryStream();
                await c.Body.CopyToAsync(ms, c.Aborted);
                await c.WriteBytesAsync(200, Encoding.UTF8.GetBytes($"{ms.Length}:{Encoding.UTF8.GetString(ms.ToArray())}"), "text/plain");
            })
            .Map("POST", "/ignore", c => c.WriteEmptyAsync(204))
            .Map("GET", "/images/{name*}/json", c => c.WriteBytesAsync(200, Encoding.UTF8.GetBytes(c.Route("name") + "?" + c.Query["a"]), "text/plain"))
            .Map("GET", "/stream", async c =>
            {
                await c.StartStreamAsync(200, "application/json");
                for (var i = 0; i < 3; i++)
                {
                    await c.WriteChunkAsync(Encoding.ASCII.GetBytes($"{{\"n\":{i}}}\n"));
                }
                await c.EndStreamAsync();
            })
            .Map("GET", "/missing", _ => throw BerthException.NotFound("No such container: x"))
            .Map("GET", "/conflict", _ => throw BerthException.Conflict("in use"))
            .Map("POST", "/hijack", async c =>
            {
                // exec start: a JSON body, then the connection is taken over.
                var ms = new MemoryStream();
                await c.Body.CopyToAsync(ms, c.Aborted);
                var (input, output, _) = await c.HijackAsync();
                var buf = new byte[1024];
                int n;
                while ((n = await input.ReadAsync(buf, c.Aborted)) > 0)
                {
                    await output.WriteAsync(Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(buf, 0, n).ToUpperInvariant()), c.Aborted);
                    await output.FlushAsync(c.Aborted);
                }
                // The client half-closed its side: output must still flow, as after `docker exec` stdin ends.
                await Task.Delay(100, c.Aborted);
                await output.WriteAsync(Encoding.ASCII.GetBytes($"body={Encoding.ASCII.GetString(ms.ToArray())} bye"), c.Aborted);
                await output.FlushAsync(c.Aborted);
            });
        _server = new ApiServer(router);
        _server.ListenUnix(SocketPath);
        _server.Start();
    }

    public string Dir => _dir;

    public string SocketPath => Path.Join(_dir, "docker.sock");

    public int ActiveConnections => _server.ActiveConnections;

    public Socket Connect()
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        s.Connect(new UnixDomainSocketEndPoint(SocketPath));
        return s;
    }

    public void Dispose()
    {
        Assert.True(_server.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(20)));
        Directory.Delete(_dir, recursive: true);
    }
}

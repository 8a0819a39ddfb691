using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Berth.Distribution.Tests.Client;

/// <summary>
/// A hand-driven HTTP server on 127.0.0.1 for what a well-behaved registry never does: challenges of its own
/// choosing, redirects elsewhere, lying digests and sizes. Each request goes to the handler; every request seen is
/// kept, with its Authorization header.
/// </summary>
public sealed class FakeRegistry : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<HttpListenerRequest, HttpListenerResponse, FakeRegistry, Task> _handler;
    private readonly Task _loop;

    public FakeRegistry(Func<HttpListenerRequest, HttpListenerResponse, FakeRegistry, Task> handler)
    {
        _handler = handler;
        // A free port is only free until someone else takes it: another one is tried then.
        for (var attempt = 0; ; attempt++)
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            }
            _listener.Prefixes.Clear();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Host => $"127.0.0.1:{Port}";

    public List<(string Method, string Path, string? Authorization)> Seen { get; } = [];

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped, possibly between the IsListening check and the wait (InvalidOperationException)
            }
            lock (Seen)
            {
                Seen.Add((context.Request.HttpMethod, context.Request.Url!.PathAndQuery, context.Request.Headers["Authorization"]));
            }
            try
            {
                await _handler(context.Request, context.Response, this);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client hung up (it refused what it was being sent): that is what some tests want.
                context.Response.Abort();
            }
        }
    }

    public static async Task Reply(HttpListenerResponse response, int status, string? body = null, string contentType = "application/json", params (string Name, string Value)[] headers)
    {
        response.StatusCode = status;
        foreach (var (name, value) in headers)
        {
            response.AddHeader(name, value);
        }
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            response.ContentType = contentType;
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes);
        }
    }

    public void Dispose()
    {
        if (!_listener.IsListening)
        {
            return;
        }
        try
        {
            _listener.Stop();
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // The managed listener looks its endpoint up again to let go of it, and can trip on a port reused
            // meanwhile; it is stopped either way.
        }
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Berth.Http;
using Berth.Linux;
using HttpProtocolException = Berth.Http.HttpProtocolException;

namespace Berth.Network.Tests.Remote;

/// <summary>One request the plugin received: the method (<c>NetworkDriver.Join</c>), its JSON body, its Accept.</summary>
internal sealed record PluginCall(string Method, JsonNode? Body, string? Accept);

/// <summary>What the plugin answers: a status and body, raw bytes (not HTTP), or nothing ever.</summary>
internal sealed record PluginResponse(int Status, byte[] Body, bool Raw = false, bool Hang = false)
{
    public static PluginResponse Json(string json, int status = 200) => new(status, Encoding.UTF8.GetBytes(json));

    public static PluginResponse Text(int status, string text) => new(status, Encoding.UTF8.GetBytes(text));

    public static PluginResponse Bytes(byte[] raw) => new(0, raw, Raw: true);

    /// <summary>What Go's mux answers for a path it does not know.</summary>
    public static readonly PluginResponse NotFound = Text(404, "404 page not found\n");

    public static readonly PluginResponse Hanging = new(0, [], Hang: true);
}

/// <summary>
/// A network driver plugin for tests: an HTTP server on a unix socket in a plugin directory that answers Docker's
/// remote driver protocol and records every call. On Join it makes a real veth pair in the host's namespace, with
/// names unique to the test, and answers the container end as the link to move; DeleteEndpoint deletes the pair, as
/// real plugins do. Tests replace any answer through <see cref="Handlers"/>.
/// </summary>
internal sealed class TestPlugin : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly ConcurrentDictionary<string, string> _vethOfEndpoint = new(StringComparer.Ordinal);
    private int _links;

    public TestPlugin(string name, string socketPath, string linkPrefix)
    {
        Name = name;
        SocketPath = socketPath;
        LinkPrefix = linkPrefix;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(16);
        _accepting = AcceptAsync();
    }

    public string Name { get; }
    public string SocketPath { get; }

    /// <summary>Every link the plugin makes starts with it: the test checks none is left.</summary>
    public string LinkPrefix { get; }

    public ConcurrentQueue<PluginCall> Calls { get; } = new();

    public List<string> Implements { get; set; } = ["NetworkDriver"];
    public string Scope { get; set; } = "local";

    /// <summary>The MAC address CreateEndpoint answers when Berth gave none (none when null).</summary>
    public string? EndpointMac { get; set; }

    public string DstPrefix { get; set; } = "eth";
    public string? Gateway { get; set; }
    public string StaticRoutes { get; set; } = "[]";

    /// <summary>The container ends that were back in the host's namespace when their endpoint was deleted.</summary>
    public ConcurrentBag<string> ReturnedLinks { get; } = [];

    /// <summary>Answers by method, in place of the protocol's.</summary>
    public ConcurrentDictionary<string, Func<JsonNode?, PluginResponse>> Handlers { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Methods => [.. Calls.Select(c => c.Method)];

    public JsonNode Body(string method) => Calls.Last(c => c.Method == method).Body ?? throw new InvalidOperationException(method + " had no body");

    private PluginResponse Answer(string method, JsonNode? body)
    {
        if (Handlers.TryGetValue(method, out var handler))
        {
            return handler(body);
        }
        switch (method)
        {
            case "Plugin.Activate":
                return PluginResponse.Json(new JsonObject { ["Implements"] = new JsonArray([.. Implements.Select(i => JsonValue.Create(i))]) }.ToJsonString());
            case "NetworkDriver.GetCapabilities":
                return PluginResponse.Json($$"""{"Scope":"{{Scope}}","ConnectivityScope":"{{Scope}}"}""");
            case "NetworkDriver.CreateNetwork" or "NetworkDriver.DeleteNetwork" or "NetworkDriver.Leave":
                return PluginResponse.Json("{}");
            case "NetworkDriver.CreateEndpoint":
                var given = body?["Interface"]?["MacAddress"]?.GetValue<string>();
                return EndpointMac is not null && string.IsNullOrEmpty(given)
                    ? PluginResponse.Json($$$"""{"Interface":{"MacAddress":"{{{EndpointMac}}}"}}""")
                    : PluginResponse.Json("{}");
            case "NetworkDriver.Join":
                var (_, container) = MakeVeth(body!["EndpointID"]!.GetValue<string>());
                var gateway = Gateway is null ? "" : $",\"Gateway\":\"{Gateway}\"";
                return PluginResponse.Json($$"""{"InterfaceName":{"SrcName":"{{container}}","DstPrefix":"{{DstPrefix}}"}{{gateway}},"StaticRoutes":{{StaticRoutes}}}""");
            case "NetworkDriver.DeleteEndpoint":
                DeleteVeth(body!["EndpointID"]!.GetValue<string>());
                return PluginResponse.Json("{}");
            case "NetworkDriver.EndpointOperInfo":
                return PluginResponse.Json("""{"Value":{"plugin":"test","ports":[1,2]}}""");
            default:
                // ProgramExternalConnectivity and the rest: not implemented, as many plugins answer.
                return PluginResponse.NotFound;
        }
    }

    /// <summary>A veth pair in the host's namespace: the host end stays with the plugin, the other goes to Berth.</summary>
    public (string Host, string Container) MakeVeth(string endpointId)
    {
        var n = Interlocked.Increment(ref _links).ToString(CultureInfo.InvariantCulture);
        var (host, container) = (LinkPrefix + "h" + n, LinkPrefix + "c" + n);
        using var nl = Netlink.Open();
        nl.AddVeth(host, container);
        _vethOfEndpoint[endpointId] = container;
        return (host, container);
    }

    private void DeleteVeth(string endpointId)
    {
        if (!_vethOfEndpoint.TryRemove(endpointId, out var container))
        {
            return;
        }
        using var nl = Netlink.Open();
        if (nl.Link(container) is not null)
        {
            ReturnedLinks.Add(container);
        }
        // Either end takes the other with it, wherever it is.
        nl.TryDeleteLink(LinkPrefix + "h" + container[(LinkPrefix.Length + 1)..]);
    }

    /// <summary>The plugin's links still on the host.</summary>
    public static IReadOnlyList<string> LinksStartingWith(string prefix)
    {
        using var nl = Netlink.Open();
        return [.. nl.Links().Select(l => l.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal))];
    }

    private async Task AcceptAsync()
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var socket = await _listener.AcceptAsync(_stop.Token);
                connections.Add(ServeAsync(socket));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        await Task.WhenAll(connections);
    }

    private async Task ServeAsync(Socket socket)
    {
        var ct = _stop.Token;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var reader = new HttpReader(stream);
            while (await HttpRequestHead.ReadAsync(reader, ct) is { } head)
            {
                var body = new byte[head.Headers.ContentLength ?? 0];
                for (var at = 0; at < body.Length;)
                {
                    var n = await reader.ReadAsync(body.AsMemory(at), ct);
                    if (n == 0)
                    {
                        return;
                    }
                    at += n;
                }
                var method = head.Path.TrimStart('/');
                var json = body.Length == 0 ? null : JsonNode.Parse(body);
                Calls.Enqueue(new PluginCall(method, json, head.Headers["Accept"]));
                var answer = Answer(method, json);
                if (answer.Hang)
                {
                    await Task.Delay(Timeout.Infinite, ct);
                }
                if (answer.Raw)
                {
                    await stream.WriteAsync(answer.Body, ct);
                    return;
                }
                var response = new HttpResponseHead { Status = answer.Status, Headers = new HttpHeaders() };
                response.Headers["Content-Type"] = "application/vnd.docker.plugins.v1+json";
                response.Headers["Content-Length"] = answer.Body.Length.ToString(CultureInfo.InvariantCulture);
                await stream.WriteAsync(response.Serialize(), ct);
                await stream.WriteAsync(answer.Body, ct);
                if (!head.KeepAlive)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpProtocolException)
        {
            // The client went away, or the plugin is stopping.
        }
    }

    /// <summary>Stops listening (the socket file goes) and deletes every link the plugin made.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        File.Delete(SocketPath);
        using var nl = Netlink.Open();
        foreach (var name in LinksStartingWith(LinkPrefix))
        {
            nl.TryDeleteLink(name);
        }
        _stop.Dispose();
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Berth.Volumes.Tests.Plugin;

/// <summary>
/// A volume plugin for tests, speaking Docker's legacy <c>/VolumeDriver.*</c> protocol on a unix socket: each
/// volume is a directory under <see cref="DataDir"/>, mounted by answering that directory. It records every call.
/// Self-contained (a minimal HTTP/1.1 server: one request a connection, as the daemon's client makes them), so the
/// end-to-end tests run the same plugin in their own process for a real berthd to find.
/// </summary>
public sealed class TestVolumePlugin : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _mounts = new(StringComparer.Ordinal);

    public TestVolumePlugin(string name, string socketPath, string dataDir)
    {
        Name = name;
        SocketPath = socketPath;
        DataDir = Directory.CreateDirectory(dataDir).FullName;
        Directory.CreateDirectory(Path.GetDirectoryName(socketPath)!);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(16);
        _accepting = AcceptAsync();
    }

    public string Name { get; }

    public string SocketPath { get; }

    /// <summary>Where the volumes' directories are.</summary>
    public string DataDir { get; }

    /// <summary>Every call: the method (<c>VolumeDriver.Mount</c>) and its JSON body.</summary>
    public ConcurrentQueue<(string Method, JsonNode? Body)> Calls { get; } = new();

    /// <summary>The options each volume was created with.</summary>
    public ConcurrentDictionary<string, JsonNode?> CreateOptions { get; } = new(StringComparer.Ordinal);

    public string Scope { get; set; } = "local";

    /// <summary>Answers by method, in place of the protocol's (status, JSON).</summary>
    public ConcurrentDictionary<string, Func<JsonNode?, (int Status, string Json)>> Handlers { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Methods => [.. Calls.Select(c => c.Method)];

    /// <summary>The mount ids the plugin holds for a volume.</summary>
    public IReadOnlyCollection<string> MountIds(string volume)
    {
        lock (_lock)
        {
            return _mounts.TryGetValue(volume, out var ids) ? [.. ids] : [];
        }
    }

    private string PathOf(string volume) => System.IO.Path.Join(DataDir, volume);

    private static string Err(string message) => new JsonObject { ["Err"] = message }.ToJsonString();

    private (int Status, string Json) Answer(string method, JsonNode? body)
    {
        if (Handlers.TryGetValue(method, out var handler))
        {
            return handler(body);
        }
        var name = body?["Name"]?.GetValue<string>() ?? "";
        var exists = name.Length > 0 && Directory.Exists(PathOf(name));
        switch (method)
        {
            case "Plugin.Activate":
                return (200, """{"Implements":["VolumeDriver"]}""");
            case "VolumeDriver.Capabilities":
                return (200, new JsonObject { ["Capabilities"] = new JsonObject { ["Scope"] = Scope } }.ToJsonString());
            case "VolumeDriver.Create":
                Directory.CreateDirectory(PathOf(name));
                CreateOptions[name] = body?["Opts"]?.DeepClone();
                return (200, "{}");
            case "VolumeDriver.Remove":
                if (!exists)
                {
                    return (200, Err($"volume {name} does not exist"));
                }
                if (MountIds(name).Count > 0)
                {
                    return (200, Err($"volume {name} is mounted"));
                }
                Directory.Delete(PathOf(name), recursive: true);
                return (200, "{}");
            case "VolumeDriver.Get":
                if (!exists)
                {
                    return (200, Err($"volume {name} does not exist"));
                }
                return (200, new JsonObject
                {
                    ["Volume"] = new JsonObject
                    {
                        ["Name"] = name,
                        ["Mountpoint"] = PathOf(name),
                        ["Status"] = new JsonObject { ["mounts"] = MountIds(name).Count },
                    },
                }.ToJsonString());
            case "VolumeDriver.List":
                var list = new JsonArray();
                foreach (var dir in Directory.EnumerateDirectories(DataDir).Order(StringComparer.Ordinal))
                {
                    list.Add((JsonNode)new JsonObject { ["Name"] = System.IO.Path.GetFileName(dir), ["Mountpoint"] = dir });
                }
                return (200, new JsonObject { ["Volumes"] = list }.ToJsonString());
            case "VolumeDriver.Path":
                return exists ? (200, new JsonObject { ["Mountpoint"] = PathOf(name) }.ToJsonString()) : (200, Err($"volume {name} does not exist"));
            case "VolumeDriver.Mount":
                if (!exists)
                {
                    return (200, Err($"volume {name} does not exist"));
                }
                lock (_lock)
                {
                    if (!_mounts.TryGetValue(name, out var ids))
                    {
                        _mounts[name] = ids = new HashSet<string>(StringComparer.Ordinal);
                    }
                    ids.Add(body?["ID"]?.GetValue<string>() ?? "");
                }
                return (200, new JsonObject { ["Mountpoint"] = PathOf(name) }.ToJsonString());
            case "VolumeDriver.Unmount":
                lock (_lock)
                {
                    if (_mounts.TryGetValue(name, out var ids) && ids.Remove(body?["ID"]?.GetValue<string>() ?? "") && ids.Count == 0)
                    {
                        _mounts.Remove(name);
                    }
                }
                return (200, "{}");
            default:
                return (404, "404 page not found\n");
        }
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

    /// <summary>One request: the head up to the empty line, a Content-Length body, one answer, then close.</summary>
    private async Task ServeAsync(Socket socket)
    {
        var ct = _stop.Token;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        try
        {
            var buffer = new List<byte>();
            var one = new byte[4096];
            int headEnd;
            while ((headEnd = IndexOfHeadEnd(buffer)) < 0)
            {
                var n = await stream.ReadAsync(one, ct);
                if (n == 0)
                {
                    return;
                }
                buffer.AddRange(one.AsSpan(0, n));
            }
            var head = Encoding.ASCII.GetString([.. buffer.Take(headEnd)]).Split("\r\n");
            var path = head[0].Split(' ')[1];
            var length = head.Skip(1).Select(h => h.Split(':', 2)).Where(h => h.Length == 2 && h[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                .Select(h => int.Parse(h[1].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
            var body = buffer.Skip(headEnd + 4).ToList();
            while (body.Count < length)
            {
                var n = await stream.ReadAsync(one, ct);
                if (n == 0)
                {
                    return;
                }
                body.AddRange(one.AsSpan(0, n));
            }
            var method = path.TrimStart('/');
            var json = body.Count == 0 ? null : JsonNode.Parse(Encoding.UTF8.GetString([.. body]));
            Calls.Enqueue((method, json));
            var (status, answer) = Answer(method, json);
            var bytes = Encoding.UTF8.GetBytes(answer);
            var response = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/vnd.docker.plugins.v1+json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response), ct);
            await stream.WriteAsync(bytes, ct);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or FormatException or IndexOutOfRangeException or System.Text.Json.JsonException)
        {
            // The client went away, sent something this plugin does not read, or the plugin is stopping.
        }
    }

    private static int IndexOfHeadEnd(List<byte> b)
    {
        for (var i = 0; i + 3 < b.Count; i++)
        {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Stops listening and deletes the socket file (the data directory is the test's to delete).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        File.Delete(SocketPath);
        _stop.Dispose();
    }
}

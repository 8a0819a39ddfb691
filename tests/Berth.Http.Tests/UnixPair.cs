using System.Net.Sockets;

namespace Berth.Http.Tests;

/// <summary>Two ends of a real unix stream socket connection (a listener in a throwaway directory).</summary>
public sealed class UnixPair : IAsyncDisposable
{
    private readonly string _dir;

    private UnixPair(string dir, Socket client, Socket server)
    {
        _dir = dir;
        ClientSocket = client;
        ServerSocket = server;
        Client = new NetworkStream(client, ownsSocket: true);
        Server = new NetworkStream(server, ownsSocket: true);
    }

    public Socket ClientSocket { get; }
    public Socket ServerSocket { get; }
    public NetworkStream Client { get; }
    public NetworkStream Server { get; }

    public static async Task<UnixPair> CreateAsync(CancellationToken ct)
    {
        var dir = Directory.CreateTempSubdirectory("berth-http-").FullName;
        var path = Path.Join(dir, "s.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var accept = listener.AcceptAsync(ct).AsTask();
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
        var server = await accept;
        return new UnixPair(dir, client, server);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

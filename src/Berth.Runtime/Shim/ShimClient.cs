using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Berth.Common;

namespace Berth.Runtime.Shim;

/// <summary>The daemon's side of a shim's socket. Each call opens its own connection.</summary>
public sealed class ShimClient(string socketPath)
{
    public string SocketPath { get; } = socketPath;

    private async Task<NetworkStream> ConnectAsync(CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(SocketPath), ct).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new BerthException(ErrorKind.Unavailable, $"shim at {SocketPath} is not reachable: {e.Message}", e);
        }
        return new NetworkStream(socket, ownsSocket: true);
    }

    private async Task<(byte Type, byte[] Payload)> CallAsync(byte command, byte[] payload, CancellationToken ct)
    {
        await using var stream = await ConnectAsync(ct).ConfigureAwait(false);
        await ShimFrame.WriteAsync(stream, command, payload, ct).ConfigureAwait(false);
        return await ShimFrame.ReadAsync(stream, ct).ConfigureAwait(false)
            ?? throw new BerthException(ErrorKind.Unavailable, "shim closed the connection");
    }

    /// <summary>Lets the created container exec its program; throws with the runtime's message when it cannot.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        var (type, payload) = await CallAsync(ShimFrame.Start, [], ct).ConfigureAwait(false);
        if (type == ShimFrame.Error)
        {
            throw new BerthException(ErrorKind.Unknown, Encoding.UTF8.GetString(payload));
        }
    }

    /// <summary>Signals the container's first process; false when it is no longer running.</summary>
    public async Task<bool> KillAsync(int signal, CancellationToken ct = default)
    {
        var (type, _) = await CallAsync(ShimFrame.Kill, Encoding.ASCII.GetBytes(signal.ToString(System.Globalization.CultureInfo.InvariantCulture)), ct).ConfigureAwait(false);
        return type == ShimFrame.Ok;
    }

    public async Task<ShimState> StateAsync(CancellationToken ct = default)
    {
        var (_, payload) = await CallAsync(ShimFrame.State, [], ct).ConfigureAwait(false);
        return JsonSerializer.Deserialize(payload, ShimJson.Default.ShimState)!;
    }

    public async Task<ExitRecord> WaitAsync(CancellationToken ct = default)
    {
        var (_, payload) = await CallAsync(ShimFrame.Wait, [], ct).ConfigureAwait(false);
        return JsonSerializer.Deserialize(payload, ShimJson.Default.ExitRecord)!;
    }

    /// <summary>Subscribes to the container's output and its exit, and opens a way to its stdin.</summary>
    public async Task<ShimAttachment> AttachAsync(CancellationToken ct = default)
    {
        var stream = await ConnectAsync(ct).ConfigureAwait(false);
        try
        {
            await ShimFrame.WriteAsync(stream, ShimFrame.Attach, default, ct).ConfigureAwait(false);
            var ack = await ShimFrame.ReadAsync(stream, ct).ConfigureAwait(false);
            if (ack is not { Type: ShimFrame.Ok })
            {
                throw new BerthException(ErrorKind.Unavailable, "shim refused to attach");
            }
            return new ShimAttachment(stream);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>A live attachment to a shim: output frames in, stdin out.</summary>
public sealed class ShimAttachment(NetworkStream stream) : IAsyncDisposable
{
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Next output chunk or the exit; null when the shim went away without an exit frame.</summary>
    public async ValueTask<(byte Type, byte[] Payload)?> ReadAsync(CancellationToken ct = default) =>
        await ShimFrame.ReadAsync(stream, ct).ConfigureAwait(false);

    public async Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await ShimFrame.WriteAsync(stream, ShimFrame.Stdin, data, ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public async Task CloseStdinAsync(CancellationToken ct = default)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await ShimFrame.WriteAsync(stream, ShimFrame.CloseStdin, default, ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}

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

    /// <summary>Sets the size of the container's terminal.</summary>
    public async Task ResizeAsync(ushort rows, ushort columns, CancellationToken ct = default)
    {
        var (type, payload) = await CallAsync(ShimFrame.Resize, ShimAttachment.SizePayload(rows, columns), ct).ConfigureAwait(false);
        if (type == ShimFrame.Error)
        {
            throw BerthException.Conflict(Encoding.UTF8.GetString(payload));
        }
    }

    /// <summary>
    /// Runs a process in the container. The returned attachment carries its output and, last, its exit; it is the
    /// only holder of that exit. Throws <see cref="ShimExecException"/> when the process could not be started.
    /// </summary>
    public async Task<(int Pid, ShimAttachment Stdio)> ExecAsync(ExecRequest request, CancellationToken ct = default)
    {
        var stream = await ConnectAsync(ct).ConfigureAwait(false);
        try
        {
            await ShimFrame.WriteAsync(stream, ShimFrame.Exec, JsonSerializer.SerializeToUtf8Bytes(request, ShimJson.Default.ExecRequest), ct).ConfigureAwait(false);
            var reply = await ShimFrame.ReadAsync(stream, ct).ConfigureAwait(false)
                ?? throw new BerthException(ErrorKind.Unavailable, "shim closed the connection");
            var text = Encoding.UTF8.GetString(reply.Payload);
            if (reply.Type != ShimFrame.Ok)
            {
                var space = text.IndexOf(' ', StringComparison.Ordinal);
                var code = space > 0 && int.TryParse(text.AsSpan(0, space), System.Globalization.CultureInfo.InvariantCulture, out var c) ? c : 126;
                throw new ShimExecException(code, space > 0 ? text[(space + 1)..] : text);
            }
            return (int.Parse(text, System.Globalization.CultureInfo.InvariantCulture), new ShimAttachment(stream));
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
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

    /// <summary>Sets the size of the process's terminal (ignored by a process without one).</summary>
    public async Task ResizeAsync(ushort rows, ushort columns, CancellationToken ct = default)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await ShimFrame.WriteAsync(stream, ShimFrame.Resize, SizePayload(rows, columns), ct).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    internal static byte[] SizePayload(ushort rows, ushort columns)
    {
        var payload = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(payload, rows);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2), columns);
        return payload;
    }

    public ValueTask DisposeAsync() => stream.DisposeAsync();
}

/// <summary>A process the shim could not start in the container; <see cref="ExitCode"/> is what Docker reports (126).</summary>
public sealed class ShimExecException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

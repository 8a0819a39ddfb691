using System.Buffers.Binary;

namespace Berth.Runtime.Shim;

/// <summary>
/// The shim's wire format on its unix socket: one type byte, a big-endian u32 length, the payload.
/// A connection opens with one command frame; an attach connection then carries output one way and stdin the other.
/// </summary>
public static class ShimFrame
{
    // Commands (client → shim)
    public const byte Attach = (byte)'A';
    public const byte Start = (byte)'S';
    public const byte Kill = (byte)'K';
    public const byte State = (byte)'T';
    public const byte Wait = (byte)'W';
    public const byte Stdin = (byte)'I';
    public const byte CloseStdin = (byte)'C';
    /// <summary>Run a process in the container; the connection then carries its stdio, as an attach does.</summary>
    public const byte Exec = (byte)'P';
    /// <summary>Terminal size: rows and columns, big-endian u16 each.</summary>
    public const byte Resize = (byte)'Z';

    // Replies and events (shim → client)
    public const byte Ok = (byte)'k';
    public const byte Error = (byte)'E';
    public const byte Stdout = (byte)'O';
    public const byte Stderr = (byte)'R';
    public const byte Exit = (byte)'X';
    public const byte StateReply = (byte)'t';

    public const int MaxPayload = 1 << 20;

    public static async ValueTask WriteAsync(Stream stream, byte type, ReadOnlyMemory<byte> payload, CancellationToken ct = default)
    {
        var header = new byte[5];
        header[0] = type;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)payload.Length);
        await stream.WriteAsync(header, ct).ConfigureAwait(false);
        if (payload.Length > 0)
        {
            await stream.WriteAsync(payload, ct).ConfigureAwait(false);
        }
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Reads one frame; null at end of stream.</summary>
    public static async ValueTask<(byte Type, byte[] Payload)?> ReadAsync(Stream stream, CancellationToken ct = default)
    {
        var header = new byte[5];
        if (!await ReadExactAsync(stream, header, ct).ConfigureAwait(false))
        {
            return null;
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > MaxPayload)
        {
            throw new InvalidDataException($"shim frame of {length} bytes exceeds the limit");
        }
        var payload = new byte[length];
        if (length > 0 && !await ReadExactAsync(stream, payload, ct).ConfigureAwait(false))
        {
            return null;
        }
        return (header[0], payload);
    }

    private static async ValueTask<bool> ReadExactAsync(Stream stream, Memory<byte> buffer, CancellationToken ct)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[read..], ct).ConfigureAwait(false);
            if (n == 0)
            {
                return false;
            }
            read += n;
        }
        return true;
    }
}

using System.Buffers.Binary;

namespace Berth.Api.Docker;

/// <summary>Docker's multiplexed stream: an 8-byte header (stream id, three zero bytes, big-endian length) before
/// each payload, so stdout and stderr can share one connection.</summary>
internal static class Framing
{
    public const byte Stdin = 0;
    public const byte Stdout = 1;
    public const byte Stderr = 2;

    public static byte[] Frame(byte stream, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[8 + payload.Length];
        frame[0] = stream;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(8));
        return frame;
    }
}

using System.Buffers.Binary;
using System.Text;

namespace Berth.Cli.Api;

/// <summary>
/// Splits Docker's multiplexed stream (8-byte header: stream, 0, 0, 0, big-endian length; then the payload) into
/// stdout and stderr, as moby's <c>stdcopy.StdCopy</c> does. Stream 0 (stdin) goes to stdout, 3 is a daemon error.
/// </summary>
internal static class StreamDemuxer
{
    /// <param name="read">Reads into the span; 0 at end of stream.</param>
    public static void Copy(Func<Memory<byte>, int> read, Stream stdout, Stream stderr)
    {
        var header = new byte[8];
        var payload = new byte[32 * 1024];
        while (true)
        {
            var got = ReadFull(read, header);
            if (got == 0)
            {
                return;
            }
            if (got < 8)
            {
                throw new IOException("unexpected EOF");
            }
            var size = (int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            if (size > payload.Length)
            {
                payload = new byte[size];
            }
            var n = ReadFull(read, payload.AsMemory(0, size));
            var kind = header[0];
            switch (kind)
            {
                case 0:
                case 1:
                    stdout.Write(payload, 0, n);
                    stdout.Flush();
                    break;
                case 2:
                    stderr.Write(payload, 0, n);
                    stderr.Flush();
                    break;
                case 3:
                    throw new IOException("error from daemon in stream: " + Encoding.UTF8.GetString(payload, 0, n));
                default:
                    throw new IOException($"Unrecognized input header: {kind}");
            }
            if (n < size)
            {
                throw new IOException("unexpected EOF");
            }
        }
    }

    public static void Copy(Stream source, Stream stdout, Stream stderr) =>
        Copy(m => source.Read(m.Span), stdout, stderr);

    private static int ReadFull(Func<Memory<byte>, int> read, Memory<byte> buffer)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = read(buffer[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}

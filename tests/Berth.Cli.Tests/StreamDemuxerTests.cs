using System.Text;
using Berth.Cli.Api;

namespace Berth.Cli.Tests;

public sealed class StreamDemuxerTests
{
    private static byte[] Frame(byte stream, string payload)
    {
        var p = Encoding.UTF8.GetBytes(payload);
        var f = new byte[8 + p.Length];
        f[0] = stream;
        f[4] = (byte)(p.Length >> 24);
        f[5] = (byte)(p.Length >> 16);
        f[6] = (byte)(p.Length >> 8);
        f[7] = (byte)p.Length;
        p.CopyTo(f, 8);
        return f;
    }

    /// <summary>A source that hands out at most <paramref name="chunk"/> bytes per read, to split headers and payloads.</summary>
    private sealed class Trickle(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(4096)]
    public void SplitsStdoutAndStderr(int chunk)
    {
        var data = Frame(1, "abc\ndef\n").Concat(Frame(2, "done\n")).Concat(Frame(0, "in")).Concat(Frame(1, "")).ToArray();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        StreamDemuxer.Copy(new Trickle(data, chunk), stdout, stderr);
        Assert.Equal("abc\ndef\nin", Encoding.UTF8.GetString(stdout.ToArray()));
        Assert.Equal("done\n", Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Fact]
    public void LargeFramesSurvive()
    {
        var big = new string('x', 100_000);
        var stdout = new MemoryStream();
        StreamDemuxer.Copy(new Trickle(Frame(1, big), 1000), stdout, Stream.Null);
        Assert.Equal(big.Length, stdout.Length);
    }

    [Fact]
    public void SystemErrorStreamFails()
    {
        var e = Assert.Throws<IOException>(() => StreamDemuxer.Copy(new MemoryStream(Frame(3, "boom")), Stream.Null, Stream.Null));
        Assert.Equal("error from daemon in stream: boom", e.Message);
    }

    [Fact]
    public void UnknownStreamFails()
    {
        var e = Assert.Throws<IOException>(() => StreamDemuxer.Copy(new MemoryStream(Frame(7, "x")), Stream.Null, Stream.Null));
        Assert.Equal("Unrecognized input header: 7", e.Message);
    }

    [Fact]
    public void TruncatedHeaderFails() =>
        Assert.Throws<IOException>(() => StreamDemuxer.Copy(new MemoryStream([1, 0, 0]), Stream.Null, Stream.Null));
}

using System.IO.Compression;
using Berth.Common;

namespace Berth.Images.Layers;

/// <summary>Tells a layer's compression by its magic bytes, as Docker does (the media type is not trusted: a
/// <c>docker save</c> archive says nothing, and registries serve gzip under "tar" media types).</summary>
internal static class LayerCompression
{
    private static ReadOnlySpan<byte> Gzip => [0x1f, 0x8b, 0x08];

    private static ReadOnlySpan<byte> Zstd => [0x28, 0xb5, 0x2f, 0xfd];

    private static ReadOnlySpan<byte> Xz => [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];

    /// <summary>The uncompressed tar stream of <paramref name="input"/>.</summary>
    public static Stream Open(LayerInput input)
    {
        var head = input.Peek(6);
        if (head.StartsWith(Gzip))
        {
            return new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
        }
        var other = head.StartsWith(Zstd) ? "zstd"
            : head.StartsWith(Xz) ? "xz"
            : head.Length >= 4 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h' && head[3] is >= (byte)'1' and <= (byte)'9' ? "bzip2"
            : null;
        if (other is not null)
        {
            throw BerthException.Invalid($"layer is compressed with {other}: only gzip and uncompressed tar layers are supported");
        }
        return input;
    }
}

namespace Berth.Cli.BuildContexts;

/// <summary>
/// compat(docker): the CLI's <c>build.IsArchive</c> on the first 1024 bytes of stdin: compressed (gzip, bzip2, xz,
/// zstd), or a first tar header whose checksum holds (Go's tar reader accepts V7, USTAR, PAX and GNU headers alike).
/// </summary>
internal static class ArchiveDetector
{
    public const int PeekSize = 1024;

    public static bool IsArchive(ReadOnlySpan<byte> header)
    {
        if (header.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B, 0x08]) || header.StartsWith("BZh"u8) ||
            header.StartsWith((ReadOnlySpan<byte>)[0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) || header.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
        {
            return true;
        }
        if (header.Length < 512)
        {
            return false;
        }
        var block = header[..512];
        if (block.IndexOfAnyExcept((byte)0) < 0)
        {
            // Two zero blocks are an empty archive (io.EOF); a zero block and then data is a bad header.
            return false;
        }
        return ChecksumHolds(block);
    }

    private static bool ChecksumHolds(ReadOnlySpan<byte> block)
    {
        var field = block.Slice(148, 8).Trim(" \0"u8);
        long value = 0;
        foreach (var b in field)
        {
            if (b is < (byte)'0' or > (byte)'7')
            {
                return false;
            }
            value = (value * 8) + (b - '0');
        }
        long unsigned = 0, signed = 0;
        for (var i = 0; i < 512; i++)
        {
            var b = i is >= 148 and < 156 ? (byte)' ' : block[i];
            unsigned += b;
            signed += (sbyte)b;
        }
        return value == unsigned || value == signed;
    }
}

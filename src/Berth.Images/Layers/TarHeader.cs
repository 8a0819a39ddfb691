using Berth.Linux;

namespace Berth.Images.Layers;

/// <summary>One tar entry with its PAX and GNU extension headers merged in. Names are exactly as the archive has
/// them; cleaning and checking them is the applier's job.</summary>
internal sealed class TarHeader
{
    public required string Name { get; init; }

    public string LinkName { get; init; } = "";

    public TarEntryKind Kind { get; init; }

    /// <summary>The raw type flag, for messages.</summary>
    public byte TypeFlag { get; init; }

    /// <summary>Permission bits with setuid, setgid and sticky (07777).</summary>
    public uint Mode { get; init; }

    public uint Uid { get; init; }

    public uint Gid { get; init; }

    /// <summary>Bytes of data that follow the header; 0 for the types that carry none.</summary>
    public long Size { get; init; }

    public LibC.Timespec MTime { get; init; }

    /// <summary>From a PAX <c>atime</c> record; null when the archive does not say.</summary>
    public LibC.Timespec? ATime { get; init; }

    public uint DevMajor { get; init; }

    public uint DevMinor { get; init; }

    /// <summary>The <c>SCHILY.xattr.*</c> records, values as raw bytes.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> Xattrs { get; init; } = [];

    /// <summary>A <c>BERTH.sha256</c> record as sent: the SHA-256 (hex) of a file whose data the sender left out (a
    /// build context sent by digest). Null when absent; only an applier told to accept such entries reads it.</summary>
    public byte[]? ContentDigest { get; init; }

    /// <summary>Offset of the entry's first header in the uncompressed stream.</summary>
    public long Offset { get; init; }
}

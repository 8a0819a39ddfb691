namespace Berth.Images.Archive;

/// <summary>How <see cref="ContainerFs.Extract"/> unpacks an archive into a container (<c>PUT …/archive</c>).</summary>
public sealed class CopyInOptions
{
    /// <summary>compat(docker): <c>noOverwriteDirNonDir</c>; the docker CLI always sends it.</summary>
    public bool NoOverwriteDirNonDir { get; init; }

    /// <summary>When set, every entry gets this owner (<c>copyUIDGID</c> with a container user); otherwise the
    /// archive's own uid and gid, as Docker does.</summary>
    public (uint Uid, uint Gid)? Owner { get; init; }

    /// <summary>Added to every owner (see <see cref="Layers.LayerApplyOptions.IdShift"/>).</summary>
    public (uint Uid, uint Gid) IdShift { get; init; }

    /// <summary>Decompression-bomb guard: the most bytes the uncompressed tar stream may have.</summary>
    public long MaxUncompressedBytes { get; init; } = 64L << 30;

    public long MaxEntries { get; init; } = 1_000_000;

    /// <summary>When set, gets the SHA-256 of each regular file written, by its path in the archive.</summary>
    public IDictionary<string, byte[]>? FileDigests { get; init; }

    /// <summary>See <see cref="Layers.LayerApplyOptions.Hold"/>.</summary>
    public Layers.HeldFileContents? Hold { get; init; }

    /// <summary>See <see cref="Layers.LayerApplyOptions.AcceptDigestOnlyFiles"/>.</summary>
    public bool AcceptDigestOnlyFiles { get; init; }
}

namespace Berth.Images.Layers;

/// <summary>Limits and choices for <see cref="LayerApplier.Apply"/>.</summary>
public sealed class LayerApplyOptions
{
    public WhiteoutMode Whiteouts { get; init; } = WhiteoutMode.Overlay;

    /// <summary>Decompression-bomb guard: the most bytes the uncompressed tar stream may have.</summary>
    public long MaxUncompressedBytes { get; init; } = 64L << 30;

    /// <summary>The most tar entries a layer may have.</summary>
    public long MaxEntries { get; init; } = 1_000_000;

    /// <summary>Block and character devices are refused unless set.</summary>
    public bool AllowDeviceNodes { get; init; }

    /// <summary>compat(docker): a plain archive's <c>./</c> entry leaves the target directory as it is (Untar);
    /// a layer's gives the root its owner, mode and times.</summary>
    public bool ApplyRootEntry { get; init; } = true;

    /// <summary>compat(docker): NoOverwriteDirNonDir: an entry may not replace a directory with a non-directory or
    /// the other way round.</summary>
    public bool NoOverwriteDirNonDir { get; init; }

    /// <summary>When set, the SHA-256 of every regular file written goes in here by its cleaned path (a build
    /// context's files are hashed as they arrive, not read again).</summary>
    public IDictionary<string, byte[]>? FileDigests { get; init; }

    /// <summary>Whether to hash the whole uncompressed stream for <see cref="LayerApplyResult.DiffId"/> (default when
    /// not): a layer needs it, an archive unpacked into a container does not.</summary>
    public bool ComputeDiffId { get; init; } = true;

    /// <summary>When set, takes the contents of the regular files it has room for instead of writing them (a build
    /// context's data stays in memory until a step needs it).</summary>
    public HeldFileContents? Hold { get; init; }

    /// <summary>Takes regular files sent by digest: an entry with no data and a <c>BERTH.sha256</c> record is
    /// created empty, its digest put in <see cref="FileDigests"/> and the file marked in <see cref="Hold"/> as one
    /// whose contents were not sent (filling it throws <see cref="ContentNotSentException"/>). Needs both; without
    /// it the record is ignored and the entry is the empty file it says it is.</summary>
    public bool AcceptDigestOnlyFiles { get; init; }

    /// <summary>When set, every entry gets this owner instead of the archive's (Docker's ChownOpts).</summary>
    public (uint Uid, uint Gid)? Owner { get; init; }

    /// <summary>Added to every owner: the host ids of a remapped container's root, when the tree is written through
    /// its idmapped rootfs (which shows host ids).</summary>
    public (uint Uid, uint Gid) IdShift { get; init; }
}

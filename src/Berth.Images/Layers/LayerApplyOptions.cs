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
}

using Berth.Common;

namespace Berth.Images.Layers;

/// <summary>What applying a layer measured: the diffID (sha256 of the uncompressed tar stream; default when
/// <see cref="LayerApplyOptions.ComputeDiffId"/> is off), the length of that
/// stream and the number of tar entries.</summary>
public sealed record LayerApplyResult(Digest DiffId, long UncompressedSize, long Entries);

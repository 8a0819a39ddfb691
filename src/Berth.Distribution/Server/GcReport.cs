using Berth.Common;

namespace Berth.Distribution.Server;

/// <summary>What a garbage collection found: manifests and blobs kept (marked), blobs removed, upload sessions
/// abandoned.</summary>
public sealed record GcReport(int Marked, IReadOnlyList<(Digest Digest, long Size)> Removed, IReadOnlyList<string> AbandonedUploads);

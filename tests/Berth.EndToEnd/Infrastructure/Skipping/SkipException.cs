namespace Berth.EndToEnd.Infrastructure.Skipping;

/// <summary>Thrown by a <see cref="SkippableTheoryAttribute"/> test that cannot run here; reported as skipped,
/// with the reason, never as a pass.</summary>
public sealed class SkipException(string reason) : Exception(reason);

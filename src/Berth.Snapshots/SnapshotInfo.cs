namespace Berth.Snapshots;

public enum SnapshotKind
{
    View,
    Active,
    Committed,
}

/// <summary>A snapshot: its key, its parent's key, and whether it can still change.</summary>
public sealed record SnapshotInfo(string Key, string? Parent, SnapshotKind Kind, DateTimeOffset Created);

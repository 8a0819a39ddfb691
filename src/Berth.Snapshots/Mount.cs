namespace Berth.Snapshots;

/// <summary>A mount to perform, as data: the snapshotter describes, the runtime mounts (containerd's rule).</summary>
public sealed record Mount(string Type, string Source, IReadOnlyList<string> Options)
{
    public override string ToString() => $"{Type} {Source} ({string.Join(',', Options)})";
}

using Berth.Runtime;

namespace Berth.Snapshots.Tests;

/// <summary>A snapshot's mounts performed on a directory by <see cref="RootfsMounter"/>, as the engine does; unmounted
/// on dispose.</summary>
public sealed class MountedSnapshot : IDisposable
{
    public MountedSnapshot(IReadOnlyList<Mount> mounts, string target)
    {
        Target = target;
        RootfsMounter.Mount(mounts.Select(m => new Oci.Mount { Type = m.Type, Source = m.Source, Options = [.. m.Options] }).ToList(), target);
    }

    public string Target { get; }

    public string Join(string relative) => Path.Join(Target, relative);

    public void Dispose() => RootfsMounter.Unmount(Target);
}

using Berth.Runtime;

namespace Berth.Volumes.Tests;

/// <summary>A volumes root in a temp directory, with the runtime's mounter (as berthd wires it). Disposing it
/// unmounts whatever a failed test left beneath it and deletes it.</summary>
internal sealed class VolumeRoot : IDisposable
{
    public VolumeRoot()
    {
        Dir = Directory.CreateTempSubdirectory("berth-volumes-").FullName;
        Path = System.IO.Path.Join(Dir, "volumes");
    }

    public string Dir { get; }

    public string Path { get; }

    public List<(Berth.Oci.Mount Mount, string Target)> MountCalls { get; } = [];

    public List<string> UnmountCalls { get; } = [];

    public VolumeService Open(IReadOnlyList<string>? pluginDirectories = null) =>
        new(Path, new VolumeMounts(
            (m, target) =>
            {
                lock (MountCalls)
                {
                    MountCalls.Add((m, target));
                }
                RootfsMounter.Mount([m], target);
            },
            target =>
            {
                lock (UnmountCalls)
                {
                    UnmountCalls.Add(target);
                }
                return RootfsMounter.Unmount(target);
            }),
            pluginDirectories ?? [System.IO.Path.Join(Dir, "no-plugins")]);

    /// <summary>Mount points at or below <paramref name="path"/>, from /proc/self/mountinfo.</summary>
    public static List<string> MountsUnder(string path)
    {
        var full = System.IO.Path.GetFullPath(path).TrimEnd('/');
        return [.. Berth.Linux.Mounts.Read().Select(m => m.MountPoint).Where(m => m == full || m.StartsWith(full + "/", StringComparison.Ordinal))];
    }

    public void Dispose()
    {
        foreach (var m in MountsUnder(Dir).OrderByDescending(m => m.Length))
        {
            RootfsMounter.Unmount(m);
        }
        Directory.Delete(Dir, recursive: true);
    }
}

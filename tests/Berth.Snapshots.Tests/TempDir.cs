using Berth.Linux;

namespace Berth.Snapshots.Tests;

/// <summary>A throwaway directory under /tmp, removed with everything in it after unmounting what a test left.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "berth-snapshots-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string Join(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public void Dispose()
    {
        foreach (var m in Mounts.Read().Select(m => m.MountPoint).Where(p => p.StartsWith(Path + "/", StringComparison.Ordinal)).Reverse())
        {
            Mounts.TryUnmount(m);
        }
        foreach (var dir in Directory.EnumerateDirectories(Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Directory.Delete(Path, recursive: true);
    }
}

using Berth.Linux;

namespace Berth.Runtime.Tests.Support;

/// <summary>A throwaway directory, removed with everything in it (after unmounting what a test left).</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "berth-rt-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string Join(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public void Dispose()
    {
        foreach (var m in Mounts.Read().Select(m => m.MountPoint).Where(p => p.StartsWith(Path + "/", StringComparison.Ordinal)).Reverse())
        {
            Mounts.TryUnmount(m);
        }
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

namespace Berth.Engine.Tests;

/// <summary>A throwaway directory under /tmp.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "berth-engine-") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string Join(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    public string Write(string relative, string content)
    {
        var path = Join(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

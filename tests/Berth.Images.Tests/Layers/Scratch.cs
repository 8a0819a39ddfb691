using System.Text;
using Berth.Images.Layers;
using Berth.Linux;

namespace Berth.Images.Tests.Layers;

/// <summary>A throwaway directory on the real file system: <c>root</c> receives layers, and <c>outside</c>, its
/// sibling, holds a sentinel that no layer may touch.</summary>
internal sealed class Scratch : IDisposable
{
    public const string SentinelText = "do not touch";

    private readonly List<string> _mounts = [];

    public Scratch()
    {
        Dir = Directory.CreateTempSubdirectory("berth-layers-").FullName;
        Root = Path.Combine(Dir, "root");
        Outside = Path.Combine(Dir, "outside");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
        File.WriteAllText(Path.Combine(Outside, "sentinel"), SentinelText);
    }

    public string Dir { get; }

    public string Root { get; }

    public string Outside { get; }

    public static LayerApplyOptions Options(WhiteoutMode mode = WhiteoutMode.Delete) => new() { Whiteouts = mode };

    public LayerApplyResult Apply(byte[] layer, LayerApplyOptions? options = null, string? root = null, Stream? copyTo = null)
    {
        using var input = new MemoryStream(layer, writable: false);
        return LayerApplier.Apply(input, root ?? Root, options ?? Options(), copyTo);
    }

    /// <summary>A path under the root.</summary>
    public string At(string relative) => Path.Combine(Root, relative);

    public string NewDir(string name)
    {
        var path = Path.Combine(Dir, name);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Mounts overlayfs with the given lower directories (top first) and returns the merged view.</summary>
    public string MountOverlay(IEnumerable<string> lowerTopFirst, string upper)
    {
        var work = NewDir("work-" + _mounts.Count);
        var merged = NewDir("merged-" + _mounts.Count);
        Mounts.Mount("overlay", merged, "overlay", 0, $"lowerdir={string.Join(':', lowerTopFirst)},upperdir={upper},workdir={work}");
        _mounts.Add(merged);
        return merged;
    }

    /// <summary>Nothing was created in, changed in or removed from the directory beside the root.</summary>
    public void AssertOutsideUntouched()
    {
        Assert.Equal(["sentinel"], Directory.GetFileSystemEntries(Outside).Select(p => Path.GetFileName(p)!).ToArray());
        Assert.Equal(SentinelText, File.ReadAllText(Path.Combine(Outside, "sentinel")));
        Assert.Equal(1UL, Fs.Lstat(Path.Combine(Outside, "sentinel")).st_nlink);
    }

    /// <summary>Every path under <paramref name="dir"/>, relative, '/'-separated, sorted; directories end in '/'.</summary>
    public static string[] Tree(string dir)
    {
        var list = new List<string>();
        Walk(dir, "", list);
        list.Sort(StringComparer.Ordinal);
        return [.. list];
    }

    public static string ReadLink(string path) => new FileInfo(path).LinkTarget ?? throw new InvalidOperationException(path + " is not a symlink");

    public static string Xattr(string path, string name) =>
        Fs.GetXattr(path, name) is { } v ? Encoding.UTF8.GetString(v) : "<none>";

    public void Dispose()
    {
        foreach (var m in _mounts)
        {
            Mounts.TryUnmount(m);
        }
        Directory.Delete(Dir, recursive: true);
    }

    private static void Walk(string dir, string prefix, List<string> list)
    {
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            var rel = prefix + entry.Name;
            var isDir = (Fs.Lstat(entry.FullName).st_mode & LibC.S_IFMT) == LibC.S_IFDIR;
            list.Add(isDir ? rel + "/" : rel);
            if (isDir)
            {
                Walk(entry.FullName, rel + "/", list);
            }
        }
    }
}

using Berth.Linux;

namespace Berth.Cli.Bootstrap;

/// <summary>
/// A build directory that is removed, whatever happened: debootstrap mounts /proc and /sys (and on some paths more)
/// inside its target and a killed debootstrap leaves them mounted, so every mount beneath the directory is detached
/// first (from /proc/self/mountinfo), and the removal never crosses into another filesystem.
/// </summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory(string parent, string prefix)
    {
        Directory.CreateDirectory(parent);
        Path = System.IO.Path.Join(parent, prefix + System.IO.Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal));
        Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

    /// <summary>Mount points at or beneath <paramref name="dir"/>, deepest first.</summary>
    public static List<string> MountsUnder(string dir) =>
        [.. Mounts.Read().Select(m => m.MountPoint)
            .Where(m => m == dir || m.StartsWith(dir + "/", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(m => m.Length)];

    public void Dispose()
    {
        // A mount can hide another at the same point: detach until mountinfo shows none.
        for (var round = 0; round < 8 && MountsUnder(Path) is { Count: > 0 } mounts; round++)
        {
            foreach (var mount in mounts)
            {
                Mounts.TryUnmount(mount);
            }
        }
        if (MountsUnder(Path) is { Count: > 0 } left)
        {
            throw new StatusException($"berth: {Path} is kept: still mounted there: {string.Join(", ", left)}", 1);
        }
        var rootDev = Fs.Lstat(Path).st_dev;
        Remove(Path, rootDev);
    }

    private static void Remove(string dir, ulong dev)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
        {
            if (!Fs.TryLstat(entry, out var st))
            {
                continue;
            }
            if ((st.st_mode & LibC.S_IFMT) != LibC.S_IFDIR)
            {
                File.Delete(entry);
            }
            else if (st.st_dev == dev)
            {
                Remove(entry, dev);
            }
            else
            {
                throw new StatusException($"berth: {entry} is on another filesystem: not removed", 1);
            }
        }
        Directory.Delete(dir);
    }
}

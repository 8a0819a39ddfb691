using System.Formats.Tar;
using Berth.Linux;

namespace Berth.Cli.Bootstrap;

/// <summary>
/// A tar of a root filesystem built on this machine, as an image layer: entries named from the root without a
/// leading <c>./</c>, sorted, with numeric uid/gid, mode (setuid and sticky bits too) and mtime; a file with several
/// links is stored once and then as hardlinks to that first name. Device nodes, sockets and fifos are skipped (the
/// engine gives a container its own /dev), and so is the content of <paramref name="emptyDirs"/> and of any directory
/// on another filesystem (a mount left behind is never archived: tar's <c>--one-file-system</c>).
/// </summary>
internal static class TreeArchive
{
    public static TreeArchiveStats Write(Stream output, string root, IReadOnlySet<string> emptyDirs, CancellationToken cancel = default)
    {
        var rootStat = Fs.Lstat(root);
        var stats = new TreeArchiveStats();
        var links = new Dictionary<(ulong Dev, ulong Ino), string>();
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        Children(root, "");
        return stats;

        void Children(string dir, string prefix)
        {
            foreach (var name in Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                cancel.ThrowIfCancellationRequested();
                Add(Path.Join(dir, name), prefix + name);
            }
        }

        void Add(string path, string name)
        {
            var st = Fs.Lstat(path);
            var type = st.st_mode & LibC.S_IFMT;
            PaxTarEntry entry;
            switch (type)
            {
                case LibC.S_IFDIR:
                    tar.WriteEntry(Entry(TarEntryType.Directory, name + "/", st));
                    stats.Directories++;
                    if (st.st_dev != rootStat.st_dev)
                    {
                        stats.Skipped.Add(name + "/ (another filesystem)");
                    }
                    else if (!emptyDirs.Contains(name))
                    {
                        Children(path, name + "/");
                    }
                    return;
                case LibC.S_IFLNK:
                    entry = Entry(TarEntryType.SymbolicLink, name, st);
                    entry.LinkName = new FileInfo(path).LinkTarget ?? throw new IOException($"readlink {path}: not a symlink");
                    tar.WriteEntry(entry);
                    stats.Symlinks++;
                    return;
                case LibC.S_IFREG:
                    if (st.st_nlink > 1)
                    {
                        if (links.TryGetValue((st.st_dev, st.st_ino), out var first))
                        {
                            entry = Entry(TarEntryType.HardLink, name, st);
                            entry.LinkName = first;
                            tar.WriteEntry(entry);
                            stats.Hardlinks++;
                            return;
                        }
                        links[(st.st_dev, st.st_ino)] = name;
                    }
                    using (var data = File.OpenRead(path))
                    {
                        entry = Entry(TarEntryType.RegularFile, name, st);
                        entry.DataStream = data;
                        tar.WriteEntry(entry);
                    }
                    stats.Files++;
                    stats.Bytes += st.st_size;
                    return;
                default:
                    // Device nodes, sockets and fifos: the engine makes /dev, and the rest is live state of a machine.
                    stats.Skipped.Add(name);
                    return;
            }
        }
    }

    private static PaxTarEntry Entry(TarEntryType type, string name, LibC.Stat st) => new(type, name)
    {
        Mode = (UnixFileMode)(st.st_mode & 0xfff),
        Uid = (int)st.st_uid,
        Gid = (int)st.st_gid,
        ModificationTime = DateTimeOffset.FromUnixTimeSeconds(st.st_mtim.tv_sec),
    };
}

/// <summary>What <see cref="TreeArchive.Write"/> stored, and the entries it left out (with why, for a directory).</summary>
internal sealed class TreeArchiveStats
{
    public int Files { get; set; }

    public int Directories { get; set; }

    public int Symlinks { get; set; }

    public int Hardlinks { get; set; }

    public long Bytes { get; set; }

    public List<string> Skipped { get; } = [];
}

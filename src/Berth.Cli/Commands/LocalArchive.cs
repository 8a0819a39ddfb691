using System.Formats.Tar;
using System.IO.Pipes;
using Berth.Common;

namespace Berth.Cli.Commands;

/// <summary>
/// The host side of <c>docker cp</c>: a tar of a local file or directory (Docker's <c>TarResourceRebase</c>), and
/// the extraction of a container's tar into a local directory (Docker's <c>Untar</c> with NoLchown and
/// NoOverwriteDirNonDir). The archive comes from a container, so its entries are not trusted: none may climb out
/// of the target, a symlink may not point out of it, and no entry is written through a symlink the archive itself
/// made.
/// </summary>
internal static class LocalArchive
{
    /// <summary>A tar of <paramref name="sourcePath"/>, entries named from its base name, that name replaced by
    /// <paramref name="baseName"/>; written by a background thread into the returned stream.</summary>
    public static Stream Create(string sourcePath, string baseName)
    {
        var (dir, sourceBase) = LocalPaths.SplitPathDirEntry(sourcePath);
        var root = GoPath.Join(dir, sourceBase);
        var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        var thread = new Thread(() =>
        {
            try
            {
                using var tar = new TarWriter(server, TarEntryFormat.Pax, leaveOpen: true);
                Add(tar, root, baseName);
            }
            catch (IOException)
            {
                // The reader went away (the daemon refused the upload): its error is the one to report.
            }
            finally
            {
                server.Dispose();
            }
        })
        { IsBackground = true, Name = "berth cp tar" };
        thread.Start();
        return client;
    }

    private static void Add(TarWriter tar, string path, string name)
    {
        var info = new FileInfo(path);
        if (!info.Exists && !Directory.Exists(path) && info.LinkTarget is null)
        {
            return;
        }
        var attributes = File.GetAttributes(path);
        var isLink = (attributes & FileAttributes.ReparsePoint) != 0;
        if (!isLink && (attributes & FileAttributes.Directory) != 0)
        {
            tar.WriteEntry(path, name);
            foreach (var child in Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).Order(StringComparer.Ordinal))
            {
                Add(tar, Path.Join(path, child), name == "/" ? "/" + child : name.TrimEnd('/') + "/" + child);
            }
            return;
        }
        if (!isLink && Berth.Linux.Fs.TryLstat(path, out var st) && (st.st_mode & Berth.Linux.LibC.S_IFMT) == Berth.Linux.LibC.S_IFSOCK)
        {
            return; // compat(docker): sockets are not archived
        }
        tar.WriteEntry(path, name);
    }

    /// <summary>Unpacks <paramref name="tar"/> into <paramref name="destination"/>, an existing directory; each
    /// entry name passes through <paramref name="rename"/> first.</summary>
    public static void Extract(Stream tar, string destination, Func<string, string> rename)
    {
        destination = GoPath.Clean(destination);
        var madeLinks = new HashSet<string>(StringComparer.Ordinal);
        var dirTimes = new List<(string Path, DateTimeOffset Time)>();
        using var reader = new TarReader(tar, leaveOpen: true);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes)
            {
                continue;
            }
            var name = GoPath.Clean(rename(entry.Name));
            var path = GoPath.Join(destination, name);
            if (path != destination && !path.StartsWith(destination == "/" ? "/" : destination + "/", StringComparison.Ordinal))
            {
                throw new StatusException($"Error processing tar file(exit status 1): \"{entry.Name}\" is outside of \"{destination}\"", 1);
            }
            if (path != destination)
            {
                // Never write through a symlink this archive made: it could point anywhere it named.
                for (var p = GoPath.Dir(path); p.Length > destination.Length; p = GoPath.Dir(p))
                {
                    if (madeLinks.Contains(p))
                    {
                        throw new StatusException($"Error processing tar file(exit status 1): \"{entry.Name}\" goes through the symlink \"{p}\" of the archive", 1);
                    }
                }
                Directory.CreateDirectory(GoPath.Dir(path));
            }
            var isDir = entry.EntryType == TarEntryType.Directory;
            var existing = new FileInfo(path);
            var exists = existing.Exists || Directory.Exists(path) || existing.LinkTarget is not null;
            if (exists)
            {
                var existingIsDir = Directory.Exists(path) && existing.LinkTarget is null;
                // compat(docker): NoOverwriteDirNonDir, with Untar's words.
                if (existingIsDir && !isDir)
                {
                    throw new StatusException($"Error processing tar file(exit status 1): cannot overwrite directory \"{path}\" with non-directory \"{destination}\"", 1);
                }
                if (!existingIsDir && isDir)
                {
                    throw new StatusException($"Error processing tar file(exit status 1): cannot overwrite non-directory \"{path}\" with directory \"{destination}\"", 1);
                }
                if (existingIsDir && name == ".")
                {
                    continue;
                }
                if (!existingIsDir)
                {
                    File.Delete(path);
                }
            }
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Directory.CreateDirectory(path);
                    File.SetUnixFileMode(path, entry.Mode);
                    dirTimes.Add((path, entry.ModificationTime));
                    break;
                case TarEntryType.SymbolicLink:
                    var target = GoPath.Join(GoPath.Dir(path), entry.LinkName);
                    if (!entry.LinkName.StartsWith('/') && target != destination && !target.StartsWith(destination + "/", StringComparison.Ordinal))
                    {
                        throw new StatusException($"Error processing tar file(exit status 1): invalid symlink \"{path}\" -> \"{entry.LinkName}\"", 1);
                    }
                    File.CreateSymbolicLink(path, entry.LinkName);
                    madeLinks.Add(path);
                    break;
                case TarEntryType.HardLink:
                    var linkTarget = GoPath.Join(destination, rename(entry.LinkName));
                    if (!linkTarget.StartsWith(destination + "/", StringComparison.Ordinal) || madeLinks.Contains(linkTarget))
                    {
                        throw new StatusException($"Error processing tar file(exit status 1): invalid hardlink \"{path}\" -> \"{entry.LinkName}\"", 1);
                    }
                    for (var p = GoPath.Dir(linkTarget); p.Length > destination.Length; p = GoPath.Dir(p))
                    {
                        if (madeLinks.Contains(p))
                        {
                            throw new StatusException($"Error processing tar file(exit status 1): invalid hardlink \"{path}\" -> \"{entry.LinkName}\"", 1);
                        }
                    }
                    Berth.Linux.Fs.Link(linkTarget, path);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                    {
                        entry.DataStream?.CopyTo(file);
                    }
                    File.SetUnixFileMode(path, entry.Mode);
                    File.SetLastWriteTimeUtc(path, entry.ModificationTime.UtcDateTime);
                    break;
                default:
                    // Devices and fifos need privileges a copy does not ask for; Docker's CLI fails on them as non-root.
                    entry.ExtractToFile(path, overwrite: true);
                    break;
            }
        }
        dirTimes.Reverse();
        foreach (var (dir, time) in dirTimes)
        {
            Directory.SetLastWriteTimeUtc(dir, time.UtcDateTime);
        }
    }
}

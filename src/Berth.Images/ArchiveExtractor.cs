using System.Formats.Tar;
using Berth.Common;

namespace Berth.Images;

/// <summary>
/// Unpacks a <c>docker save</c> archive into a private temporary directory. Only directories, regular files and
/// symlinks that stay inside it (the legacy format links repeated layers) are accepted; anything else, any name
/// leaving the directory, or more bytes than the limit, is refused.
/// </summary>
internal static class ArchiveExtractor
{
    public static void Extract(Stream archive, string dir, long maxBytes)
    {
        var root = Path.GetFullPath(dir);
        long total = 0;
        var links = new List<(string Path, string Target)>();
        using var reader = new TarReader(archive, leaveOpen: true);
        try
        {
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.Name.StartsWith('/'))
                {
                    throw BerthException.Invalid($"invalid image archive: {entry.Name} is an absolute name");
                }
                var path = Inside(root, entry.Name);
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        Directory.CreateDirectory(path);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        total += entry.Length;
                        if (total > maxBytes)
                        {
                            throw BerthException.Invalid("image archive exceeds the size limit");
                        }
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        using (var f = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
                        {
                            entry.DataStream?.CopyTo(f, 256 * 1024);
                        }
                        break;
                    case TarEntryType.SymbolicLink:
                        links.Add((path, entry.LinkName));
                        break;
                    case TarEntryType.GlobalExtendedAttributes:
                        break;
                    default:
                        throw BerthException.Invalid($"invalid image archive: unexpected entry {entry.Name} of type {entry.EntryType}");
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw BerthException.Invalid("invalid image archive: " + e.Message);
        }
        // Links are made last, by copying their target, so no later entry can be written through one.
        foreach (var (path, target) in links)
        {
            var resolved = Inside(root, Path.GetRelativePath(root, Path.GetFullPath(Path.Join(Path.GetDirectoryName(path)!, target))));
            if (File.Exists(resolved))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.Copy(resolved, path, overwrite: true);
            }
        }
    }

    /// <summary>The path of an archive member, refused when it would leave <paramref name="root"/>.</summary>
    public static string Inside(string root, string name)
    {
        var full = Path.GetFullPath(Path.Join(root, name));
        if (full != root && !full.StartsWith(root + "/", StringComparison.Ordinal))
        {
            throw BerthException.Invalid($"invalid image archive: {name} points outside the archive");
        }
        return full;
    }

    public static string Resolve(string root, string name)
    {
        var path = Inside(Path.GetFullPath(root), name);
        if (!File.Exists(path))
        {
            throw BerthException.Invalid($"invalid image archive: {name} is missing");
        }
        return path;
    }

    public static string BlobPath(string root, string digest) => Resolve(root, "blobs/sha256/" + Digest.Parse(digest).Hex);
}

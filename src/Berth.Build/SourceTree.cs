using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Berth.Common;
using Berth.Images.Archive;
using Berth.Images.Layers;

namespace Berth.Build;

/// <summary>
/// A tree COPY and ADD read from: the build context (unpacked in the builder's own directory) or another stage's
/// or image's root file system. Paths resolve as in Docker's <c>FollowSymlinkInScope</c>: every symlink on the way
/// is followed inside the tree, ".." stops at its root, so nothing outside is ever read; symlinks below a copied
/// directory are copied as links.
/// </summary>
/// <param name="digests">SHA-256 of regular files by path in the tree, where they were taken as the files
/// arrived (the context); other files are read to hash them.</param>
/// <param name="held">The contents of the tree's files still in memory (the context): a file is filled before
/// anything reads it.</param>
internal sealed class SourceTree(string root, string what, IReadOnlyDictionary<string, byte[]>? digests = null, HeldFileContents? held = null)
{
    public string Root { get; } = root;

    /// <summary>"build context" or "stage builder" — for messages.</summary>
    public string What { get; } = what;

    /// <summary>The host path of a tree path, every symlink followed inside the tree; the last element too when
    /// <paramref name="followLast"/>.</summary>
    public string Resolve(string path, bool followLast = true)
    {
        using var fs = new ContainerFs(Root, What);
        var clean = GoPath.Clean("/" + path);
        if (followLast || clean == "/")
        {
            return Path.Join(Root, fs.Resolve(clean));
        }
        return Path.Join(Root, fs.Resolve(GoPath.Dir(clean)), GoPath.Base(clean));
    }

    /// <summary>Makes sure the file at a host path, or every file below it, holds its contents on disk.</summary>
    public void Fill(string host)
    {
        if (held is null || (held.Count == 0 && held.NotSentCount == 0))
        {
            return;
        }
        if (!Directory.Exists(host) || new DirectoryInfo(host).LinkTarget is not null)
        {
            held.Fill(host);
            return;
        }
        foreach (var (_, info) in Walk(host, ""))
        {
            if (info is FileInfo { LinkTarget: null } f)
            {
                held.Fill(f.FullName);
            }
        }
    }

    private static IEnumerable<string> Parts(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");

    /// <summary>The tree paths a COPY source names: itself, or what its wildcards match (Go's filepath.Match a
    /// path element at a time).</summary>
    public IReadOnlyList<string> Expand(string source)
    {
        var clean = GoPath.Clean("/" + source);
        if (clean.IndexOfAny(['*', '?', '[']) < 0)
        {
            return [clean];
        }
        var matches = new List<string> { "/" };
        foreach (var part in Parts(clean))
        {
            var next = new List<string>();
            foreach (var dir in matches)
            {
                if (part.IndexOfAny(['*', '?', '[']) < 0)
                {
                    next.Add(GoPath.Join(dir, part));
                    continue;
                }
                var host = Resolve(dir);
                if (!Directory.Exists(host))
                {
                    continue;
                }
                foreach (var entry in Directory.EnumerateFileSystemEntries(host).Select(Path.GetFileName).Order(StringComparer.Ordinal))
                {
                    if (Glob.Match(part, entry!))
                    {
                        next.Add(GoPath.Join(dir, entry!));
                    }
                }
            }
            matches = next;
        }
        return matches.Where(m => Path.Exists(Resolve(m)) || new FileInfo(Resolve(m, followLast: false)).LinkTarget is not null).ToList();
    }

    /// <summary>Every file below (and including) a resolved host path, sorted, as (relative name, info); links
    /// below the top are not followed.</summary>
    public static IEnumerable<(string Name, FileSystemInfo Info)> Walk(string host, string name)
    {
        var info = Directory.Exists(host) && new DirectoryInfo(host).LinkTarget is null ? (FileSystemInfo)new DirectoryInfo(host) : new FileInfo(host);
        yield return (name, info);
        if (info is DirectoryInfo dir)
        {
            foreach (var child in dir.EnumerateFileSystemInfos().OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                var childName = name.Length == 0 ? child.Name : name + "/" + child.Name;
                if (child is DirectoryInfo d && d.LinkTarget is null)
                {
                    foreach (var e in Walk(d.FullName, childName))
                    {
                        yield return e;
                    }
                }
                else
                {
                    yield return (childName, child);
                }
            }
        }
    }

    /// <summary>A digest of what a copy would write: names, types, modes, owners, link targets and contents,
    /// as Docker's tarsum-based <c>file:</c>/<c>dir:</c> hashes of COPY sources.</summary>
    public string Checksum(IEnumerable<(string Name, FileSystemInfo Info)> entries)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, info) in entries)
        {
            var header = $"{name}\0{(info is DirectoryInfo ? "d" : info.LinkTarget is { } l ? "l" + l : "f")}\0{(int)info.UnixFileMode}\0";
            hash.AppendData(Encoding.UTF8.GetBytes(header));
            if (info is FileInfo f && f.LinkTarget is null)
            {
                // Each file counts by its own SHA-256: taken as the context arrived, or read now.
                if (digests is null || !digests.TryGetValue(Path.GetRelativePath(Root, f.FullName), out var digest))
                {
                    held?.Fill(f.FullName);
                    using var s = new FileStream(f.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
                    digest = SHA256.HashData(s);
                }
                hash.AppendData(digest);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Writes one tar entry for a walked file, named <paramref name="name"/>, with the copy's owner and
    /// mode.</summary>
    public static void WriteEntry(TarWriter tar, string name, FileSystemInfo info, (uint Uid, uint Gid) owner, UnixFileMode? chmod)
    {
        PaxTarEntry entry;
        if (info.LinkTarget is { } target)
        {
            entry = new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target };
        }
        else if (info is DirectoryInfo)
        {
            entry = new PaxTarEntry(TarEntryType.Directory, name + "/");
        }
        else
        {
            entry = new PaxTarEntry(TarEntryType.RegularFile, name);
        }
        entry.Uid = (int)owner.Uid;
        entry.Gid = (int)owner.Gid;
        entry.Mode = entry.EntryType == TarEntryType.SymbolicLink ? (UnixFileMode)0x1ff : chmod ?? info.UnixFileMode;
        entry.ModificationTime = info.LastWriteTimeUtc;
        if (entry.EntryType == TarEntryType.RegularFile)
        {
            using var data = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            entry.DataStream = data;
            tar.WriteEntry(entry);
            return;
        }
        tar.WriteEntry(entry);
    }
}

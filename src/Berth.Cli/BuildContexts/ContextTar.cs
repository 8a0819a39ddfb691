using System.Formats.Tar;
using System.Text;
using Berth.Linux;

namespace Berth.Cli.BuildContexts;

/// <summary>A Dockerfile that is not in the context (<c>-f -</c>, or a path outside it), sent under a random name.</summary>
internal sealed record InjectedDockerfile(string Name, byte[] Content, DateTimeOffset Now)
{
    /// <summary>compat(docker): <c>.dockerfile.</c> and 20 hex digits.</summary>
    public static InjectedDockerfile Create(byte[] content, DateTimeOffset now) =>
        new(".dockerfile." + System.Security.Cryptography.RandomNumberGenerator.GetHexString(20, lowercase: true), content, now);

    /// <summary>compat(docker): AddDockerfileToBuildContext's .dockerignore: the old text (or ".dockerignore"), then the name on its own line.</summary>
    public byte[] DockerIgnore(byte[]? existing) =>
        [.. existing ?? ".dockerignore"u8.ToArray(), .. Encoding.UTF8.GetBytes("\n" + Name + "\n")];
}

/// <summary>
/// Writes a scanned directory context as the docker CLI's tar: uid/gid 0 and no user names, permission bits with
/// setuid/setgid/sticky, mtimes in whole seconds, directories named with a trailing slash, hard links as links to
/// the first name seen. USTAR headers, PAX only when a name does not fit.
/// </summary>
internal static class ContextTar
{

    /// <param name="digestOf">For a context sent by digest: the SHA-256 (hex) of a regular file to send without
    /// its data, or null to send it whole.</param>
    public static void Write(Stream output, IReadOnlyList<ContextEntry> entries, InjectedDockerfile? injected, Func<ContextEntry, string?>? digestOf = null)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Ustar, leaveOpen: true);
        var firstNames = new Dictionary<(ulong Dev, ulong Ino), string>();
        var sawIgnore = false;
        foreach (var e in entries)
        {
            if (injected is not null && e.Name == ".dockerignore" && e.Type == LibC.S_IFREG)
            {
                sawIgnore = true;
                var entry = NewEntry(TarEntryType.RegularFile, e.Name, "", e.Stat.st_mode, e.Stat.st_mtim.tv_sec);
                entry.DataStream = new MemoryStream(injected.DockerIgnore(File.ReadAllBytes(e.FullPath)));
                tar.WriteEntry(entry);
                continue;
            }
            WriteEntry(tar, e, firstNames, digestOf);
        }
        if (injected is not null)
        {
            if (!sawIgnore)
            {
                var ignore = NewEntry(TarEntryType.RegularFile, ".dockerignore", "", 0b110_000_000, injected.Now.ToUnixTimeSeconds());
                ignore.DataStream = new MemoryStream(injected.DockerIgnore(null));
                tar.WriteEntry(ignore);
            }
            var dockerfile = NewEntry(TarEntryType.RegularFile, injected.Name, "", 0b110_000_000, injected.Now.ToUnixTimeSeconds());
            dockerfile.DataStream = new MemoryStream(injected.Content);
            tar.WriteEntry(dockerfile);
        }
    }

    /// <summary>A tar of one regular file (the Dockerfile read from stdin, <c>build - &lt; Dockerfile</c>).</summary>
    public static byte[] SingleFile(string name, byte[] content, DateTimeOffset now)
    {
        var ms = new MemoryStream();
        using (var tar = new TarWriter(ms, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var entry = NewEntry(TarEntryType.RegularFile, name, "", 0b110_100_100, now.ToUnixTimeSeconds());
            entry.DataStream = new MemoryStream(content);
            tar.WriteEntry(entry);
        }
        return ms.ToArray();
    }

    private static void WriteEntry(TarWriter tar, ContextEntry e, Dictionary<(ulong, ulong), string> firstNames, Func<ContextEntry, string?>? digestOf)
    {
        var st = e.Stat;
        var mtime = st.st_mtim.tv_sec;
        switch (e.Type)
        {
            case LibC.S_IFDIR:
                tar.WriteEntry(NewEntry(TarEntryType.Directory, e.Name + "/", "", st.st_mode, mtime));
                return;
            case LibC.S_IFLNK:
                tar.WriteEntry(NewEntry(TarEntryType.SymbolicLink, e.Name, new FileInfo(e.FullPath).LinkTarget ?? "", st.st_mode, mtime));
                return;
            case LibC.S_IFIFO:
                tar.WriteEntry(NewEntry(TarEntryType.Fifo, e.Name, "", st.st_mode, mtime));
                return;
            case LibC.S_IFCHR or LibC.S_IFBLK:
                var device = NewEntry(e.Type == LibC.S_IFCHR ? TarEntryType.CharacterDevice : TarEntryType.BlockDevice, e.Name, "", st.st_mode, mtime);
                var rdev = st.st_rdev;
                device.DeviceMajor = (int)(((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffUL));
                device.DeviceMinor = (int)((rdev & 0xff) | ((rdev >> 12) & ~0xffUL));
                tar.WriteEntry(device);
                return;
        }
        if (st.st_nlink > 1)
        {
            if (firstNames.TryGetValue((st.st_dev, st.st_ino), out var first))
            {
                tar.WriteEntry(NewEntry(TarEntryType.HardLink, e.Name, first, st.st_mode, mtime));
                return;
            }
            firstNames[(st.st_dev, st.st_ino)] = e.Name;
        }
        if (digestOf?.Invoke(e) is { } sha256)
        {
            // Berth's: a PAX record with the file's digest and no data (the daemon asks for the rest if it needs it).
            var sent = new PaxTarEntry(TarEntryType.RegularFile, e.Name, [new(Common.ContextByDigest.PaxRecord, sha256)])
            {
                Mode = (UnixFileMode)(st.st_mode & 0xFFF),
                Uid = 0,
                Gid = 0,
                UserName = "",
                GroupName = "",
                ModificationTime = DateTimeOffset.FromUnixTimeSeconds(mtime),
            };
            tar.WriteEntry(sent);
            return;
        }
        var file = NewEntry(TarEntryType.RegularFile, e.Name, "", st.st_mode, mtime, st.st_size);
        using var data = File.OpenRead(e.FullPath);
        file.DataStream = data;
        tar.WriteEntry(file);
    }

    private static PosixTarEntry NewEntry(TarEntryType type, string name, string linkName, uint mode, long mtime, long size = 0)
    {
        // USTAR holds names and link targets of up to 100 bytes (longer ones go in PAX records, as Go's writer does)
        // and sizes below 8 GiB.
        var fits = Encoding.UTF8.GetByteCount(name) <= 100 && Encoding.UTF8.GetByteCount(linkName) <= 100 && size < 8L << 30;
        PosixTarEntry entry = fits ? new UstarTarEntry(type, name) : new PaxTarEntry(type, name);
        entry.Mode = (UnixFileMode)(mode & 0xFFF);
        entry.Uid = 0;
        entry.Gid = 0;
        entry.UserName = "";
        entry.GroupName = "";
        entry.ModificationTime = DateTimeOffset.FromUnixTimeSeconds(mtime);
        if (linkName.Length > 0)
        {
            entry.LinkName = linkName;
        }
        return entry;
    }
}

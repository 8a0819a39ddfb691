using System.Formats.Tar;
using System.Text;

namespace Berth.Images.Tests.Service;

/// <summary>Small tar streams built in memory: root filesystems, layers and whole <c>docker save</c> archives.</summary>
internal static class Tarballs
{
    public static byte[] Build(Action<TarWriter> write)
    {
        var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(w);
        }
        return ms.ToArray();
    }

    public static void Dir(this TarWriter w, string name) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)0x1ed, ModificationTime = DateTimeOffset.UnixEpoch });

    public static void File(this TarWriter w, string name, string content, int mode = 0x1a4) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)mode,
            ModificationTime = DateTimeOffset.UnixEpoch,
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
        });

    public static void File(this TarWriter w, string name, byte[] content) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1a4, ModificationTime = DateTimeOffset.UnixEpoch, DataStream = new MemoryStream(content) });

    public static void Symlink(this TarWriter w, string name, string target) =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target, ModificationTime = DateTimeOffset.UnixEpoch });

    /// <summary>A tiny root filesystem for <c>docker import</c>.</summary>
    public static byte[] Rootfs() => Build(w =>
    {
        w.Dir("bin/");
        w.File("bin/hello", "#!/bin/sh\necho hi\n", 0x1ed);
        w.Dir("etc/");
        w.File("etc/hostname", "box\n");
        w.File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n");
        w.Symlink("etc/alias", "hostname");
    });

    /// <summary>Entry names of an archive, in order.</summary>
    public static List<string> Names(byte[] archive)
    {
        var names = new List<string>();
        using var r = new TarReader(new MemoryStream(archive));
        while (r.GetNextEntry() is { } e)
        {
            names.Add(e.Name);
        }
        return names;
    }

    public static string Read(byte[] archive, string name)
    {
        using var r = new TarReader(new MemoryStream(archive));
        while (r.GetNextEntry() is { } e)
        {
            if (e.Name == name)
            {
                using var sr = new StreamReader(e.DataStream!);
                return sr.ReadToEnd();
            }
        }
        throw new InvalidOperationException(name + " is not in the archive");
    }
}

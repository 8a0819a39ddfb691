using System.Diagnostics;
using System.Formats.Tar;

namespace Berth.Cli.Bootstrap;

/// <summary>The root filesystems of the base images made on this machine, written as import tarballs.</summary>
internal static class RootfsArchive
{
    private const UnixFileMode Dir = (UnixFileMode)0x1ed;   // 0755
    private const UnixFileMode Exec = (UnixFileMode)0x1ed;  // 0755
    private const UnixFileMode File644 = (UnixFileMode)0x1a4;

    private static readonly DateTimeOffset Epoch = DateTimeOffset.UnixEpoch;

    /// <summary>busybox: the host's static busybox (Debian's busybox-static) with a link per applet and the
    /// account files Docker's busybox image has.</summary>
    public static void WriteBusybox(Stream output, string busybox)
    {
        var applets = Applets(busybox);
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var d in new[] { "bin/", "dev/", "etc/", "home/", "proc/", "root/", "sys/", "tmp/", "usr/", "usr/sbin/", "var/", "var/spool/", "var/spool/mail/", "var/www/" })
        {
            var mode = d switch { "tmp/" => (UnixFileMode)0x3ff, "root/" => (UnixFileMode)0x1c0, _ => Dir };
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, d) { Mode = mode, ModificationTime = Epoch });
        }
        using (var binary = File.OpenRead(busybox))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox") { Mode = Exec, ModificationTime = Epoch, DataStream = binary });
        }
        foreach (var applet in applets.Where(a => a != "busybox"))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "bin/" + applet) { LinkName = "busybox", Mode = (UnixFileMode)0x1ff, ModificationTime = Epoch });
        }
        Text(tar, "etc/passwd", """
            root:x:0:0:root:/root:/bin/sh
            daemon:x:1:1:daemon:/usr/sbin:/bin/false
            bin:x:2:2:bin:/bin:/bin/false
            sys:x:3:3:sys:/dev:/bin/false
            sync:x:4:100:sync:/bin:/bin/sync
            mail:x:8:8:mail:/var/spool/mail:/bin/false
            www-data:x:33:33:www-data:/var/www:/bin/false
            operator:x:37:37:Operator:/var:/bin/false
            nobody:x:65534:65534:nobody:/home:/bin/false

            """);
        Text(tar, "etc/group", """
            root:x:0:
            daemon:x:1:
            bin:x:2:
            sys:x:3:
            adm:x:4:
            tty:x:5:
            disk:x:6:
            lp:x:7:
            mail:x:8:
            kmem:x:9:
            wheel:x:10:root
            cdrom:x:11:
            dialout:x:18:
            floppy:x:19:
            video:x:28:
            audio:x:29:
            tape:x:32:
            www-data:x:33:
            operator:x:37:
            utmp:x:43:
            plugdev:x:46:
            staff:x:50:
            lock:x:54:
            netdev:x:82:
            users:x:100:
            nogroup:x:65534:

            """);
        Text(tar, "etc/shadow", "root:::0:::::\nnobody:::0:::::\n", (UnixFileMode)0x180);
    }

    /// <summary>hello-world: one tiny static program at /hello.</summary>
    public static void WriteHelloWorld(Stream output)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "hello") { Mode = Exec, ModificationTime = Epoch, DataStream = new MemoryStream(HelloElf.Build()) });
    }

    private static void Text(TarWriter tar, string name, string content, UnixFileMode mode = File644) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
        {
            Mode = mode,
            ModificationTime = Epoch,
            DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content.Replace("\r\n", "\n", StringComparison.Ordinal))),
        });

    private static List<string> Applets(string busybox)
    {
        using var p = Process.Start(new ProcessStartInfo(busybox, "--list") { RedirectStandardOutput = true, UseShellExecute = false })
            ?? throw new StatusException($"cannot run {busybox}", 1);
        var list = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        p.WaitForExit();
        if (p.ExitCode != 0 || list.Count == 0)
        {
            throw new StatusException($"{busybox} --list failed: is it a busybox binary?", 1);
        }
        return list;
    }
}

using System.Formats.Tar;

namespace Berth.EndToEnd.Infrastructure;

/// <summary>
/// The busybox image's root filesystem as a tar, made from the host's static busybox (Debian's busybox-static):
/// bin/busybox with a symlink per applet, /etc/passwd and /etc/group, and the usual empty directories.
/// The tar is deterministic, so its sha256 is the image's one diffID.
/// </summary>
internal static class BusyboxRootfs
{
    public const string HostBusybox = "/bin/busybox";

    private const UnixFileMode Mode755 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode Mode644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static void WriteTar(string tarPath)
    {
        EnsureHostBusybox();
        var applets = ProcessRunner.Run(HostBusybox, ["--list"]).Ok()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(a => a != "busybox" && !a.Contains('/', StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

        using var file = File.Create(tarPath);
        using var tar = new TarWriter(file, TarEntryFormat.Ustar);
        foreach (var dir in new[] { "bin", "dev", "etc", "proc", "sys" })
        {
            tar.WriteEntry(Entry(TarEntryType.Directory, dir + "/", Mode755));
        }
        tar.WriteEntry(Entry(TarEntryType.Directory, "root/", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        tar.WriteEntry(Entry(TarEntryType.Directory, "tmp/", Mode755 | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.StickyBit));
        using (var busybox = File.OpenRead(HostBusybox))
        {
            var entry = Entry(TarEntryType.RegularFile, "bin/busybox", Mode755);
            entry.DataStream = busybox;
            tar.WriteEntry(entry);
        }
        foreach (var applet in applets)
        {
            var link = Entry(TarEntryType.SymbolicLink, "bin/" + applet, Mode755 | UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);
            link.LinkName = "busybox";
            tar.WriteEntry(link);
        }
        WriteText(tar, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n");
        WriteText(tar, "etc/group", "root:x:0:\nwheel:x:10:root\nnobody:x:65534:\n");
    }

    private static UstarTarEntry Entry(TarEntryType type, string name, UnixFileMode mode) =>
        new(type, name) { Mode = mode, Uid = 0, Gid = 0, ModificationTime = Epoch };

    private static void WriteText(TarWriter tar, string name, string text)
    {
        var entry = Entry(TarEntryType.RegularFile, name, Mode644);
        entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        tar.WriteEntry(entry);
    }

    /// <summary>Installs busybox-static when the host has no static busybox (for the suite and for <c>berth image bootstrap busybox</c>).</summary>
    internal static void EnsureHostBusybox()
    {
        if (File.Exists(HostBusybox))
        {
            return;
        }
        var env = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        ProcessRunner.Run("apt-get", ["update", "-qq"], env, timeout: TimeSpan.FromMinutes(5));
        ProcessRunner.Run("apt-get", ["install", "-y", "-qq", "busybox-static"], env, timeout: TimeSpan.FromMinutes(5)).ExpectExit(0);
        if (!File.Exists(HostBusybox))
        {
            throw new InvalidOperationException($"{HostBusybox} is missing and installing busybox-static did not provide it");
        }
    }
}

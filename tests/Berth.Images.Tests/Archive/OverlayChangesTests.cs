using Berth.Images.Archive;
using Berth.Images.Tests.Layers;
using Berth.Linux;

namespace Berth.Images.Tests.Archive;

/// <summary>docker diff over a real upper directory: whiteouts, opaque directories, parents, the init layer's
/// mount points, and Docker's walk order.</summary>
public sealed class OverlayChangesTests
{
    private static readonly HashSet<string> Init = ["/proc", "/sys", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/dev/pts"];

    [Fact]
    public void Added_modified_and_deleted_in_Dockers_order()
    {
        using var s = new Scratch();
        var lower = s.NewDir("lower");
        var upper = s.NewDir("upper");
        foreach (var d in new[] { "etc", "tmp", "usr/lib", "a" })
        {
            Directory.CreateDirectory(Path.Join(lower, d));
        }
        File.WriteAllText(Path.Join(lower, "etc/motd"), "hi");
        File.WriteAllText(Path.Join(lower, "etc/passwd"), "root");
        File.WriteAllText(Path.Join(lower, "usr/lib/x"), "x");

        // What a container leaves in its upper directory.
        Directory.CreateDirectory(Path.Join(upper, "etc"));
        Fs.Mknod(Path.Join(upper, "etc/motd"), LibC.S_IFCHR, 0);                // rm /etc/motd
        File.WriteAllText(Path.Join(upper, "etc/passwd"), "root\nnew");          // echo >> /etc/passwd
        File.WriteAllText(Path.Join(upper, "etc/hostname"), "");                 // the runtime's mount point
        Directory.CreateDirectory(Path.Join(upper, "proc"));                     // the runtime's mount point
        Directory.CreateDirectory(Path.Join(upper, "tmp"));
        File.WriteAllText(Path.Join(upper, "tmp/x"), "x");                       // touch /tmp/x
        Directory.CreateDirectory(Path.Join(upper, "a-b"));                      // mkdir /a-b
        Directory.CreateDirectory(Path.Join(upper, "a"));
        File.WriteAllText(Path.Join(upper, "a/new"), "n");                       // '/a/new' sorts before '/a-b' in a walk
        Directory.CreateDirectory(Path.Join(upper, "usr/lib"));
        Fs.SetXattr(Path.Join(upper, "usr/lib"), "trusted.overlay.opaque", "y"u8); // rm -rf /usr/lib; mkdir /usr/lib
        File.WriteAllText(Path.Join(upper, "usr/lib/y"), "y");
        Fs.Mknod(Path.Join(upper, "usr/lib/x"), LibC.S_IFCHR, 0);

        var changes = OverlayChanges.Compute(upper, [lower], Init).Select(c => $"{"CAD"[(int)c.Kind]} {c.Path}").ToList();

        Assert.Equal(
        [
            "C /a", "A /a/new", "A /a-b", "C /etc", "D /etc/motd", "C /etc/passwd", "C /tmp", "A /tmp/x",
            "C /usr", "D /usr/lib", "D /usr/lib/x", "A /usr/lib/y",
        ], changes);
    }

    [Fact]
    public void Mount_points_alone_are_no_change()
    {
        using var s = new Scratch();
        var lower = s.NewDir("lower");
        var upper = s.NewDir("upper");
        Directory.CreateDirectory(Path.Join(lower, "bin"));
        Directory.CreateDirectory(Path.Join(upper, "etc"));
        File.WriteAllText(Path.Join(upper, "etc/hosts"), "");
        File.WriteAllText(Path.Join(upper, "etc/resolv.conf"), "");
        Directory.CreateDirectory(Path.Join(upper, "proc"));
        Directory.CreateDirectory(Path.Join(upper, "dev"));
        Directory.CreateDirectory(Path.Join(upper, "dev/pts"));
        Assert.Empty(OverlayChanges.Compute(upper, [lower], Init));

        File.WriteAllText(Path.Join(upper, "etc/added"), "");
        Assert.Equal(["C /etc", "A /etc/added"], OverlayChanges.Compute(upper, [lower], Init).Select(c => $"{"CAD"[(int)c.Kind]} {c.Path}"));
    }
}

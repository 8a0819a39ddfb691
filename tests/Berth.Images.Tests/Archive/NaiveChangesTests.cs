using Berth.Images.Archive;
using Berth.Images.Tests.Layers;

namespace Berth.Images.Tests.Archive;

/// <summary>docker diff between two whole trees (the vfs driver): additions, deletions, modifications, the
/// directories around them and the init layer's mount points.</summary>
public sealed class NaiveChangesTests
{
    private static readonly HashSet<string> Init = ["/proc", "/sys", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/dev/pts"];

    [Fact]
    public void Added_modified_and_deleted_with_their_directories()
    {
        using var s = new Scratch();
        var image = s.NewDir("image");
        foreach (var d in new[] { "etc", "tmp", "usr/lib", "a", "bin" })
        {
            Directory.CreateDirectory(Path.Join(image, d));
        }
        File.WriteAllText(Path.Join(image, "etc/motd"), "hi");
        File.WriteAllText(Path.Join(image, "etc/passwd"), "root");
        File.WriteAllText(Path.Join(image, "usr/lib/x"), "x");
        File.WriteAllText(Path.Join(image, "bin/sh"), "sh");
        var container = Path.Join(s.NewDir("layer"), "fs");
        using (var cp = System.Diagnostics.Process.Start("cp", ["-a", image, container]))
        {
            cp.WaitForExit();
            Assert.Equal(0, cp.ExitCode);
        }

        // What a container does to its copy of the tree.
        File.Delete(Path.Join(container, "etc/motd"));
        File.AppendAllText(Path.Join(container, "etc/passwd"), "\nnew");
        File.WriteAllText(Path.Join(container, "etc/hostname"), "");   // the runtime's mount point
        Directory.CreateDirectory(Path.Join(container, "proc"));        // the runtime's mount point
        File.WriteAllText(Path.Join(container, "tmp/x"), "x");
        Directory.CreateDirectory(Path.Join(container, "a-b"));
        File.WriteAllText(Path.Join(container, "a/new"), "n");
        Directory.Delete(Path.Join(container, "usr/lib"), recursive: true);
        Directory.CreateDirectory(Path.Join(container, "usr/lib"));
        File.WriteAllText(Path.Join(container, "usr/lib/y"), "y");

        var changes = NaiveChanges.Compute(container, image, Init).Select(c => $"{"CAD"[(int)c.Kind]} {c.Path}").ToList();

        Assert.Equal(
        [
            "C /a", "A /a/new", "A /a-b", "C /etc", "D /etc/motd", "C /etc/passwd", "C /tmp", "A /tmp/x",
            "C /usr", "C /usr/lib", "D /usr/lib/x", "A /usr/lib/y",
        ], changes);
    }

    [Fact]
    public void Without_an_image_everything_is_added()
    {
        using var s = new Scratch();
        var container = s.NewDir("layer");
        Directory.CreateDirectory(Path.Join(container, "d"));
        File.WriteAllText(Path.Join(container, "d/f"), "f");

        var changes = NaiveChanges.Compute(container, null, Init).Select(c => $"{"CAD"[(int)c.Kind]} {c.Path}").ToList();

        Assert.Equal(["A /d", "A /d/f"], changes);
    }
}

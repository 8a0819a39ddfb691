using System.Text;
using Berth.Linux;

namespace Berth.Images.Archive;

/// <summary>
/// A container's writable layer as a layer tar, what <c>docker commit</c> and each build step store: the changes
/// to the image below, with deletions as <c>.wh.</c> whiteouts. Read through fds without following anything, as
/// <c>docker export</c> reads.
/// </summary>
public static class LayerDiff
{
    /// <summary>An overlayfs upper directory is the diff already: its tree, whiteout devices and opaque
    /// directories converted (Docker's overlay2 <c>Diff</c>). <paramref name="skip"/>: container paths the
    /// runtime made as mount points, left out with what is below them.</summary>
    public static void WriteOverlay(string upperDir, IReadOnlySet<string> skip, Stream output)
    {
        var tar = new TarStreamWriter(output);
        using var upper = Fs.Open(upperDir, LibC.O_RDONLY | LibC.O_DIRECTORY);
        var archiver = new TreeArchiver(tar) { Skip = skip, OverlayWhiteouts = true };
        archiver.AddDirectory(upper, null, "/");
        archiver.Finish();
    }

    /// <summary>A layer that holds a whole tree (the vfs driver): the listed changes, each entry by itself (an added
    /// directory's content is listed too), deletions as whiteouts (Docker's <c>ExportChanges</c>).</summary>
    public static void WriteChanges(string layerDir, IReadOnlyList<FsChange> changes, Stream output)
    {
        var tar = new TarStreamWriter(output);
        using var root = Fs.Open(layerDir, LibC.O_RDONLY | LibC.O_DIRECTORY);
        var archiver = new TreeArchiver(tar) { Shallow = true };
        foreach (var change in changes.OrderBy(c => c.Path, StringComparer.Ordinal))
        {
            var entryName = change.Path.TrimStart('/');
            if (change.Kind == FsChangeKind.Deleted)
            {
                archiver.WriteWhiteout(entryName);
                continue;
            }
            var slash = change.Path.LastIndexOf('/');
            var dir = slash <= 0 ? "/" : change.Path[..slash];
            using var parent = ScopedPath.TryOpenOrNull(root, dir);
            if (parent is not null)
            {
                archiver.AddEntry(parent, Encoding.UTF8.GetBytes(change.Path[(slash + 1)..] + "\0"), entryName, change.Path);
            }
        }
        archiver.Finish();
    }
}

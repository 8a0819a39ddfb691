namespace Berth.Images.Archive;

/// <summary>One line of <c>docker diff</c>: Docker's <c>archive.Change</c>.</summary>
public sealed record FsChange(string Path, FsChangeKind Kind);

/// <summary>Docker's numbering: 0 modified, 1 added, 2 deleted.</summary>
public enum FsChangeKind
{
    Modified = 0,
    Added = 1,
    Deleted = 2,
}

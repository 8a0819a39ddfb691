namespace Berth.Images.Layers;

/// <summary>How the whiteouts of a layer (<c>.wh.NAME</c>, <c>.wh..wh..opq</c>) are applied.</summary>
public enum WhiteoutMode
{
    /// <summary>The root is an overlayfs upper directory: a whiteout becomes a 0/0 character device and an opaque
    /// marker the <c>trusted.overlay.opaque=y</c> xattr, so the kernel hides the lower layers' entries.</summary>
    Overlay,

    /// <summary>The root is a full copy of the parent layer: a whiteout deletes what it names.</summary>
    Delete,

    /// <summary>Not a layer but a plain archive (<c>docker cp</c>): <c>.wh.</c> names are ordinary files.</summary>
    Literal,
}

namespace Berth.Images.Layers;

/// <summary>What a tar entry creates, after the reader has folded the type flags of every tar dialect together.</summary>
internal enum TarEntryKind
{
    /// <summary>A type the applier does not create (GNU dump directories, volume labels, unknown flags).</summary>
    Other,
    File,
    Directory,
    Symlink,
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

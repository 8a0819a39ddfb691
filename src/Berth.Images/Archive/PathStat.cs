namespace Berth.Images.Archive;

/// <summary>Docker's <c>ContainerPathStat</c>, the <c>X-Docker-Container-Path-Stat</c> header of the archive
/// routes. <see cref="Mode"/> is a Go <c>os.FileMode</c>: permission bits plus Go's type bits (ModeDir is 1&lt;&lt;31).</summary>
public sealed record PathStat(string Name, long Size, uint Mode, DateTimeOffset MTime, string LinkTarget)
{
    public const uint ModeDir = 1u << 31, ModeSymlink = 1u << 27, ModeDevice = 1u << 26, ModeNamedPipe = 1u << 25,
        ModeSocket = 1u << 24, ModeSetuid = 1u << 23, ModeSetgid = 1u << 22, ModeCharDevice = 1u << 21, ModeSticky = 1u << 20;

    public bool IsDirectory => (Mode & ModeDir) != 0;

    /// <summary>Go's <c>fillFileStatFromSys</c>: st_mode to <c>os.FileMode</c>.</summary>
    public static uint GoFileMode(uint stMode)
    {
        var mode = stMode & 0x1ff;
        mode |= (stMode & 0xF000) switch
        {
            0x6000 => ModeDevice,
            0x2000 => ModeDevice | ModeCharDevice,
            0x4000 => ModeDir,
            0x1000 => ModeNamedPipe,
            0xA000 => ModeSymlink,
            0xC000 => ModeSocket,
            _ => 0u,
        };
        if ((stMode & 0x800) != 0)
        {
            mode |= ModeSetuid;
        }
        if ((stMode & 0x400) != 0)
        {
            mode |= ModeSetgid;
        }
        if ((stMode & 0x200) != 0)
        {
            mode |= ModeSticky;
        }
        return mode;
    }
}

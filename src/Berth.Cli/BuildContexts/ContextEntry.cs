using Berth.Linux;

namespace Berth.Cli.BuildContexts;

/// <summary>A file of a directory context: its tar name (slash-separated, relative to the root), host path and lstat.</summary>
internal sealed record ContextEntry(string Name, string FullPath, LibC.Stat Stat)
{
    public uint Type => Stat.st_mode & LibC.S_IFMT;

    public bool IsDir => Type == LibC.S_IFDIR;
}

namespace Berth.Runtime.Tests.Support;

/// <summary>A line of the container's mountinfo as the probe reported it.</summary>
internal sealed record ProbeMount(string MountPoint, string Root, string FsType, string Source, string Options, string SuperOptions)
{
    public bool IsReadOnly => Options.Split(',').Contains("ro");

    public bool Has(string option) => Options.Split(',').Contains(option);

    /// <summary>A bind of /dev/null: how a masked file looks (the device's own tmpfs or devtmpfs, root "/null").</summary>
    public bool IsDevNull => Root.EndsWith("/null", StringComparison.Ordinal);

    /// <summary>Type, the per-mount options and the root within the filesystem; not the source, which names host
    /// devices and paths.</summary>
    public string Describe() => $"{FsType} {Options} root={Root}";
}

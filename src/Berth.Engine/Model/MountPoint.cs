namespace Berth.Engine.Model;

/// <summary>
/// One of a container's mounts from outside its layer, as the engine keeps it (Docker's <c>MountPoint</c>): a
/// volume, a bind of a host path, or a tmpfs. Decided at create, mounted at each start. <c>docker inspect</c>
/// shows it under <c>Mounts</c>.
/// </summary>
public sealed class MountPoint
{
    /// <summary><c>volume</c>, <c>bind</c> or <c>tmpfs</c>.</summary>
    public string Type { get; set; } = "";
    /// <summary>The volume's name (volumes only).</summary>
    public string Name { get; set; } = "";
    /// <summary>The host path: a bind's source, a volume's mountpoint.</summary>
    public string Source { get; set; } = "";
    public string Destination { get; set; } = "";
    public string Driver { get; set; } = "";
    /// <summary>What inspect shows as <c>Mode</c>: the mode as the user typed it after <c>-v …:</c>.</summary>
    public string Mode { get; set; } = "";
    public bool RW { get; set; } = true;
    public string Propagation { get; set; } = "";
    /// <summary>Fill the volume from the image's content at <see cref="Destination"/> while it is empty.</summary>
    public bool CopyData { get; set; }
    /// <summary>A <c>-v</c> bind whose host path is created when missing (a <c>--mount</c> bind's must exist).</summary>
    public bool CreateSource { get; set; }
    /// <summary>A bind of the source alone, without the mounts beneath it (<c>bind-recursive=disabled</c>).</summary>
    public bool NonRecursive { get; set; }
    /// <summary>Read-only for the mounts beneath a read-only bind as well (<c>bind-recursive=readonly</c>, or the
    /// default where the kernel can).</summary>
    public bool ReadOnlyRecursive { get; set; }
    /// <summary>A volume made for this container alone: removed with it by <c>--rm</c> and <c>rm -v</c>.</summary>
    public bool Anonymous { get; set; }
    /// <summary>A tmpfs's mount data (<c>size=…,mode=…</c> and options).</summary>
    public string Data { get; set; } = "";
    /// <summary>A path inside the volume to mount instead of its root (<c>volume-subpath</c>).</summary>
    public string Subpath { get; set; } = "";
    /// <summary>Options for the volume driver when this container's create makes the volume.</summary>
    public Dictionary<string, string>? DriverOptions { get; set; }
    public Dictionary<string, string>? VolumeLabels { get; set; }
}

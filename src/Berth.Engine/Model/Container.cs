namespace Berth.Engine.Model;

/// <summary>A container as the engine keeps it (and as <c>docker inspect</c> shows most of it).</summary>
public sealed class Container
{
    public string Id { get; set; } = "";
    /// <summary>With Docker's leading slash: <c>/web</c>.</summary>
    public string Name { get; set; } = "";
    public DateTimeOffset Created { get; set; }
    public string Path { get; set; } = "";
    public List<string> Args { get; set; } = [];
    public ContainerState State { get; set; } = new();
    /// <summary>The image ID (<c>sha256:…</c>).</summary>
    public string Image { get; set; } = "";
    public string ResolvConfPath { get; set; } = "";
    public string HostnamePath { get; set; } = "";
    public string HostsPath { get; set; } = "";
    public string LogPath { get; set; } = "";
    public int RestartCount { get; set; }
    /// <summary>Set by <c>docker stop</c>, cleared by start: a restart policy holds until then.</summary>
    public bool HasBeenManuallyStopped { get; set; }
    public string Driver { get; set; } = "";
    public string Platform { get; set; } = "linux";
    public ContainerConfig Config { get; set; } = new();
    public HostConfig HostConfig { get; set; } = new();
    public ContainerNetworkSettings NetworkSettings { get; set; } = new();
    /// <summary>Volumes, binds and tmpfs mounts (from <c>-v</c>, <c>--mount</c>, <c>--volumes-from</c> and the
    /// image's <c>VOLUME</c>s; <c>--tmpfs</c> stays in the host config, as Docker keeps it).</summary>
    public List<MountPoint> MountPoints { get; set; } = [];
    /// <summary>The OCI runtime that runs it: <c>berth</c> or the path of runc.</summary>
    public string RuntimePath { get; set; } = "";

    public string ShortId => Id[..12];

    public string BareName => Name.TrimStart('/');
}

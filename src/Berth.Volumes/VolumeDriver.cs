namespace Berth.Volumes;

/// <summary>What the service asks of a volume driver (Docker's <c>volume.Driver</c>). Calls for one name never
/// overlap: the service holds that name's lock.</summary>
internal abstract class VolumeDriver
{
    public abstract string Name { get; }

    /// <summary><c>local</c> or <c>global</c> (a plugin's capability).</summary>
    public virtual string Scope => "local";

    /// <summary>Creates the volume in the driver (nothing happens to a name the driver has already).</summary>
    public abstract void Create(string name, IReadOnlyDictionary<string, string>? options);

    public abstract void Remove(string name);

    /// <summary>The volume's host path as <c>inspect</c> shows it, and what the driver reports about it; null
    /// when the driver does not know the volume.</summary>
    public abstract (string Mountpoint, Dictionary<string, object?>? Status)? Get(string name);

    /// <summary>Makes the volume reachable for the mount <paramref name="mountId"/> and returns its path.</summary>
    public abstract string Mount(string name, string mountId);

    public abstract void Unmount(string name, string mountId);

    /// <summary>Bytes held on this host; -1 where the driver cannot tell.</summary>
    public virtual long Size(string name) => -1;
}

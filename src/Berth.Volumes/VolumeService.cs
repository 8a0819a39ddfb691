using Berth.Common;

namespace Berth.Volumes;

/// <summary>
/// The engine's volumes: the local driver (directories under the volumes root, or a filesystem mounted there as
/// <c>-o type/device/o</c> say) and volume plugins speaking Docker's <c>/VolumeDriver.*</c> protocol. It knows
/// which containers use each volume (references, for <c>rm</c> and <c>prune</c>) and which have it mounted.
/// Mounts it needs on the host (a local volume with a device) are described as data and performed by the
/// <see cref="VolumeMounts"/> it is given (the runtime's <c>RootfsMounter</c>).
/// </summary>
public sealed class VolumeService
{
    public VolumeService(string root, VolumeMounts mounts, IReadOnlyList<string>? pluginDirectories = null)
    {
        Root = root;
        _ = mounts;
        _ = pluginDirectories;
        throw new NotImplementedException();
    }

    /// <summary>The local driver's root (<c>&lt;data-root&gt;/volumes</c>).</summary>
    public string Root { get; }

    /// <summary><c>docker volume create</c>. A null or empty name gets 64 hex digits. Creating a name that exists
    /// with the same driver returns the existing volume, as Docker does.</summary>
    public Volume Create(string? name, string? driver = null, IReadOnlyDictionary<string, string>? options = null, IReadOnlyDictionary<string, string>? labels = null) => throw new NotImplementedException();

    /// <summary>NotFound with Docker's <c>get NAME: no such volume</c>.</summary>
    public Volume Get(string name) => throw new NotImplementedException();

    public Volume? TryGet(string name) => throw new NotImplementedException();

    public IReadOnlyList<Volume> List() => throw new NotImplementedException();

    /// <summary><c>docker volume rm</c>: Conflict <c>remove NAME: volume is in use - [ids]</c> while a container
    /// refers to it (even with <paramref name="force"/>, as Docker); with force a missing volume is no error.</summary>
    public void Remove(string name, bool force = false) => throw new NotImplementedException();

    /// <summary>Records that container <paramref name="containerId"/> uses the volume (from create until rm).</summary>
    public void Reference(string name, string containerId) => throw new NotImplementedException();

    public void Release(string name, string containerId) => throw new NotImplementedException();

    /// <summary>The containers referring to the volume.</summary>
    public IReadOnlyCollection<string> Users(string name) => throw new NotImplementedException();

    /// <summary>Makes the volume's data reachable for a container that starts, and returns its host path. Counts
    /// per container: the first mount of a local volume with a device mounts it, a plugin is asked each time.</summary>
    public string Mount(string name, string containerId) => throw new NotImplementedException();

    /// <summary>Undoes <see cref="Mount"/> for a container that stopped; the last one unmounts a device.</summary>
    public void Unmount(string name, string containerId) => throw new NotImplementedException();

    /// <summary>After the engine has mounted again what its running containers use (daemon restart), unmounts
    /// what nobody uses: mounts left by a crashed daemon.</summary>
    public void UnmountUnused() => throw new NotImplementedException();

    /// <summary>Bytes the volume holds on this host; -1 where the driver cannot tell (plugins).</summary>
    public long Size(string name) => throw new NotImplementedException();

    /// <summary>Removes the unused volumes <paramref name="match"/> accepts; returns their names and the bytes
    /// freed.</summary>
    public (IReadOnlyList<string> Deleted, long Reclaimed) Prune(Func<Volume, bool> match) => throw new NotImplementedException();
}

/// <summary>Performs and undoes the host mounts of volumes (wired to the runtime's mounter).</summary>
public sealed class VolumeMounts(Action<Berth.Oci.Mount, string> mount, Func<string, bool> unmount)
{
    public void Mount(Berth.Oci.Mount m, string target) => mount(m, target);

    public bool Unmount(string target) => unmount(target);
}

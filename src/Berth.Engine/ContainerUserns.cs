using Berth.Common;
using Berth.Engine.Model;
using Berth.Engine.UserNamespaces;
using Berth.Images.Archive;
using Berth.Linux;
using Berth.Oci;
using Berth.Runtime;

namespace Berth.Engine;

/// <summary>
/// <c>--userns-remap</c>: which containers run in the remapped user namespace, what they may not ask for, and
/// what the engine does for them. Their rootfs is idmapped (the layers keep the image's ids on disk, one store
/// serves remapped and other containers); the files the engine makes for them belong to the remapped root.
/// </summary>
public sealed partial class ContainerService
{
    /// <summary>The kernel's overflow id (65534): what an id without a mapping shows as.</summary>
    private const uint Overflow = 65534;

    private readonly Lock _idmapLock = new();
    private RootfsIdMap? _idmap;

    /// <summary>The daemon's remap for this container, or null if it runs in the host's user namespace.</summary>
    private UsernsRemap? RemapOf(HostConfig h) => _options.UsernsRemap is { } remap && h.UsernsMode != "host" ? remap : null;

    /// <summary>
    /// Docker's refusals with remap on: privileged, the host's network or pid namespace, unless the container
    /// opts out with <c>--userns host</c>. A <c>--userns</c> other than empty or <c>host</c> is invalid.
    /// </summary>
    private void ValidateUserns(HostConfig h)
    {
        if (h.UsernsMode is not ("" or "host"))
        {
            throw BerthException.Invalid($"invalid USER mode: {h.UsernsMode}");
        }
        if (RemapOf(h) is null)
        {
            return;
        }
        // compat(docker): moby's words (daemon/daemon_unix.go verifyPlatformContainerSettings).
        if (h.Privileged)
        {
            throw BerthException.Invalid("privileged mode is incompatible with user namespaces.  You must run the container in the host namespace when running privileged mode");
        }
        if (h.NetworkMode == "host")
        {
            throw BerthException.Invalid("cannot share the host's network namespace when user namespaces are enabled");
        }
        if (h.PidMode == "host")
        {
            throw BerthException.Invalid("cannot share the host PID namespace when user namespaces are enabled");
        }
    }

    /// <summary>The idmap of a remapped container's rootfs: one user namespace with the remap's maps, made on
    /// first use and kept for the daemon's life (an idmapped mount holds its own reference).</summary>
    private RootfsIdMap? IdMapOf(HostConfig h)
    {
        if (RemapOf(h) is not { } remap)
        {
            return null;
        }
        lock (_idmapLock)
        {
            return _idmap ??= new RootfsIdMap(UserNamespace.Create(_options.RuntimeBinary, remap.UidMappings(), remap.GidMappings()), remap.RootUid, remap.RootGid);
        }
    }

    /// <summary>For archives of a container's root while it runs remapped: its idmapped rootfs shows host ids, an
    /// archive carries the container's (a stopped one's root is mounted without an idmap).</summary>
    private IdRangeShift? UnshiftOf(Container c) =>
        c.State.Running && RemapOf(c.HostConfig) is { } remap ? new IdRangeShift(remap.RootUid, remap.Uids.Count, remap.RootGid, remap.Gids.Count) : null;

    /// <summary>The spec's user namespace and maps (OCI <c>linux.uidMappings</c>/<c>gidMappings</c>).</summary>
    private static void AddUserNamespace(RuntimeSpec spec, UsernsRemap remap)
    {
        var linux = spec.Linux ??= new LinuxConfig();
        linux.Namespaces.Insert(0, new LinuxNamespace { Type = "user" });
        linux.UidMappings = remap.UidMappings();
        linux.GidMappings = remap.GidMappings();
    }

    /// <summary>
    /// What the remapped root must reach or own before the container starts: the bundle (its init reads
    /// config.json there as that root), and the hosts, hostname and resolv.conf files, which root in the container
    /// may rewrite (Docker chowns them too).
    /// </summary>
    private static void ChownForRemap(UsernsRemap remap, string bundle, IEnumerable<string> files)
    {
        Fs.Lchown(bundle, remap.RootUid, remap.RootGid);
        foreach (var file in files.Where(File.Exists))
        {
            Fs.Lchown(file, remap.RootUid, remap.RootGid);
        }
    }
}

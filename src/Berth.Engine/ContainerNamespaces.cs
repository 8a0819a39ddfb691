using System.Globalization;
using Berth.Common;
using Berth.Engine.Model;
using Berth.Linux;
using Berth.Runtime;

namespace Berth.Engine;

public sealed partial class ContainerService
{
    /// <summary>Where a shareable container's /dev/shm tmpfs is mounted on the host: in its bundle, so that what
    /// removes the bundle's mounts removes it too.</summary>
    private string ShmOf(string id) => Path.Join(BundleOf(id), "shm");

    /// <summary>
    /// compat(docker): getPIDContainer and getIPCContainer: the running containers whose PID and IPC namespaces a
    /// starting container joins (<c>--pid</c>/<c>--ipc container:X</c>). The donor of an IPC namespace must have
    /// made it shareable (or use the host's), since only then does its /dev/shm live where another can bind it.
    /// </summary>
    private (Container? Pid, Container? Ipc) NamespaceOwners(HostConfig h)
    {
        Container? Owner(string mode, string what)
        {
            if (!IsContainerMode(mode))
            {
                return null;
            }
            var name = mode["container:".Length..];
            var owner = Find(name)?.Container ?? throw BerthException.Invalid($"failed to join {what} namespace: No such container: {name}");
            if (owner.State.Restarting)
            {
                throw BerthException.Conflict($"failed to join {what} namespace: Container {name} is restarting, wait until the container is running");
            }
            if (!owner.State.Running || owner.State.Pid <= 0)
            {
                throw BerthException.Conflict($"failed to join {what} namespace: container {name} is not running");
            }
            return owner;
        }
        var pid = Owner(h.PidMode, "PID");
        var ipc = Owner(h.IpcMode, "IPC");
        if (ipc is not null && ipc.HostConfig.IpcMode is not ("shareable" or "host"))
        {
            throw BerthException.Invalid($"failed to join IPC namespace: container {h.IpcMode["container:".Length..]}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)");
        }
        return (pid, ipc);
    }

    /// <summary>The host directory bound on the container's /dev/shm, or null for a private one made inside it:
    /// the host's for <c>--ipc host</c>, the donor's for <c>container:X</c>, and for <c>shareable</c> a tmpfs
    /// of its own mounted now.</summary>
    private string? ShmSource(Container c, Container? ipcOwner)
    {
        switch (c.HostConfig.IpcMode)
        {
            case "host":
                return Directory.Exists("/dev/shm") ? "/dev/shm" : throw BerthException.Invalid("/dev/shm is not mounted, but must be for --ipc=host");
            case "shareable":
                var shm = ShmOf(c.Id);
                Directory.CreateDirectory(shm);
                RootfsMounter.Unmount(shm);
                var size = (c.HostConfig.ShmSize > 0 ? c.HostConfig.ShmSize : SpecBuilder.DefaultShmSize).ToString(CultureInfo.InvariantCulture);
                Mounts.Mount("shm", shm, "tmpfs", LibC.MS_NOEXEC | LibC.MS_NOSUID | LibC.MS_NODEV, "mode=1777,size=" + size);
                return shm;
            default:
                return ipcOwner is null ? null : ipcOwner.HostConfig.IpcMode == "host" ? "/dev/shm" : ShmOf(ipcOwner.Id);
        }
    }
}

using Berth.Linux;

namespace Berth.Runtime.Init;

/// <summary>
/// The init's wait for the shim to have moved it into its cgroup ('G' on fd 3). Joining a v1 cgroup costs an RCU
/// grace period (about 15 ms here), so the init builds the root filesystem meanwhile and waits only where it
/// must: before it mounts cgroup2 or unshares its cgroup namespace, and before it reports itself created.
/// </summary>
internal sealed class CgroupGate(SafeFd syncIn, bool privateNamespace)
{
    private bool _entered;

    public void Enter()
    {
        if (_entered)
        {
            return;
        }
        Span<byte> b = stackalloc byte[1];
        if (Fs.Read(syncIn, b) != 1 || b[0] != 'G')
        {
            throw new InvalidOperationException("the shim went away before the container joined its cgroup");
        }
        _entered = true;
        // The new cgroup namespace has the container's cgroup as its root.
        if (privateNamespace)
        {
            Proc.Unshare(LibC.CLONE_NEWCGROUP);
        }
    }
}

namespace Berth.Linux.Tests;

/// <summary>A throwaway network namespace bind-mounted in a test's directory, with a netlink socket inside it, so
/// tests never touch the host's links. Dispose asserts that nothing is left: no mount, no file.</summary>
public sealed class TestNetns : IDisposable
{
    public TestNetns(TempDir dir, string name)
    {
        Path = dir.Join(name);
        NetNs.Create(Path);
        Handle = NetNs.Open(Path);
        Netlink = Netlink.OpenIn(Handle);
    }

    public string Path { get; }
    public SafeFd Handle { get; }
    public Netlink Netlink { get; }

    public T Run<T>(Func<T> action) => NetNs.Run(Handle, action);

    public void Dispose()
    {
        Netlink.Dispose();
        Handle.Dispose();
        NetNs.Remove(Path);
        Assert.DoesNotContain(Mounts.Read(), m => m.MountPoint == Path);
        Assert.False(File.Exists(Path));
    }
}

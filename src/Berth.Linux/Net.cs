using System.Runtime.InteropServices;

namespace Berth.Linux;

/// <summary>Minimal interface control by ioctl(2), for the container's init (no netlink socket needed there);
/// everything else goes through <see cref="Netlink"/>.</summary>
public static unsafe class Net
{
    [StructLayout(LayoutKind.Sequential)]
    private struct IfReqFlags
    {
        public fixed byte Name[16];
        public short Flags;
        public fixed byte Pad[22];
    }

    /// <summary>Sets IFF_UP on an interface of the calling thread's network namespace.</summary>
    public static void SetUp(string name)
    {
        using var sock = new SafeFd(Sys.Check(LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0), "socket"));
        var req = new IfReqFlags();
        var bytes = System.Text.Encoding.ASCII.GetBytes(name);
        for (var i = 0; i < bytes.Length && i < 15; i++)
        {
            req.Name[i] = bytes[i];
        }
        Sys.Check(LibC.ioctl(sock.Fd, LibC.SIOCGIFFLAGS, &req), "ioctl(SIOCGIFFLAGS)", name);
        req.Flags |= LibC.IFF_UP;
        Sys.Check(LibC.ioctl(sock.Fd, LibC.SIOCSIFFLAGS, &req), "ioctl(SIOCSIFFLAGS)", name);
    }
}
